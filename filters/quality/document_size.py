"""A cap on document size before any analysis.

The quality analysis and PII passes hold several per-character structures of a document
(about 300 MB of memory per million characters measured here), so one pathological
document in someone else's parquet could exhaust a worker. Ingest already caps page and
file sizes; this cap protects `jacorpus filter` on any input, and drops the document
under a named reason instead of the run.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter


class DocumentSizeFilter(BaseFilter):
    name = "📏 document size"

    def __init__(self, max_chars: int, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.max_chars = max_chars

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        n = len(doc.text)
        if n <= self.max_chars:
            return True
        doc.metadata.setdefault("figures", {})["characters"] = float(n)
        return False, "document_too_large"
