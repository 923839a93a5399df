"""The datatrove steps: mask PII in every document, and optionally drop PII-dense ones.

Masking runs after quality filtering (so no time is spent on text that is dropped
anyway) and for every source: web pages carry contact details, wiki articles the odd
address, code the e-mails of its authors. Each span becomes a typed placeholder
(`<|EMAIL|>`), so a model still learns that an address stood there; the counts by type
go to `metadata["pii"]` (added to counts an earlier step, such as code secrets, left
there) and to the step's stats, which the report reads.

Documents dropped before the masker (quality rules, size cap, unreadable records) would
reach `excluded/` as they came, and excluded shards are read and shared as much as kept
ones; `MaskingExclusionWriter` masks them on the way out, so nothing with PII leaves a
run unmasked unless `mask_excluded: false` says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from loguru import logger

from corpus.formats.shards import ExclusionWriter
from filters.pii.options import PIIOptions

if TYPE_CHECKING:  # presidio (and spaCy under it) takes seconds to import: only when a document comes
    from filters.pii.detector import PIIDetector, PIISpan


def mask_text(text: str, spans: list[PIISpan], options: PIIOptions) -> tuple[str, dict[str, int], int]:
    """`text` with each (non-overlapping, sorted) span replaced; counts by type; masked characters."""
    parts, counts, masked, pos = [], {}, 0, 0
    for span in spans:
        parts.append(text[pos:span.start])
        parts.append(options.mask_for(span.entity))
        counts[span.entity] = counts.get(span.entity, 0) + 1
        masked += span.end - span.start
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts), counts, masked


class MaskingStep:
    """What the masker and the masking exclusion writer share.

    The presidio engine is built on the first document, not in `__init__`, and left out of
    the pickle, so the step ships to datatrove's local, Slurm and Ray workers as just its
    options (presidio and spaCy take seconds to import and load). Each document is masked
    and counted the same way by both (`mask_counted`).
    """

    options: PIIOptions
    _detector: PIIDetector | None = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_detector"] = None
        return state

    @property
    def detector(self) -> PIIDetector:
        if self._detector is None:
            from filters.pii.detector import PIIDetector

            self._detector = PIIDetector(self.options)
        return self._detector

    def mask_counted(self, doc: Document, masked: str, clean: str, chunk_chars: int | None = None) -> None:
        """Masks `doc` in place and counts it as `masked` or `clean`, and its spans as
        `pii_<TYPE>`. A document the detector fails on is counted in `pii_errors` and goes on
        as it is: one bad document must not stop a run. The detector is built before that, so
        a step without one stops the run instead of passing every document unmasked."""
        detector = self.detector
        try:
            counts = mask_document(doc, detector, self.options, chunk_chars=chunk_chars)
        except Exception as err:  # noqa: BLE001 - count it, go on
            logger.warning(f"{self.name}: PII masking failed on {doc.id}: {err!r}")
            self.stat_update("pii_errors")
            counts = {}
        self.stat_update(masked if counts else clean)
        for entity, n in counts.items():
            self.stat_update(f"pii_{entity}", value=n)


class PIIMasker(MaskingStep, PipelineStep):
    """Replaces PII with typed placeholders; never drops a document (PIIDensityFilter does)."""

    type = "🕵 - PII"
    name = "🔒 PII masking"
    _requires_dependencies: ClassVar[list[str]] = ["presidio_analyzer", "phonenumbers", "tldextract"]

    def __init__(self, options: PIIOptions | None = None):
        super().__init__()
        self.options = options or PIIOptions()
        self._detector = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            if self.options.enabled:
                with self.track_time():
                    self.mask_counted(doc, "documents_masked", "documents_clean")
            yield doc


# an excluded document can be any size (document_too_large is one reason): it is masked in
# pieces of about this many characters, cut at a line break, so memory stays bounded
MASK_CHUNK_CHARS = 1_000_000


def mask_document(doc: Document, detector: PIIDetector, options: PIIOptions,
                  chunk_chars: int | None = None) -> dict[str, int]:
    """Masks `doc` in place (text, `metadata.pii`, `figures.pii_density`); returns the counts.

    With `chunk_chars`, a longer text is found in pieces cut at the last line break of each
    piece (a span never crosses a line in practice; a single line that long is cut hard).
    """
    text = doc.text or ""
    spans = _find_in_pieces(text, detector, chunk_chars) if chunk_chars and len(text) > chunk_chars else detector.find(text)
    if not spans:
        return {}
    doc.text, counts, masked = mask_text(text, spans, options)
    pii = dict(doc.metadata.get("pii") or {})
    for entity, n in counts.items():
        pii[entity] = int(pii.get(entity, 0)) + n
    doc.metadata["pii"] = pii
    figures = dict(doc.metadata.get("figures") or {})
    figures["pii_density"] = masked / len(text)
    doc.metadata["figures"] = figures
    return counts


def _find_in_pieces(text: str, detector: PIIDetector, chunk_chars: int) -> list[PIISpan]:
    from filters.pii.detector import PIISpan

    spans: list[PIISpan] = []
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + chunk_chars)
        if end < len(text):
            cut = text.rfind("\n", pos, end)
            end = cut + 1 if cut > pos else end
        spans += [PIISpan(s.start + pos, s.end + pos, s.entity, s.score) for s in detector.find(text[pos:end])]
        pos = end
    return spans


class MaskingExclusionWriter(MaskingStep, ExclusionWriter):
    """An exclusion writer that masks PII before a document is written to `excluded/`, for the
    steps that run before the masker."""

    name = "🗑🔒 excluded, masked"

    def __init__(self, output_folder: str, step_name: str, options: PIIOptions | None = None):
        super().__init__(output_folder, step_name)
        self.options = options or PIIOptions()
        self._detector = None

    def write(self, document: Document, rank: int = 0, **kwargs) -> None:
        self.mask_counted(document, "excluded_masked", "excluded_clean", chunk_chars=MASK_CHUNK_CHARS)
        super().write(document, rank, **kwargs)


class PIIDensityFilter(BaseFilter):
    """Drops documents whose masked share is above `max_density`: contact lists, leaked
    tables and directories carry little text worth learning and much personal data."""

    name = "🔒 PII density"

    def __init__(self, max_density: float, exclusion_writer=None):
        super().__init__(exclusion_writer)
        if not 0.0 <= max_density <= 1.0:
            raise ValueError(f"max_density must be within [0, 1], got {max_density}")
        self.max_density = max_density

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        figures = dict(doc.metadata.get("figures") or {})
        density = float(figures.get("pii_density", 0.0))
        figures["pii_density"] = density
        doc.metadata["figures"] = figures
        return True if density <= self.max_density else (False, "pii_density")
