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


# -- assignments in every common syntax, and the published rule sets' own test strings ------

AWS_SECRET = "lbqlNh3FW5/3AwnBoWsYIJam9w2Us4ZOH5Un8RyR"  # gitleaks aws-secret-access-key sample (made up)


def masked_as(line: str) -> list[str]:
    return [kind for _, _, kind in find_secrets(line)]


@pytest.mark.parametrize("line", [
    f'os.environ["AWS_SECRET_ACCESS_KEY"] = "{AWS_SECRET}"',
    f'os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "{AWS_SECRET}")',
    f'{{"secret_access_key": "{AWS_SECRET}"}}',
])
def test_aws_secret_in_environ_setdefault_and_dict_shapes_is_masked(line):
    masked, counts = mask_secrets(line)
    assert AWS_SECRET not in masked and sum(counts.values()) == 1, masked
    assert masked == line.replace(AWS_SECRET, f"<|{next(iter(counts))}|>")


# the assignment syntaxes gitleaks checks every rule against (utils.GenerateSampleSecrets),
# plus environment lookups with a default, which is how the leaks above were written
SYNTAXES = [
    '{i}="{s}"', '{i} = "{s}"', "{i}={s}", "{i} = {s}",  # INI / .env
    '{{\n    "{i}": "{s}"\n}}',  # JSON
    "{i}: {s}", "{i}: '{s}'", '{i}: "{s}"',  # YAML
    'string {i} = "{s}";', 'var {i} string = "{s}"', '{i} := "{s}"', "{i} := `{s}`",  # C#, Go
    'String {i} = "{s}";', 'var {i} = "{s}"', '${i} .= "{s}"', "{i} = '{s}'",  # Java, Kotlin, PHP, Python
    '  "{i}" => "{s}"',  # logstash
    '{i} := "{s}"', '{i} ::= "{s}"', '{i} ?= "{s}"', '{i} += "{s}"',  # Makefile
    "export {i}={s}", 'os.getenv("{i}", "{s}")', 'config["{i}"] = "{s}"',
]


@pytest.mark.parametrize("syntax", SYNTAXES)
@pytest.mark.parametrize("name, secret, kind", [
    ("aws_secret_access_key", AWS_SECRET, "SECRET_AWS_SECRET_KEY"),
    ("AWS_SECRET_ACCESS_KEY", AWS_SECRET, "SECRET_AWS_SECRET_KEY"),
    ("client_secret", "6da89121079f83b2eb6acccf8219ea982c3d79bc", "SECRET_KEYWORD"),
    ("stripe_api_key", "Zk2Lr9Vt4Xw1Yb6Nc3Md7Pf0", "SECRET_KEYWORD"),
    ("db_password", "Ky0t0-Sakura-42", "SECRET_PASSWORD"),
])
def test_secret_assigned_in_any_common_syntax_is_masked(syntax, name, secret, kind):
    line = syntax.format(i=name, s=secret)
    masked, counts = mask_secrets(line)
    assert counts == {kind: 1}, (line, counts)
    assert masked == line.replace(secret, f"<|{kind}|>")


