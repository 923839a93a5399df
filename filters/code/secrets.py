"""Secrets in source code, treated as PII: found by their known shapes, masked, counted by type.

Code carries credentials that text does not: private keys, cloud access keys, API tokens
with a vendor prefix, and passwords in connection strings or `password = "..."`
assignments. The patterns are the ones detect-secrets 1.5 (Yelp) and gitleaks 8 ship,
re-expressed as one regex per type so the whole file is scanned in a few passes instead
of every plugin on every line: `benchmarks/ingest_code.py` runs detect-secrets' own
plugins on the same files as the baseline. High-entropy detectors are left out on
purpose: on real code they flag hashes, test vectors and base64 fixtures (detect-secrets
marks them as its noisiest plugins).

Each secret is replaced by a typed placeholder (`<|SECRET_AWS_KEY|>` by default, the same
`<|TYPE|>` form the text PII masker uses) and counted in `metadata["pii"]`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep


@dataclass(frozen=True)
class SecretPattern:
    """One kind of secret. `group` is the capture group that holds the secret itself
    (0 = the whole match), so `user:PASSWORD@host` masks only the password. `hints` are
    substrings every match contains (of the lower-cased text when `lower`): the regex runs
    only on files that hold one, which makes a clean file cost a few `in` checks."""

    type: str
    regex: re.Pattern
    hints: tuple[str, ...]
    lower: bool = False
    group: int = 0
    source: str = ""


_PLACEHOLDER_VALUE = re.compile(
    r"(?i)^(?:x+|\*+|\.+|-+|changeme|change_me|password|passwd|secret|none|null|true|false|example|"
    r"dummy|test|testing|foo|bar|your[_-].*|my[_-].*|<.*>)$"
)
"""Values that are obviously not real secrets (`password = "changeme"`)."""

_TEMPLATE = re.compile(r"\$\{|\$[A-Za-z_]|\{\{|\{[A-Za-z_]\w*\}|%\(|%s\b|\{\}")
"""Template variables (`${DB_PASS}`, `$PASS`, `{password}`, `%(password)s`) stand for a
secret; `pass%20word` (URL-encoded) is one."""

PATTERNS: tuple[SecretPattern, ...] = (
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
        "SECRET_AWS_KEY",
        hints=("AKIA", "ASIA", "ABIA", "ACCA", "A3T",),
        regex=re.compile(r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
        source="detect-secrets AWSKeyDetector",
    ),
    SecretPattern(
        "SECRET_AWS_SECRET_KEY",
        hints=("aws",),
        lower=True,
        regex=re.compile(r"(?i)aws[\w.-]{0,20}?(?:secret|key)[\w.-]{0,20}['\"]?\s*(?::=|=>|=|:)\s*['\"]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"),
        group=1,
        source="detect-secrets AWSKeyDetector (secret access key)",
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
        hints=("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-",),
        regex=re.compile(r"\b(?:glpat|gldt|glrt|glptt|glft|glsoat)-[A-Za-z0-9_-]{20,50}\b"),
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
        hints=("pypi-AgEIcHlwaS5vcmc",),
        regex=re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}"),
        source="detect-secrets PypiTokenDetector",
    ),
    SecretPattern(
        "SECRET_NPM_TOKEN",
        hints=("npm_",),
        regex=re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),
        source="gitleaks npm-access-token",
    ),
    SecretPattern(
        "SECRET_SENDGRID_KEY",
        hints=("SG.",),
        regex=re.compile(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
        source="detect-secrets SendGridDetector",
    ),
    SecretPattern(
        "SECRET_TWILIO_KEY",
        hints=("SK",),
        regex=re.compile(r"\bSK[0-9a-fA-F]{32}\b"),
        source="detect-secrets TwilioKeyDetector",
    ),
    SecretPattern(
        "SECRET_TELEGRAM_TOKEN",
        hints=(":AA",),
        regex=re.compile(r"\b\d{8,10}:AA[0-9A-Za-z_-]{32,33}\b"),
        source="detect-secrets TelegramBotTokenDetector",
    ),
    SecretPattern(
        "SECRET_JWT",
        hints=("eyJ",),
        regex=re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        source="detect-secrets JwtTokenDetector",
    ),
    SecretPattern(
        "SECRET_PASSWORD",
        hints=("://",),
        # scheme://user:PASSWORD@host (detect-secrets BasicAuthDetector, gitleaks url credentials)
        regex=re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@'\"<>]{1,100}:([^\s@/'\"<>]{1,200})@[A-Za-z0-9.\[\]_-]"),
        group=1,
        source="detect-secrets BasicAuthDetector",
    ),
    SecretPattern(
        "SECRET_PASSWORD",
        hints=("pass", "pwd"),
        lower=True,
        # password = "..." / "passwd": "..." (detect-secrets KeywordDetector, quoted values only)
        regex=re.compile(
            r"(?i)(?:password|passwd|pwd)[A-Za-z0-9_.-]{0,30}['\"]?\s*(?::=|=>|==|=|:)\s*"
            r"[rbuf]?(['\"])([^'\"\s\\]{4,200})\1"
        ),
        group=2,
        source="detect-secrets KeywordDetector",
    ),
    SecretPattern(
        "SECRET_KEYWORD",
        hints=("secret", "api_key", "api-key", "apikey", "token"),
        lower=True,
        # secret_key = "...", api_key: "...", access_token = "..."
        regex=re.compile(
            r"(?i)(?:secret[_-]?key|client[_-]?secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|"
            r"private[_-]?token)[A-Za-z0-9_.-]{0,30}['\"]?\s*(?::=|=>|=|:)\s*[rbuf]?(['\"])([^'\"\s\\]{8,200})\1"
        ),
        group=2,
        source="detect-secrets KeywordDetector",
    ),
)


def find_secrets(text: str, patterns: tuple[SecretPattern, ...] = PATTERNS) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, type) spans of secrets in `text`, in text order.

    Where two patterns overlap, the span that starts first wins (a private key block over
    anything inside it); at the same start, the longer one.
    """
    spans: list[tuple[int, int, str]] = []
    lowered = None
    for pattern in patterns:
        if pattern.lower:
            lowered = text.lower() if lowered is None else lowered
            haystack = lowered
        else:
            haystack = text
        if not any(h in haystack for h in pattern.hints):
            continue
        for match in pattern.regex.finditer(text):
            start, end = match.span(pattern.group)
            if start < 0 or end <= start:
                continue
            if pattern.group and _PLACEHOLDER_VALUE.match(match.group(pattern.group)):
                continue
            if pattern.group and _TEMPLATE.search(match.group(pattern.group)):
                continue  # a template variable, not a value
            spans.append((start, end, pattern.type))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


