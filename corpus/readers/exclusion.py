"""Routes documents that a reader already marked as excluded into the excluded shards."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter


class ExcludeMarked(BaseFilter):
    """First step after every raw reader.

    Readers cannot own an exclusion writer the way filters do, so they set
    `metadata["reason"]` on a record they could not turn into a document; this filter
    drops exactly those, with that reason, through the stage's exclusion writer.
    """

    name = "🚫 reader exclusions"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        reason = doc.metadata.get("reason")
        return True if not reason else (False, reason)