# detect-secrets 1.5's plugin tests (tests/plugins/*_test.py): the lines each plugin must flag
CLOUD_IAM_KEY = "abcd1234abcd1234abcd1234ABCD1234ABCD1234--__"
COS_SECRET = "1234567890abcdef1234567890abcdef1234567890abcdef"
SL_TOKEN = "abcd1234" * 8
CL_PW, CL_API_KEY = "abcd1234" * 8, "abcdefghijabcdefghijabcd"
KEYWORD_SECRET = "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"
DETECT_SECRETS_POSITIVES = {
    "SECRET_ARTIFACTORY_TOKEN": ["AP6xxxxxxxxxx", "AKCxxxxxxxxxx", " AP6xxxxxxxxxx", '"AKCxxxxxxxxxx"',
                                 "artif-key:AP6xxxxxxxxxx", "X-JFrog-Art-Api: AKCxxxxxxxxxx",
                                 "artifactoryx:_password=AKCxxxxxxxxxx"],
    "SECRET_DISCORD_TOKEN": ["MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",
                             "Nzk5MjgxNDk0NDc2NDU1OTg3.YABS5g.2lmzECVlZv3vv6miVnUaKPQi2wI",
                             "OTUyNED5MDk2MTMxNzc2MkEz.GSroKE.g2MTwve8OnUAAByz8KV_ZTV1Ipzg4o_NmQWUMs"],
    "SECRET_MAILCHIMP_KEY": ["343ea45721923ed956e2b38c31db76aa-us30", "a2937653ed38c31a43ea46e2b19257db-us2"],
    "SECRET_SQUARE_TOKEN": ["square_oauth = sq0csp-ABCDEFGHIJK_LMNOPQRSTUVWXYZ-0123456789\\abcd"],
    "SECRET_TWILIO_KEY": ["SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    "SECRET_TELEGRAM_TOKEN": ["110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw",
                              "7213808860:AAH1bjqpKKW3maRSPAxzIU-0v6xNuq2-NjM"],
    "SECRET_NPM_TOKEN": ["//registry.npmjs.org/:_authToken=743b294a-cd03-11ec-9d64-0242ac120002",
                         "//registry.npmjs.org/:_authToken= 743b294a-cd03-11ec-9d64-0242ac120002"],
    "SECRET_JWT": [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIy"
        "fQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "eyJ0eXAiOiJKV1QiLA0KImFsZyI6IkhTMjU2In0.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5"
        "MDIyfQ",
    ],
    "SECRET_GITLAB_TOKEN": ["glpat-hellOworld380_testin", "gldt-HwllOuhfw-wu0rlD_yep",
                            "glsoat-PREfix_helloworld380_testin_pretty_long_token_long",
                            "GR1348941PREfix_helloworld380", "glcbt-helloworld380_testin"],
    "SECRET_PYPI_TOKEN": [
        "pypi-AgENdGVzdC5weXBpLm9yZwIkN2YxOWZhOWEtY2FjYS00MGZhLTj2MGEtODFjMnE2MjdmMzY0AAIqWzMsImJlM2FiOWI5LTRmYUTnNE"
        "g4ZS04Mjk0LWFlY2Y2NWYzNGYzNyJdAAAGIMb5Hb8nVvhcAizcVVzA-bKKnwN7Pe0RmgPRCvrPwyJf",
    ],
    "SECRET_OPENAI_KEY": ["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",
                          "sk-proj-Xi8tdMjHV6pmbBbwilTeT3BlbkFJ3UDnpdEwNNm6wVBpYM0o"],
    "SECRET_PRIVATE_KEY": ["-----BEGIN RSA PRIVATE KEY-----\nsuper secret private key here\n-----END RSA PRIVATE KEY-----",
                           "some text here\n-----BEGIN PRIVATE KEY-----\nyabba dabba doo",
                           "PuTTY-User-Key-File-2: ssh-rsa"],
    "SECRET_IBM_CLOUD_KEY": [f"ibm-cloud_api_key: {CLOUD_IAM_KEY}", f'IBM-API-KEY : "{CLOUD_IAM_KEY}"',
                             f'"iam-password": "{CLOUD_IAM_KEY}"', f"IBMCLOUDIAMAPIKEY={CLOUD_IAM_KEY}",
                             f'"ibm-iam_key" := "{CLOUD_IAM_KEY}"', f"ibm-cloud-pwd = {CLOUD_IAM_KEY}",
                             f'"secret_access_key": "{COS_SECRET}"', f"secret_access_key={COS_SECRET}",
                             f'COS_HMAC_SECRET_ACCESS_KEY = "{COS_SECRET}"', f'coshmac_secret_key = "{COS_SECRET}"'],
    "SECRET_SOFTLAYER_KEY": [f'--softlayer-api-key "{SL_TOKEN}"', f"--softlayer-api-key {SL_TOKEN}",
                             f"http://api.softlayer.com/soap/v3.1/{SL_TOKEN}", f"SLAPIKEY : {SL_TOKEN}",
                             f"sl_key= {SL_TOKEN}", f'sl_pass="{SL_TOKEN}"', f"softlayer-pwd = {SL_TOKEN}"],
    "SECRET_CLOUDANT_KEY": [f"cloudant_password='{CL_PW}'", f'clou_pw = "{CL_PW}"', f'cloudant_key = "{CL_API_KEY}"'],
    # (their "https://username:password@yelp.com" is left alone here: `password` as a value is a placeholder)
    "SECRET_PASSWORD": [f"https://testy_-test:{CL_PW}@testy_-test.cloudant.com"],
    "SECRET_KEYWORD": [f"'theapikey': '{KEYWORD_SECRET}'", f'"theapikey": "{KEYWORD_SECRET}"',
                       f'apikey = @"{KEYWORD_SECRET}"', f'apikey[]= "{KEYWORD_SECRET}"',
                       f'some_dict["secret"] = "{KEYWORD_SECRET}"', f'apikey := "{KEYWORD_SECRET}"',
                       f'apikey "{KEYWORD_SECRET}";', f'fooapikeyfoo "{KEYWORD_SECRET}";',
                       f"private_key '{KEYWORD_SECRET}';"],
}
DETECT_SECRETS_NEGATIVES = [
    "testAKCwithinsomeirrelevantstring", "X-JFrog-Art-Api: $API_KEY", "artifactory:_password=AP6xxxxxx",
    "MZ1yGvKTj0rY0cV8i47CjAa.uHQPq.Xb1Mk2nEhe-4icrGOuegj57zMC", "3ea4572956e2b381923ed34c31db76aa-2",
    "9276a43e2951aa46e2b1c33ED38357DB-us2", "bot110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw",
    "arn:aws:sns:aaa:111122223333:aaaaaaaaaaaaaaaaaaassssssddddddddddddd",
    "//registry.npmjs.org:_authToken=743b294a-cd03-11ec-9d64-0242ac120002",
    "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
    "bm90X3ZhbGlkX2pzb25fYXRfYWxs.bm90X3ZhbGlkX2pzb25fYXRfYWxs.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "eyJAAAA.eyJBBB", "glpat_hellOworld380_testin", "gldt-seems_too000Sshorty",
    "sk-proj-Xi8tdMjHV6pmbBbwilTeT4BlbkFJ3UDnpdEwNNm6wVBpYM0o", "foo_wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx",
    f'ibm_iam_key:= "{CLOUD_IAM_KEY}extra"', "ibm-cloud-pwd = shorter-version", 'iam_api_key="%s" % IBM_IAM_API_KEY_ENV',
    'CLOUD_APIKEY: "insert_key_here"', f'"secret_access_key": "{COS_SECRET}extra"', "not_secret = notapassword",
    'softlayer_api_key="%s" % SL_API_KEY_ENV', 'SOFTLAYER_APIKEY: "insert_key_here"', "softlayer-key:=afakekey",
    'cloudant_password = "a-fake-tooshort-key"', 'cl_api_key = "a-fake-api-key"',
    "http://localhost:5000/<%= @variable %>", '"https://url:8000";@something else', "https://url:8000 @something else",
    'theapikey := ""', 'theapikey := "somefakekey"', 'some_key = "real_secret"', 'my_password = ""',
    'my_password = "fakesecret"', 'open(self, password = ""):', 'private_key "fake";', 'private_key "${FOO}";',
    'private_key "some/dir/aint/a/secret";', "my_password = foo(hey)you", "my_password = request.json_body['hey']",
    "my_password = True", "login(username=username, password=password)", "password: ${link}",
]
# gitleaks 8's generic-api-key false positives (cmd/generate/config/rules/generic.go) that fit our keywords
GITLEAKS_NEGATIVES = [
    "client_vpn_endpoint_id = aws_ec2_client_vpn_endpoint.client-vpn-endpoint.id",
    'LLM_SECRET_NAME = "NEXUS-GPT4-API-KEY"', "secret_length = X25519.secret_length",
    "    access_token_url='https://github.com/login/oauth/access_token',",
    'publicToken = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"',
    "credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'", "apiUrl=apigee.corpint.com",
    'public_key = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"', "PuttyPassword=0",
    "GITHUB_API_KEY=\nDYNATRACE_API_KEY=",
]


