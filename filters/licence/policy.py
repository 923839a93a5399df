"""Licence policy: which documents may enter the corpus, judged on the licence they carry.

Licences travel with each document from ingest (`metadata["licence"]`: an SPDX or CC id,
an SPDX expression, or `unknown`). This step applies one policy per document: the
source manifest's own `licence_policy` when its source declares one (matched by
`metadata["dataset"] == source.name`), else the default for the source kind:

- web: any licence, `unknown` included: most of the web states none, and web corpora
  (FineWeb, Swallow, LLM-jp) train on it under their jurisdictions' research exceptions
  (Japan: Copyright Act art. 30-4);
- wiki: Wikipedia's text licences, CC BY-SA 4.0 (since 2023-06) and 3.0 before it;
- code: the permissive set of The Stack / StarCoder (`PERMISSIVE_LICENCES`), `unknown`
  excluded, as The Stack and LLM-jp's code subset do.

`commercial_only` and `deny` narrow every policy, so a user can cut a commercially usable
subset without editing each source. Code ingest runs this same step with its own options
for the `code` policy, so a file the filter stage would keep is never dropped earlier.

Each licence has one spelling: ids known to the SPDX list, in documents and in the
patterns alike, are compared in the list's spelling (`GPL-2.0+` is `GPL-2.0-or-later`,
`mit` is `MIT`); other ids as written, case-insensitively. A rejected document goes to
the excluded shards with the one reason `licence_not_allowed` (a bounded set of reasons,
whatever licences a corpus holds) and the id that failed in `metadata["licence_rejected"]`
(`unknown` for a document without licence evidence).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from pydantic import Field

from corpus.config import Strict
from corpus.sources.manifest import LicencePolicy, Source
from filters.licence.spdx import UNKNOWN, canonical_id, first_not_allowed

REASON = "licence_not_allowed"
# Permissive code licences: The Stack / StarCoder's set, which LLM-jp's code subset follows.
# No share-alike (CC-BY-SA) or copyleft id belongs here.
PERMISSIVE_LICENCES = [
    "MIT", "MIT-0", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "Apache-2.0", "ISC", "Unlicense", "CC0-1.0",
    "Zlib", "PSF-2.0", "BSL-1.0", "public-domain",
]
_UNKNOWN_SPELLINGS = {"", "unknown", "none", "noassertion", "null", "other"}
# Creative Commons NonCommercial variants, and ids that say so in words
NON_COMMERCIAL_PATTERNS = ["*-NC", "*-NC-*", "*NonCommercial*", "*research-only*", "*non-commercial*"]
_GLOB = set("*?[")
_NON_COMMERCIAL = tuple(p.lower() for p in NON_COMMERCIAL_PATTERNS)


def licence_or_unknown(licence: str | None) -> str:
    """`unknown` for every way of saying nothing; otherwise the licence with its case kept."""
    text = (licence or "").strip()
    return UNKNOWN if text.lower() in _UNKNOWN_SPELLINGS else text


def _spelled(patterns: list[str]) -> tuple[str, ...]:
    """Patterns in the spelling documents' ids are compared in, lower-cased: a plain id is
    spelt as the SPDX list spells it (`GPL-2.0+` names GPL-2.0-or-later), a glob as written."""
    return tuple((p if _GLOB & set(p) else canonical_id(p)).lower() for p in patterns)


def _matches(licence_id: str, patterns: tuple[str, ...]) -> bool:
    lowered = licence_id.lower()
    return any(fnmatch.fnmatchcase(lowered, p) for p in patterns)


class LicenceOptions(Strict):
    """Defaults per source kind; a source's own `licence_policy` in its manifest wins."""

    enabled: bool = True
    web: LicencePolicy = Field(
        default_factory=lambda: LicencePolicy(allow=None, unknown="keep"),
        description="web pages: any licence, unknown kept (most pages state none)",
    )
    wiki: LicencePolicy = Field(
        default_factory=lambda: LicencePolicy(allow=["CC-BY-SA-4.0", "CC-BY-SA-3.0"], unknown="keep"),
        description="Wikipedia: CC BY-SA 4.0 (3.0 for revisions before 2023-06)",
    )
    code: LicencePolicy = Field(
        default_factory=lambda: LicencePolicy(allow=list(PERMISSIVE_LICENCES), unknown="exclude"),
        description="code: The Stack's permissive set; unknown excluded (The Stack, LLM-jp code)",
    )
    text: LicencePolicy = Field(
        default_factory=lambda: LicencePolicy(allow=None, unknown="keep"),
        description="already-extracted text a user brings (manifest kind text, jsonl/parquet/txt given to a stage): "
        "any licence, unknown kept as for web pages; name the licence in the manifest or with input.licence",
    )
    default: LicencePolicy = Field(
        default_factory=LicencePolicy,
        description="documents whose source kind is not web/wiki/code/text (e.g. shards from elsewhere)",
    )
    deny: list[str] = Field(
        default_factory=list,
        description="licence ids (fnmatch patterns, case-insensitive) excluded under every policy, e.g. GPL-*",
    )
    commercial_only: bool = Field(
        False,
        description="keep only licences known to allow commercial use: drops CC *-NC* and research-only "
        "ids, and unknown licences",
    )


