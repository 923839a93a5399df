"""Secrets recognised by their own shape: a vendor prefix, a fixed length, a PEM header.

Each rule is the pattern detect-secrets 1.5 (Yelp) or gitleaks 8 ships for that kind of
credential, as one regex, and is tested on that project's own test strings
(tests/test_code_secrets.py). Secrets that are only recognisable by the name they are
assigned to (`password = "..."`) are in `secret_assignments.py`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class SecretPattern:
    """One kind of secret. `group` names the capture group(s) that hold the secret itself
    (0 = the whole match; several names: the first that matched), so `user:PASSWORD@host`
    masks only the password. `hints` are substrings every match contains (of the
    lower-cased text when `lower`): the regex runs only on files that hold one, which makes
    a clean file cost a few `in` checks. `accept(text, match)` can still refuse a match;
    `literal` values (assigned to a name) go through the placeholder and template checks."""

    type: str
    regex: re.Pattern
    hints: tuple[str, ...]
    lower: bool = False
    group: int | str | tuple[str, ...] = 0
    source: str = ""
    accept: Callable[[str, re.Match], bool] | None = None
    literal: bool = False
    roots: tuple[str, ...] = ()
    """Lower-case literals one of which starts every match, at most `back` characters
    after its start: the regex is then tried only there (`regex.match`), not at every
    character of the file."""
    back: int = 0


def _b64_json(part: str) -> bool:
    try:
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return isinstance(json.loads(decoded), dict)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False


def _not_after_word(text: str, match: re.Match) -> bool:
    """The match starts a token: no letter, digit or underscore right before it (a `\\b`
    kept out of the regex, so the regex starts with its literal and is searched fast)."""
    return match.start() == 0 or not (text[match.start() - 1].isalnum() or text[match.start() - 1] == "_")


def _standing_alone(text: str, match: re.Match) -> bool:
    return match.start() == 0 or text[match.start() - 1] in " \t\r\n=:\""


_SCHEME = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}\Z")


def _after_url_scheme(text: str, match: re.Match) -> bool:
    return bool(_SCHEME.search(text, max(0, match.start() - 22), match.start()))


def _formally_valid_jwt(_text: str, match: re.Match) -> bool:
    """Header and payload decode to JSON objects (detect-secrets' JwtTokenDetector check)."""
    header, payload = match.group(0).split(".")[:2]
    return _b64_json(header.rstrip("=")) and _b64_json(payload.rstrip("="))


VENDOR_PATTERNS: tuple[SecretPattern, ...] = (
    SecretPattern(
        "SECRET_PRIVATE_KEY",
        hints=("PRIVATE KEY",),
        regex=re.compile(
            r"-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]{0,20000}?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----"
            r"|(?:[ \t]*\r?\n[ \t]*[A-Za-z0-9+/=:,\- ]{8,})+)"
        ),
        source="detect-secrets PrivateKeyDetector; gitleaks private-key",
    ),
    SecretPattern(
        "SECRET_PRIVATE_KEY",
        hints=("PuTTY-User-Key-File-",),
        # the key file's header line, then its "Name: value" and base64 lines
        regex=re.compile(r"PuTTY-User-Key-File-[23]:[^\n]*(?:\r?\n(?:[A-Za-z-]+:[^\n]*|[A-Za-z0-9+/=]{8,}))*"),
        source="detect-secrets PrivateKeyDetector (PuTTY)",
    ),
    SecretPattern(
        "SECRET_AWS_KEY",
        hints=("AKIA", "ASIA", "ABIA", "ACCA", "A3T",),
        regex=re.compile(r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
        source="detect-secrets AWSKeyDetector",
    ),
    SecretPattern(
        "SECRET_AZURE_STORAGE_KEY",
        hints=("AccountKey=",),
        regex=re.compile(r"AccountKey=([A-Za-z0-9+/=]{88})"),
        group=1,
        source="detect-secrets AzureStorageKeyDetector",
    ),
    SecretPattern(
        "SECRET_GITHUB_TOKEN",
        hints=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",),
        regex=re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
        source="detect-secrets GitHubTokenDetector; gitleaks github-fine-grained-pat",
    ),
    SecretPattern(
        "SECRET_GITLAB_TOKEN",
        hints=("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "glcbt-", "glimt-", "glagent-", "gloas-",
               "GR1348941"),
        regex=re.compile(
            r"(?:\b(?:glpat|gldt|glrt|glft|glsoat)-[A-Za-z0-9_-]{20,50}|\bGR1348941[A-Za-z0-9_-]{20,50}"
            r"|\bglcbt-(?:[0-9a-fA-F]{2}_)?[A-Za-z0-9_-]{20,50}|\bglimt-[A-Za-z0-9_-]{25}|\bglptt-[A-Za-z0-9_-]{40}"
            r"|\bglagent-[A-Za-z0-9_-]{50,1024}|\bgloas-[A-Za-z0-9_-]{64})(?![\w-])"
        ),
        source="detect-secrets GitLabTokenDetector",
    ),
    SecretPattern(
        "SECRET_SLACK_TOKEN",
        hints=("xox",),
        lower=True,
        regex=re.compile(r"(?i)\bxox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+\b"),
        source="detect-secrets SlackDetector",
    ),
    SecretPattern(
        "SECRET_SLACK_WEBHOOK",
        hints=("hooks.slack.com",),
        regex=re.compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+"),
        source="detect-secrets SlackDetector (webhook)",
    ),
    SecretPattern(
        "SECRET_STRIPE_KEY",
        hints=("k_live_",),
        regex=re.compile(r"\b(?:r|s)k_live_[0-9a-zA-Z]{24,99}\b"),
        source="detect-secrets StripeDetector",
    ),
    SecretPattern(
        "SECRET_GOOGLE_API_KEY",
        hints=("AIza",),
        regex=re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),
        source="gitleaks gcp-api-key",
    ),
    SecretPattern(
        "SECRET_OPENAI_KEY",
        hints=("T3BlbkFJ",),
        regex=re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{0,80}[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9_-]{20,80}"),
        source="detect-secrets OpenAIDetector",
    ),
    SecretPattern(
        "SECRET_ANTHROPIC_KEY",
        hints=("sk-ant-",),
        regex=re.compile(r"\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,120}"),
        source="gitleaks anthropic-api-key",
    ),
    SecretPattern(
        "SECRET_HUGGINGFACE_TOKEN",
        hints=("hf_",),
        regex=re.compile(r"\bhf_[A-Za-z]{34}\b"),
        source="gitleaks huggingface-access-token",
    ),
    SecretPattern(
        "SECRET_PYPI_TOKEN",
        hints=("pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"),
        regex=re.compile(r"\bpypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{70,1000}"),
        source="detect-secrets PypiTokenDetector (pypi.org and test.pypi.org)",
    ),
    SecretPattern(
        "SECRET_NPM_TOKEN",
        hints=("npm_",),
        regex=re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),
        source="gitleaks npm-access-token",
    ),
    SecretPattern(
        "SECRET_NPM_TOKEN",
        hints=("_authToken",),
        # .npmrc: //registry.example/:_authToken=<uuid or npm_ token>
        regex=re.compile(r"//[^\s/:]+(?:/[^\s:]*)?/:_authToken=\s*((?:npm_[A-Za-z0-9]+|[A-Fa-f0-9-]{36}))(?![\w-])"),
        group=1,
        source="detect-secrets NpmDetector",
    ),
    SecretPattern(
        "SECRET_SENDGRID_KEY",
        hints=("SG.",),
        regex=re.compile(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
        source="detect-secrets SendGridDetector",
    ),
    SecretPattern(
        "SECRET_TWILIO_KEY",
        hints=("SK", "AC"),
        regex=re.compile(r"(?:SK[0-9a-fA-F]{32}|(?:AC|SK)[a-z0-9]{32})\b"),
        source="detect-secrets TwilioKeyDetector (API key SK..., account SID AC...)",
        accept=_not_after_word,
    ),
    SecretPattern(
        "SECRET_TELEGRAM_TOKEN",
        hints=(":A",),  # bot tokens' secret part starts with A (gitleaks telegram-bot-api-token)
        regex=re.compile(r"\d{8,10}:[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),
        source="detect-secrets TelegramBotTokenDetector",
        accept=_not_after_word,
    ),
    SecretPattern(
        "SECRET_DISCORD_TOKEN",
        hints=(".",),
        regex=re.compile(r"[MNO][a-zA-Z0-9_-]{23,25}\.[a-zA-Z0-9_-]{6}\.[a-zA-Z0-9_-]{27,38}"),
        source="detect-secrets DiscordBotTokenDetector",
    ),
    SecretPattern(
        "SECRET_MAILCHIMP_KEY",
        hints=("-us",),
        regex=re.compile(r"\b[0-9a-z]{32}-us[0-9]{1,2}\b"),
        source="detect-secrets MailchimpDetector",
    ),
    SecretPattern(
        "SECRET_SQUARE_TOKEN",
        hints=("sq0csp-", "sq0atp-"),
        regex=re.compile(r"\bsq0csp-[0-9A-Za-z\\_-]{43}|\bsq0atp-[0-9A-Za-z_-]{22,60}\b"),
        source="detect-secrets SquareOAuthDetector; gitleaks square-access-token",
    ),
    SecretPattern(
        "SECRET_ARTIFACTORY_TOKEN",
        hints=("AKC", "AP"),
        # API key AKC..., password AP<0-9A-F>..., standing alone (after space, =, : or ")
        regex=re.compile(r"(?:AKC[a-zA-Z0-9]{10,}|AP[0-9A-F][a-zA-Z0-9]{8,})(?=[\s\"]|$)", re.M),
        source="detect-secrets ArtifactoryDetector",
        accept=_standing_alone,
    ),
    SecretPattern(
        "SECRET_SOFTLAYER_KEY",
        hints=("softlayer.com",),
        lower=True,
        regex=re.compile(r"(?i)api\.softlayer\.com/soap/v3(?:\.1)?/([a-z0-9]{64})"),
        group=1,
        source="detect-secrets SoftlayerDetector (API URL)",
    ),
    SecretPattern(
        "SECRET_JWT",
        hints=("eyJ",),
        regex=re.compile(r"\beyJ[A-Za-z0-9_-]{8,}={0,2}\.eyJ[A-Za-z0-9_-]{8,}={0,2}(?:\.[A-Za-z0-9_-]{8,}={0,2})?"),
        source="detect-secrets JwtTokenDetector (signature optional, header and payload must be JSON)",
        accept=_formally_valid_jwt,
    ),
    SecretPattern(
        "SECRET_PASSWORD",
        hints=("://",),
        # scheme://user:PASSWORD@host (detect-secrets BasicAuthDetector, gitleaks url credentials)
        regex=re.compile(r"://[^\s:/@'\"<>]{1,100}:([^\s@/'\"<>]{1,200})@[A-Za-z0-9.\[\]_-]"),
        group=1,
        source="detect-secrets BasicAuthDetector",
        accept=_after_url_scheme,
        literal=True,
    ),
)
