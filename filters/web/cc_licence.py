"""Creative Commons licence evidence in a page's HTML.

A commercially usable subset of a web corpus needs to know which pages carry an open
licence. Pages state it with links to creativecommons.org: `rel="license"` links (the
markup CC's licence chooser emits, and the strongest signal), `<meta>` tags (dc.rights,
dcterms.license, og/twitter rights), or plain links in a footer (weaker: a page may link to
a licence it does not use, e.g. in a blog post about licences). Evidence is weighed, the
best-supported licence wins, and both the id and the evidence travel with the document.
No evidence means `unknown` (never "all rights reserved": we cannot know that).

Ids follow SPDX where SPDX has them: `CC-BY-4.0`, `CC-BY-NC-SA-2.1-JP` (ported licences
keep their jurisdiction), `CC0-1.0`; the Public Domain Mark becomes `public-domain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep

# rel="license" is what the CC licence chooser emits: it states the page's licence; a meta
# tag states it for the page too; a bare link may be about something else
WEIGHT_REL_LICENSE = 3
WEIGHT_META = 2
WEIGHT_LINK = 1

_CC_URL = re.compile(
    r"""(?:https?:)?//(?:www\.)?creativecommons\.org/
        (?:licenses/(?P<kind>by(?:-(?:nc|nd|sa)){0,2})/(?P<version>\d\.\d)(?:/(?P<port>[a-z]{2}(?:-[a-z]{2})?)(?=[/?#]|$))?
          |publicdomain/(?P<pd>zero|mark)/(?P<pdversion>\d\.\d)
        )""",
    re.IGNORECASE | re.VERBOSE,
)
_CC_HOST = re.compile(r"creativecommons\.org", re.IGNORECASE)
_TAG = re.compile(r"<(a|link|meta|area)\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_RIGHTS_META = {"dc.rights", "dcterms.rights", "dcterms.license", "license", "copyright", "dc.license",
                "og:rights", "twitter:rights", "rights", "licence"}


@dataclass(frozen=True, slots=True)
class LicenceEvidence:
    licence: str
    evidence: str
    score: int


def licence_id(match: re.Match) -> str:
    """A creativecommons.org URL match -> SPDX-style id."""
    if match.group("pd"):
        return "CC0-1.0" if match.group("pd").lower() == "zero" else "public-domain"
    kind = match.group("kind").lower()
    if kind == "by-nd-nc":  # an old alias the CC site still resolves
        kind = "by-nc-nd"
    ident = f"CC-{kind.upper()}-{match.group('version')}"
    port = match.group("port")
    return f"{ident}-{port.upper()}" if port else ident


def _attributes(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): next(v for v in m.group(2, 3, 4) if v is not None) for m in _ATTR.finditer(tag)}


def find_cc_licence(page: str) -> LicenceEvidence | None:
    """The best-supported Creative Commons licence of a page, with its evidence, or None."""
    if not _CC_HOST.search(page):
        return None  # the common case: one scan of the page and out
    scores: dict[str, int] = {}
    evidence: dict[str, tuple[int, str]] = {}
    for tag_match in _TAG.finditer(page):
        tag = tag_match.group(0)
        if "creativecommons" not in tag.lower():
            continue
        name = tag_match.group(1).lower()
        attrs = _attributes(tag)
        if name == "meta":
            url = attrs.get("content", "")
            key = (attrs.get("name") or attrs.get("property") or "").lower()
            weight = WEIGHT_META if key in _RIGHTS_META or "licen" in key or "rights" in key else WEIGHT_LINK
            how = f'meta {key or "?"}={url}'
        else:
            url = attrs.get("href", "")
            rel = attrs.get("rel", "").lower().split()
            weight = WEIGHT_REL_LICENSE if "license" in rel or "licence" in rel else WEIGHT_LINK
            how = f'{"rel=license " if weight == WEIGHT_REL_LICENSE else ""}{name} href={url}'
        m = _CC_URL.search(url)
        if not m:
            continue
        ident = licence_id(m)
        scores[ident] = scores.get(ident, 0) + weight
        if weight > evidence.get(ident, (0, ""))[0]:
            evidence[ident] = (weight, how[:300])
    if not scores:
        return None
    best = max(scores, key=lambda k: (scores[k], evidence[k][0]))
    return LicenceEvidence(best, evidence[best][1], scores[best])


class CcLicenceTagger(PipelineStep):
    """Sets `licence` and `licence_evidence` from the HTML; runs before extraction.

    Without page evidence the source manifest's licence applies (when the source has one),
    else `unknown`. Never drops a document: licence policy is the filter stage's job.
    """

    name = "©️ CC licence evidence"
    type = "🏷 - TAGGER"

    def __init__(self, source_licences: dict[str, str] | None = None):
        super().__init__()
        self.source_licences = source_licences or {}

    def tag(self, doc: Document) -> None:
        found = find_cc_licence(doc.text)
        if found:
            doc.metadata["licence"] = found.licence
            doc.metadata["licence_evidence"] = found.evidence
            self.stat_update(f"licence_{found.licence}")
            return
        source_licence = self.source_licences.get(doc.metadata.get("dataset", ""))
        if source_licence:
            doc.metadata["licence"] = source_licence
            doc.metadata["licence_evidence"] = "source manifest"
            self.stat_update("licence_from_source")
        else:
            doc.metadata["licence"] = "unknown"
            doc.metadata["licence_evidence"] = ""
            self.stat_update("licence_unknown")

    def run(self, data, rank: int = 0, world_size: int = 1):
        for doc in data:
            with self.track_time():
                self.tag(doc)
            yield doc