class LicencePolicyFilter(BaseFilter):
    """Keeps a document when its licence (expression) satisfies its policy."""

    name = "⚖ licence policy"
    _requires_dependencies = [("license_expression", "license-expression")]

    def __init__(self, options: LicenceOptions, sources: list[Source] | None = None, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.options = options
        self.sources = {s.name: s for s in (sources or [])}
        self._deny = _spelled(options.deny)
        self._allow: dict[tuple[str, ...], tuple[str, ...]] = {}

    def policy_for(self, doc: Document) -> tuple[LicencePolicy, Source | None]:
        source = self.sources.get(doc.metadata.get("dataset"))
        kind = doc.metadata.get("source") or (source.kind if source else None)
        kind_default = getattr(self.options, kind) if kind in ("web", "wiki", "code", "text") else self.options.default
        if source is not None and source.licence_policy is not None:
            own = source.licence_policy
            if own.unknown is None:  # the manifest chose an allow list only: the kind decides unknowns
                own = own.model_copy(update={"unknown": kind_default.unknown})
            return own, source
        return kind_default, source

    def licence_allowed(self, licence_id: str, policy: LicencePolicy) -> bool:
        """One id (no operators) under `policy`, `deny` and `commercial_only`."""
        spelled = canonical_id(licence_id)
        if _matches(spelled, self._deny):
            return False
        if self.options.commercial_only and _matches(spelled, _NON_COMMERCIAL):
            return False
        if policy.allow is None:
            return True
        key = tuple(policy.allow)
        if key not in self._allow:
            self._allow[key] = _spelled(policy.allow)
        return _matches(spelled, self._allow[key])

    def rejected_id(self, licence: str, policy: LicencePolicy) -> str | None:
        """None when `licence` passes, else the id that fails it (SPDX spelling where known)."""
        if licence == UNKNOWN:
            return None if policy.unknown == "keep" and not self.options.commercial_only else UNKNOWN
        failing = first_not_allowed(licence, lambda licence_id: self.licence_allowed(licence_id, policy))
        return None if failing is None else canonical_id(failing)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if not self.options.enabled:
            return True
        policy, source = self.policy_for(doc)
        licence = licence_or_unknown(doc.metadata.get("licence"))
        if licence == UNKNOWN and source is not None and source.licence:
            licence = licence_or_unknown(source.licence)  # the manifest vouches for the whole source
            doc.metadata["licence"] = licence
            doc.metadata.setdefault("licence_evidence", f"source manifest: {source.name}")
        failing = self.rejected_id(licence, policy)
        if failing is None:
            return True
        doc.metadata["licence_rejected"] = failing
        return False, REASON


def rejected_ids(excluded_dir: Path, limit: int = 50) -> dict[str, int]:
    """Documents the policy excluded, by the id that failed them, most common first (at most
    `limit` ids and `other`): the per-licence view that the one bounded reason leaves out."""
    from collections import Counter

    from corpus.formats.shard_files import metadata_rows

    counts: Counter = Counter()
    for meta in metadata_rows(excluded_dir, only_reason=REASON, fields=("extra",)):
        counts[meta.get("licence_rejected") or UNKNOWN] += 1
    top = dict(counts.most_common(limit))
    rest = sum(counts.values()) - sum(top.values())
    return {**top, "other": rest} if rest else top
