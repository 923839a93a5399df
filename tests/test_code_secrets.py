"""Secrets in code: found by shape, masked with a typed placeholder, counted by type."""

from __future__ import annotations

from pathlib import Path

import pytest
from datatrove.data import Document

from filters.code.secrets import SecretsMasker, find_secrets, mask_secrets

# made-up values in the documented shapes of each vendor
SAMPLES = {
    "SECRET_AWS_KEY": 'key_id = "AKIAZ7QX3JDEMO5K2PLM"',
    "SECRET_AWS_SECRET_KEY": 'aws_secret_access_key = "q8Zk2Lr9Vt4Xw1Yb6Nc3Md7Pf0Gh5Js2Ka8Lq4We"',
    "SECRET_GITHUB_TOKEN": "token: ghp_Z3k9Lr2Vt8Xw1Yb6Nc3Md7Pf0Gh5Js2Ka8Lq4",
    "SECRET_GITLAB_TOKEN": "GITLAB=glpat-Zk2Lr9Vt4Xw1Yb6Nc3Md",
    "SECRET_SLACK_TOKEN": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "SECRET_SLACK_WEBHOOK": "https://hooks.slack.com/services/T0DEMO123/B0DEMO456/Zk2Lr9Vt4Xw1Yb6Nc3Md",
    "SECRET_STRIPE_KEY": "stripe.api_key = sk_live_Zk2Lr9Vt4Xw1Yb6Nc3Md7Pf0",
    "SECRET_GOOGLE_API_KEY": "const key = 'AIzaSyZk2Lr9Vt4Xw1Yb6Nc3Md7Pf0Gh5Js2Ka8';",
    "SECRET_HUGGINGFACE_TOKEN": "HF_TOKEN=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",
    "SECRET_NPM_TOKEN": "//registry.npmjs.org/:_authToken=npm_Zk2Lr9Vt4Xw1Yb6Nc3Md7Pf0Gh5Js2Ka8Lq4",
    "SECRET_JWT": "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJlLXZhbHVl",
    "SECRET_PRIVATE_KEY": ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAz7Zk2Lr9Vt4Xw1Yb6Nc3\n"
                           "Md7Pf0Gh5Js2Ka8Lq4We\n-----END RSA PRIVATE KEY-----"),
    "SECRET_PASSWORD": 'DB = "postgresql://app:Ky0t0-Sakura-42@db.example:5432/app"',
    "SECRET_KEYWORD": 'client_secret = "Zk2Lr9Vt4Xw1Yb6N"',
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_each_secret_type_is_found_and_masked(kind):
    masked, counts = mask_secrets(SAMPLES[kind])
    assert counts == {kind: 1}
    assert f"<|{kind}|>" in masked


def test_connection_string_keeps_user_and_host_and_masks_only_the_password():
    masked, _ = mask_secrets(SAMPLES["SECRET_PASSWORD"])
    assert masked == 'DB = "postgresql://app:<|SECRET_PASSWORD|>@db.example:5432/app"'


def test_password_assignment_with_a_literal_is_masked_but_a_lookup_is_not():
    masked, counts = mask_secrets('password = "hunter2hunter2"\npassword = os.environ["DB_PASSWORD"]\n')
    assert counts == {"SECRET_PASSWORD": 1}
    assert 'os.environ["DB_PASSWORD"]' in masked


def test_placeholders_and_template_variables_are_not_secrets():
    text = ('password = "changeme"\nurl = "postgres://user:${DB_PASS}@localhost/db"\n'
            'api_key = "<your-api-key>"\nDSN = "mysql://root:%(password)s@host/db"\n')
    assert find_secrets(text) == []


def test_private_key_block_is_one_span_even_with_tokens_inside():
    text = SAMPLES["SECRET_PRIVATE_KEY"]
    assert [kind for _, _, kind in find_secrets(text)] == ["SECRET_PRIVATE_KEY"]


def test_plain_code_has_no_secrets():
    code = "def add(a, b):\n    return a + b\n\nAKIA = 'prefix only'\nSK = 1\n"
    assert find_secrets(code) == []


def test_masker_step_adds_counts_to_existing_pii():
    doc = Document(text=SAMPLES["SECRET_AWS_KEY"], id="x", metadata={"pii": {"EMAIL": 2}})
    out = list(SecretsMasker().run([doc]))
    assert out[0].metadata["pii"] == {"EMAIL": 2, "SECRET_AWS_KEY": 1}
    assert "AKIA" not in out[0].text


def test_masker_refuses_a_placeholder_without_type():
    with pytest.raises(ValueError):
        SecretsMasker("[SECRET]")


def test_real_sdists_raise_no_secret_except_url_credentials_in_tests(shared_data: Path, tmp_path):
    """On five real PyPI sdists (about 4.6 MB of text) the only finds are the
    `scheme://user:pass@host` URLs of packaging's own tests (detect-secrets' BasicAuth
    plugin finds the same seven)."""
    import tarfile

    found = []
    for archive in sorted((shared_data / "code").glob("*.tar.gz")):
        with tarfile.open(archive) as tf:
            for member in tf:
                if member.isfile() and member.name.endswith((".py", ".rst", ".md", ".txt", ".cfg", ".toml")):
                    text = tf.extractfile(member).read().decode("utf-8", "replace")
                    found += [(member.name, kind) for _, _, kind in find_secrets(text)]
    assert found, "packaging's tests hold URLs with credentials"
    assert {kind for _, kind in found} == {"SECRET_PASSWORD"}
    assert {name.split("/")[-1] for name, _ in found} == {"test_direct_url.py", "test_requirements.py"}
    assert len(found) == 7
