"""Licence policy: which documents may enter the corpus, judged on the licence they carry.

Licences travel with each document from ingest (`metadata["licence"]`: an SPDX or CC id,
an SPDX expression, or `unknown`). This step applies one policy per document: the
source manifest's own `licence_policy` when its source declares one (matched by
`metadata["dataset"] == source.name`), else the default for the source kind:

- web: any licence, `unknown` included: most of the web states none, and web corpora
  (FineWeb, Swallow, LLM-jp) train on it under their jurisdictions' research exceptions
  (Japan: Copyright Act art. 30-4);
- wiki: Wikipedia's text licences, CC BY-SA 4.0 (since 2023-06) and 3.0 before it;
- code: the permissive set of The Stack / StarCoder (corpus.manifest.PERMISSIVE_LICENCES),
  `unknown` excluded, as The Stack and LLM-jp's code subset do.

`commercial_only` and `deny` narrow every policy, so a user can cut a commercially usable
subset without editing each source. A rejected document goes to the excluded shards
with reason `licence:<id>`.
"""

from __future__ import annotations

import fnmatch
import re

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from pydantic import Field

from corpus.config import Strict
from corpus.manifest import PERMISSIVE_LICENCES, LicencePolicy, Source
from filters.licence.spdx_expression import satisfied

UNKNOWN = "unknown"
_UNKNOWN_SPELLINGS = {"", "unknown", "none", "noassertion", "null", "other"}
# Creative Commons NonCommercial variants, and ids that say so in words
NON_COMMERCIAL_PATTERNS = ["*-NC", "*-NC-*", "*NonCommercial*", "*research-only*", "*non-commercial*"]


def normalise(licence: str | None) -> str:
    """`unknown` for every way of saying nothing; otherwise the id with its case kept."""
    text = (licence or "").strip()
    return UNKNOWN if text.lower() in _UNKNOWN_SPELLINGS else text


def _matches(licence_id: str, patterns: list[str]) -> bool:
    lowered = licence_id.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


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

    def __init__(self, options: LicenceOptions, sources: list[Source] | None = None, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.options = options
        self.sources = {s.name: s for s in (sources or [])}

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
        if _matches(licence_id, self.options.deny):
            return False
        if self.options.commercial_only and _matches(licence_id, NON_COMMERCIAL_PATTERNS):
            return False
        return policy.allow is None or _matches(licence_id, policy.allow)

    def decide(self, licence: str, policy: LicencePolicy) -> bool:
        if licence == UNKNOWN:
            return policy.unknown == "keep" and not self.options.commercial_only
        return satisfied(licence, lambda licence_id: self.licence_allowed(licence_id, policy))

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if not self.options.enabled:
            return True
        policy, source = self.policy_for(doc)
        licence = normalise(doc.metadata.get("licence"))
        if licence == UNKNOWN and source is not None and source.licence:
            licence = normalise(source.licence)  # the manifest vouches for the whole source
            doc.metadata["licence"] = licence
            doc.metadata.setdefault("licence_evidence", f"source manifest: {source.name}")
        if self.decide(licence, policy):
            return True
        return False, "licence:" + re.sub(r"\s+", "_", licence)
