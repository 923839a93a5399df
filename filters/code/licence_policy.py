"""Which licences may enter the corpus: an allow list per source, unknown licences by choice.

The default is the permissive set The Stack and StarCoder kept and LLM-jp's code subset
follows (MIT, BSD-2/3-Clause, Apache-2.0, ISC, Unlicense, CC0-1.0, Zlib); everything
else, copyleft included, is excluded with reason `licence:<id>`, and a repository with no
licence evidence is excluded as `licence:unknown` (no licence means all rights reserved).
A source manifest's `licence_policy` replaces the default for that source.

`A OR B` is allowed when either side is (the user may pick the permissive one); `A AND B`
needs both; `A WITH exception` is judged by A.
"""

from __future__ import annotations

from dataclasses import dataclass

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from filters.code.spdx import UNKNOWN, first_disallowed, normalize, normalize_allow_list

DEFAULT_ALLOW = ("MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "ISC", "Unlicense", "CC0-1.0", "Zlib")


@dataclass(frozen=True)
class Policy:
    """`allow` None keeps any known licence (corpus.manifest.LicencePolicy's meaning)."""

    allow: tuple[str, ...] | None = DEFAULT_ALLOW
    unknown: str = "exclude"  # keep | exclude

    def __post_init__(self):
        if self.unknown not in ("keep", "exclude"):
            raise ValueError(f"unknown must be 'keep' or 'exclude', got {self.unknown!r}")

    def decide(self, licence: str | None) -> str | None:
        """None when `licence` passes, else the exclusion reason."""
        if not licence or licence == UNKNOWN:
            return None if self.unknown == "keep" else f"licence:{UNKNOWN}"
        expression = normalize(licence, allow_unknown_keys=True)
        if expression is None:
            return None if self.unknown == "keep" else "licence:unparseable"
        failing = first_disallowed(expression, _allowed(self.allow))
        return None if failing is None else f"licence:{failing}"


_ALLOWED_CACHE: dict[tuple[str, ...] | None, set[str] | None] = {}


def _allowed(allow: tuple[str, ...] | None) -> set[str] | None:
    if allow not in _ALLOWED_CACHE:
        _ALLOWED_CACHE[allow] = normalize_allow_list(list(allow) if allow is not None else None)
    return _ALLOWED_CACHE[allow]


class LicencePolicyFilter(BaseFilter):
    """Drops documents whose licence the policy of their source does not allow."""

    name = "⚖ licence policy"
    _requires_dependencies = [("license_expression", "license-expression")]

    def __init__(self, default: Policy = Policy(), per_dataset: dict[str, Policy] | None = None,
                 exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.default = default
        self.per_dataset = per_dataset or {}

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        policy = self.per_dataset.get(doc.metadata.get("dataset"), self.default)
        reason = policy.decide(doc.metadata.get("licence"))
        if reason is None:
            self.stat_update(f"licence_{doc.metadata.get('licence') or UNKNOWN}")
            return True
        return False, reason
