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


class LazyDetector:
    """The presidio engine of a step, built on the first document, not in `__init__`, and left
    out of the pickle, so the step ships to datatrove's local, Slurm and Ray workers as just
    its options (presidio and spaCy take seconds to import and load)."""

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


class PIIMasker(LazyDetector, PipelineStep):
    """Replaces PII with typed placeholders; never drops a document (PIIDensityFilter does)."""

    type = "🕵 - PII"
    name = "🔒 PII masking"
    _requires_dependencies: ClassVar[list[str]] = ["presidio_analyzer", "phonenumbers", "tldextract"]

    def __init__(self, options: PIIOptions | None = None):
        super().__init__()
        self.options = options or PIIOptions()
        self._detector = None

    def mask_document(self, doc: Document) -> dict[str, int]:
        """Masks `doc` in place; returns the counts by type (empty when nothing was found)."""
        return mask_document(doc, self.detector, self.options)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            if self.options.enabled:
                with self.track_time():
                    try:
                        counts = self.mask_document(doc)
                    except Exception as err:  # noqa: BLE001 - a bad document must not stop the run: count it, go on
                        logger.warning(f"PII masking failed on {doc.id}: {err!r}")
                        self.stat_update("pii_errors")
                        counts = {}
                self.stat_update("documents_masked" if counts else "documents_clean")
                for entity, n in counts.items():
                    self.stat_update(f"pii_{entity}", value=n)
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


class MaskingExclusionWriter(LazyDetector, ExclusionWriter):
    """An exclusion writer that masks PII before a document is written to `excluded/`, for the
    steps that run before the masker."""

    name = "🗑🔒 excluded, masked"

    def __init__(self, output_folder: str, step_name: str, options: PIIOptions | None = None):
        super().__init__(output_folder, step_name)
        self.options = options or PIIOptions()
        self._detector = None

    def write(self, document: Document, rank: int = 0, **kwargs) -> None:
        detector = self.detector  # outside the try: no detector must stop the run, not write every document unmasked
        try:
            counts = mask_document(document, detector, self.options, chunk_chars=MASK_CHUNK_CHARS)
        except Exception as err:  # noqa: BLE001 - an excluded document is still written: count the failure
            logger.warning(f"PII masking of excluded {document.id} failed: {err!r}")
            self.stat_update("pii_errors")
            counts = {}
        self.stat_update("excluded_masked" if counts else "excluded_clean")
        for entity, n in counts.items():
            self.stat_update(f"pii_{entity}", value=n)
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