def mask_secrets(text: str, placeholder: str = "<|{type}|>") -> tuple[str, Counter]:
    """`text` with every secret replaced by `placeholder` (formatted with its type), and
    the number of secrets masked per type."""
    spans = find_secrets(text)
    if not spans:
        return text, Counter()
    parts: list[str] = []
    counts: Counter = Counter()
    last = 0
    for start, end, kind in spans:
        parts.append(text[last:start])
        parts.append(placeholder.format(type=kind))
        counts[kind] += 1
        last = end
    parts.append(text[last:])
    return "".join(parts), counts


class SecretsMasker(PipelineStep):
    """Masks secrets in every document and records `metadata["pii"]` counts by type.

    Never drops a document: a file with a leaked key is still good code once the key is
    gone. Counts add to any `pii` counts already on the document.
    """

    type = "🔐 - PII"
    name = "code secrets"

    def __init__(self, placeholder: str = "<|{type}|>"):
        super().__init__()
        if "{type}" not in placeholder:
            raise ValueError("placeholder must contain '{type}', e.g. '<|{type}|>'")
        self.placeholder = placeholder

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            with self.track_time():
                doc.text, counts = mask_secrets(doc.text, self.placeholder)
                pii = dict(doc.metadata.get("pii") or {})
                for kind, n in counts.items():
                    pii[kind] = pii.get(kind, 0) + n
                    self.stat_update(kind, value=n)
                if pii:
                    doc.metadata["pii"] = pii
                self.stat_update("documents_with_secrets" if counts else "documents_clean")
            yield doc
