"""Which copy of a duplicate survives: source order first, then the longer text.

A Wikipedia paragraph pasted onto a web page should survive as the Wikipedia article, with
its licence and title, not as the copy (FineWeb-2 and Swallow keep one arbitrary copy;
ours is configurable). Within a source the longer document wins, since it usually holds
the duplicated text plus more. Remaining ties go to the smallest document id, in exact and
near dedup alike, so the survivor does not depend on how inputs were split into tasks.

Exact dedup (datatrove's `ExactDedupConfig.document_priority`) takes one priority in
[1, 65535], highest kept: exact copies have the same normalized text, so only the source
decides there; `exact.ExactFindDedupsById` breaks its ties by id. Near-dedup clusters rank
members by `SourcePriority.rank_columns`: source, then normalized length (characters
MinHash sees, so added whitespace or punctuation does not make a copy "longer"), then id.
"""

from __future__ import annotations

import numpy as np
from datatrove.data import Document

DEFAULT_ORDER = ("wiki", "web", "code")


class SourcePriority:
    """Survivor priority: `order` lists sources best first; sources not listed come last."""

    def __init__(self, order: tuple[str, ...] | list[str] = DEFAULT_ORDER, prefer_longer: bool = True):
        if len(set(order)) != len(order):
            raise ValueError(f"source order lists a source twice: {list(order)}")
        self.order = tuple(order)
        self.prefer_longer = prefer_longer

    def source_score(self, source: str | None) -> int:
        """len(order) for the first source in `order`, down to 1 for the last; 0 if absent."""
        try:
            return len(self.order) - self.order.index(source)
        except ValueError:
            return 0

    def __call__(self, doc: Document) -> int:
        """datatrove exact-dedup priority in [1, 65535]: 1 + the source score."""
        return 1 + self.source_score(doc.metadata.get("source"))

    def rank_columns(self, sources: np.ndarray, chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(source score, length) per document, both higher-is-better, for a lexsort."""
        scores = np.array([self.source_score(s) for s in sources], dtype=np.int64)
        lengths = np.asarray(chars, dtype=np.int64) if self.prefer_longer else np.zeros(len(sources), np.int64)
        return scores, lengths
