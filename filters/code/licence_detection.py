"""Which licence a repository is under: SPDX id or expression, evidence, confidence.

Two kinds of evidence, as ScanCode and The Stack's pipeline use:

- licence texts at the repository root (LICENSE, COPYING, NOTICE, UNLICENSE, LICENSES/
  of REUSE), matched against the SPDX licence list by `licenseclassifier` (a pure-Python
  port of google/licensecheck with the SPDX templates in the wheel, offline). Measured on
  this machine it beats askalono (pyaskalono) on accuracy and speed: see
  docs/ingest_code.md and `benchmarks/ingest_code.py`.
- declarations in package metadata (`licence_metadata.py`).

How they combine, strongest first:

1. an SPDX expression the authors declared (PEP 639 `License-Expression`, npm, Cargo):
   confidence 1.0 when the licence texts agree, 0.9 with no text, 0.6 when they disagree;
2. else the licence texts: one id per text, joined with OR when a pointer file says the
   user may choose ("either of the licenses..."), else AND (every text applies). A
   `-only` id is refined to `-or-later` when metadata says so (GPL texts cannot).
   Confidence is the share of the file the matched licence covers (at least 0.95 when
   metadata names the same licence);
3. else metadata hints (free-text `License:` field, Trove classifiers): confidence 0.5;
4. else the licence the source manifest gives for the whole source: 0.8;
5. else `unknown` (confidence 0.0), which the default policy excludes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from filters.code.licence_metadata import METADATA_FILES, Finding, read_metadata
from filters.licence.spdx import UNKNOWN, licence_ids, normalize, or_later_variant

_LICENCE_FILE = re.compile(
    r"(?i)^(?:[\w-]+[-_.])?(?:licen[cs]es?|copying|unlicen[cs]e|copyright|notice|legal|patents)"
    r"(?:[-_.][\w.-]*)?$"
)
_CODE_SUFFIX = re.compile(r"(?i)\.(?:py|js|ts|go|rs|c|h|cc|cpp|java|rb|php|sh|json|ya?ml|toml|cfg|ini|html?)$")
_CHOICE = re.compile(
    r"(?is)\beither\b[^.]{0,160}\blicen[cs]e|\bdual[- ]licen[cs]|\bmulti[- ]licen[cs]|"
    r"\b(?:choose|choice of)\b[^.]{0,80}\blicen[cs]e"
)
MAX_EVIDENCE_BYTES = 256 * 1024  # the longest common licence texts (GPL-3.0, MPL-2.0) are < 40 kB


def is_licence_file(name: str) -> bool:
    """LICENSE, LICENCE.md, COPYING.LESSER, LICENSE-MIT, MIT-LICENSE.txt, NOTICE, but not
    `licenses.py` (code that talks about licences)."""
    return bool(_LICENCE_FILE.match(name)) and not _CODE_SUFFIX.search(name)


def is_evidence_file(relpath: str) -> bool:
    """Files at the repository root (or under a REUSE `LICENSES/` folder) that the
    detector reads."""
    parts = relpath.split("/")
    if len(parts) == 1:
        return parts[0] in METADATA_FILES or is_licence_file(parts[0])
    return len(parts) == 2 and parts[0] == "LICENSES" and not parts[1].startswith(".")


@dataclass(frozen=True)
class LicenceResult:
    licence: str  # SPDX expression or `unknown`
    evidence: str  # `file#method; file#method`
    confidence: float

    def metadata(self) -> dict:
        return {"licence": self.licence, "licence_evidence": self.evidence or None,
                "licence_confidence": round(self.confidence, 3)}


COVERAGE_THRESHOLD = 75.0
"""% of a file the matched licence text must cover: google/licensecheck's default, so a README
that mentions MIT is not an MIT licence"""


@dataclass(frozen=True)
class TextMatch:
    file: str
    ids: tuple[str, ...]
    coverage: float


def match_licence_text(text: str, file: str = "LICENSE",
                       coverage_threshold: float = COVERAGE_THRESHOLD) -> TextMatch:
    """SPDX ids of the licence texts in one file (empty when it is not a licence text)."""
    from licenseclassifier import identify_license

    matches = identify_license(text, coverage_threshold=coverage_threshold)
    ids: list[str] = []
    for m in matches:
        canonical = normalize(m.id, allow_unknown_keys=True) or m.id
        if canonical not in ids:
            ids.append(canonical)
    body = len(text.strip()) or 1
    covered = sum(m.end - m.start for m in matches)
    return TextMatch(file, tuple(ids), min(1.0, covered / body))


def _reuse_ids(file: str) -> tuple[str, ...]:
    """REUSE names each text `LICENSES/<SPDX id>.txt`: the file name is the evidence."""
    stem = file.split("/")[-1].rsplit(".", 1)[0]
    found = normalize(stem, allow_unknown_keys=stem.startswith("LicenseRef-"))
    return (found,) if found else ()


def _join(ids: list[str], operator: str) -> str:
    unique = list(dict.fromkeys(ids))
    if len(unique) == 1:
        return unique[0]
    return f" {operator} ".join(f"({i})" if " " in i else i for i in unique)


def detect_licence(files: dict[str, str], fallback: str | None = None,
                   coverage_threshold: float = COVERAGE_THRESHOLD) -> LicenceResult:
    """The licence of one repository from its evidence files (`relpath -> text`, as chosen
    by `is_evidence_file`) and, failing all evidence, the source manifest's `fallback`."""
    findings: list[Finding] = []
    texts: list[TextMatch] = []
    choice = False
    for name in sorted(files):
        text = files[name]
        base = name.split("/")[-1]
        if name.startswith("LICENSES/"):
            ids = _reuse_ids(name)
            if ids:
                texts.append(TextMatch(name, ids, 1.0))
        elif base in METADATA_FILES and "/" not in name:
            findings += read_metadata(name, text)
        else:
            match = match_licence_text(text, name, coverage_threshold)
            if match.ids:
                texts.append(match)
            elif _CHOICE.search(text):
                choice = True  # a pointer file: "either of the licenses in LICENSE.A or LICENSE.B"

    declared = [f for f in findings if f.declared]
    hints = [f for f in findings if not f.declared]
    text_ids = [i for t in texts for i in t.ids]
    text_evidence = [f"{t.file}#text:licenseclassifier" for t in texts]

    if declared:
        top = declared[0]
        declared_ids = set(licence_ids(top.expression))
        if not text_ids:
            confidence = 0.9
        elif all(i in declared_ids or or_later_variant(i) in declared_ids for i in text_ids):
            confidence = 1.0
        else:
            confidence = 0.6
        evidence = [f"{top.file}#{top.method}"] + text_evidence
        return LicenceResult(top.expression, "; ".join(evidence), confidence)

    if text_ids:
        hint_ids = {i for h in hints for i in licence_ids(h.expression)}
        refined, used_hints = [], []
        for i in text_ids:
            later = or_later_variant(i)
            if later and later in hint_ids:
                refined.append(later)
                used_hints += [h for h in hints if later in licence_ids(h.expression)][:1]
            else:
                refined.append(i)
        expression = _join(refined, "OR" if choice else "AND")
        confidence = min(t.coverage for t in texts)
        agreeing = [h for h in hints if set(licence_ids(h.expression)) == set(refined)]
        if agreeing:  # metadata names the same licence: two independent sources agree
            used_hints += agreeing[:1]
            confidence = max(confidence, 0.95)
        evidence = text_evidence + [f"{h.file}#{h.method}" for h in dict.fromkeys(used_hints)]
        return LicenceResult(expression, "; ".join(evidence), confidence)

    if hints:
        classifiers = [h for h in hints if h.method == "classifier"]
        chosen = classifiers or hints[:1]
        expression = _join([h.expression for h in chosen], "AND")
        return LicenceResult(expression, "; ".join(f"{h.file}#{h.method}" for h in chosen), 0.5)

    if fallback:
        return LicenceResult(normalize(fallback, allow_unknown_keys=True) or fallback, "source manifest#licence", 0.8)
    return LicenceResult(UNKNOWN, "", 0.0)


_SPDX_HEADER = re.compile(r"SPDX-License-Identifier:\s*([^\n*#]{1,200}?)\s*(?:\*/|-->|$)", re.MULTILINE)


def spdx_header(text: str, head_chars: int = 4000) -> str | None:
    """The `SPDX-License-Identifier:` a file declares in its header (REUSE, Linux kernel
    convention), which overrides the repository licence for that file."""
    match = _SPDX_HEADER.search(text[:head_chars])
    return normalize(match.group(1)) if match else None
