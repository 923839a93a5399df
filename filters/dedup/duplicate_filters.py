"""Drop the documents `DuplicateMarker` tagged, with a reason, through an exclusion writer.

Two filters rather than one so that the report's `excluded_by_step` tells exact and
near-duplicate removals apart, and each can have its own exclusion writer.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from filters.dedup.decisions import EXACT, NEAR, REASON_KEY


class _TaggedDuplicateFilter(BaseFilter):
    reason: str = ""

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if doc.metadata.get(REASON_KEY) != self.reason:
            return True
        del doc.metadata[REASON_KEY]
        return False, self.reason


class ExactDuplicateFilter(_TaggedDuplicateFilter):
    """Drops copies whose normalized text equals a survivor's."""

    name = "💥 exact duplicates"
    reason = EXACT


class NearDuplicateFilter(_TaggedDuplicateFilter):
    """Drops members of a MinHash cluster other than its survivor."""

    name = "🎯 near duplicates"
    reason = NEAR
