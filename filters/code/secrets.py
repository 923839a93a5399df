"""Secrets in source code, treated as PII: found by their known shapes, masked, counted by type.

Code carries credentials that text does not: private keys, cloud access keys, API tokens
with a vendor prefix, and passwords in connection strings or `password = "..."`
assignments. The patterns are the ones detect-secrets 1.5 (Yelp) and gitleaks 8 ship,
re-expressed as one regex per type (`secret_rules.py` for vendor shapes,
`secret_assignments.py` for values known by their name) and tested on those projects'
own test strings, so the whole file is scanned in a few passes instead of every plugin
on every line: `benchmarks/ingest_code.py` runs detect-secrets' own
plugins on the same files as the baseline. High-entropy detectors are left out on
purpose: on real code they flag hashes, test vectors and base64 fixtures (detect-secrets
marks them as its noisiest plugins).

Each secret is replaced by a typed placeholder (`<|SECRET_AWS_KEY|>` by default, the same
`<|TYPE|>` form the text PII masker uses) and counted in `metadata["pii"]`.
"""

from __future__ import annotations

import re
from collections import Counter

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from filters.code.secret_assignments import ASSIGNMENT_PATTERNS
from filters.code.secret_rules import VENDOR_PATTERNS, SecretPattern

_PLACEHOLDER_VALUE = re.compile(
    r"(?i)^(?:x+|\*+|\.+|-+|changeme|change_me|password|passwd|secret|none|null|true|false|example|"
    r"dummy|test|testing|foo|bar|your[_-].*|my[_-].*|<.*>)$"
)
"""Values that are obviously not real secrets (`password = "changeme"`)."""

_PLACEHOLDER_WORD = re.compile(r"(?i)fake|insert|placeholder|redacted|changeme|example|dummy|x{6,}|\*{3,}")
"""Words that mark a value as a stand-in (detect-secrets skips values containing `fake`,
gitleaks `EXAMPLE`), for values assigned to a name; vendor-shaped tokens are not checked."""

_TEMPLATE = re.compile(
    r"\$\{[A-Za-z_][\w.]*(?:[:?][^{}]*)?\}|^\$[A-Za-z_]\w*$|\{\{[^{}]*\}\}|(?<!\{)\{[A-Za-z_]\w*\}(?!\})"
    r"|%\([^)]+\)[sdr]|%s\b|\{\}|<%=?[^%]*%>"
)
"""Template variables (`${DB_PASS}`, `$PASS`, `{{ password }}`, `{password}`, `%(password)s`)
stand for a secret. Only well-formed ones count: `m{{h}o)p${e]...` is a value."""

PATTERNS: tuple[SecretPattern, ...] = VENDOR_PATTERNS + ASSIGNMENT_PATTERNS
"""Vendor shapes first, then assignments (vendor before generic): at the same start, the
first listed wins a tie."""


def _secret_span(pattern: SecretPattern, match: re.Match) -> tuple[int, int] | None:
    if isinstance(pattern.group, tuple):
        for name in pattern.group:
            if match.group(name) is not None:
                return match.span(name)
        return None
    return match.span(pattern.group)


def _is_stand_in(value: str) -> bool:
    return bool(_PLACEHOLDER_VALUE.match(value) or _PLACEHOLDER_WORD.search(value) or _TEMPLATE.search(value))


def _matches(pattern: SecretPattern, text: str, haystack: str):
    """The pattern's matches: by `finditer`, or, for a pattern with roots, by anchored
    `match` calls at each root (a keyword regex tried at every character costs 5-10x more)."""
    if not pattern.roots:
        yield from pattern.regex.finditer(text)
        return
    starts = set()
    for root in pattern.roots:
        at = haystack.find(root)
        while at >= 0:
            starts.update(range(max(0, at - pattern.back), at + 1))
            at = haystack.find(root, at + 1)
    done = 0
    for start in sorted(starts):
        if start < done:
            continue
        match = pattern.regex.match(text, start)
        if match is not None:
            done = match.end()
            yield match


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
        for match in _matches(pattern, text, haystack):
            span = _secret_span(pattern, match)
            if span is None or span[0] < 0 or span[1] <= span[0]:
                continue
            if pattern.literal and _is_stand_in(text[span[0]:span[1]]):
                continue  # a placeholder or a template variable, not a value
            if pattern.accept is not None and not pattern.accept(text, match):
                continue
            spans.append((*span, pattern.type))
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


PLACEHOLDER = "<|{type}|>"
"""what a secret becomes; `{type}` is its kind, e.g. SECRET_AWS_KEY"""


class SecretsMasker(PipelineStep):
    """Masks secrets in every document and records `metadata["pii"]` counts by type.

    Never drops a document: a file with a leaked key is still good code once the key is
    gone. Counts add to any `pii` counts already on the document.
    """

    type = "🔐 - PII"
    name = "code secrets"

    def __init__(self, placeholder: str = PLACEHOLDER):
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