@pytest.mark.parametrize("kind, line", [(k, line) for k, lines in DETECT_SECRETS_POSITIVES.items() for line in lines])
def test_detect_secrets_plugin_test_strings_are_masked(kind, line):
    assert masked_as(line) == [kind]


@pytest.mark.parametrize("line", DETECT_SECRETS_NEGATIVES + GITLEAKS_NEGATIVES)
def test_published_false_positive_strings_are_left_alone(line):
    assert find_secrets(line) == []


def test_only_the_value_is_masked_never_the_name():
    masked, _ = mask_secrets(f'os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "{AWS_SECRET}")')
    assert masked == 'os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "<|SECRET_AWS_SECRET_KEY|>")'


def test_ingest_code_masks_the_three_leaked_shapes(tmp_path):
    from benchmarks.evalsets import bad_inputs as bad
    import pyarrow.parquet as pq

    from corpus.config import ExecutorConfig
    from corpus.readers.inputs import resolve_inputs
    from corpus.run.stage import StageContext, run_stage
    from pipelines.ingest_code import STAGE, Options

    bad.leaked_secrets_tree(tmp_path / "in" / "app")
    ctx = StageContext(name="ingest_code", stage_dir=tmp_path / "out", inputs=resolve_inputs([str(tmp_path / "in")]),
                       options=Options(), executor=ExecutorConfig(tasks=1, workers=1), quiet=True)
    report = run_stage(STAGE, ctx)
    assert report["kept"]["pii"] == {"SECRET_AWS_SECRET_KEY": 3}
    texts = [r["text"] for s in (tmp_path / "out" / "shards").glob("*.parquet") for r in pq.read_table(s).to_pylist()]
    assert texts and not any(bad.LEAKED_AWS_SECRET in t for t in texts)
