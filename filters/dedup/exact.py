"""Exact deduplication on normalized text, on datatrove's ExactDedup stages 1 and 2.

datatrove's `ExactDedupSignature` hashes whatever `content_getter` returns and keeps, of
each set of equal hashes, the document with the highest `document_priority`;
`ExactFindDedups` merges the sorted signature files of all tasks (it scales with
`finder_workers`) and writes which documents to remove. We give it the NFKC,
whitespace-folded text (issue 8) and our survivor priority; the removal itself happens in
the last pass (`decisions.DuplicateMarker` + `duplicate_filters.ExactDuplicateFilter`), so
removed copies reach the excluded shards with a reason.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig
from datatrove.utils.hashing import HashConfig

from filters.dedup.normalize import exact_key
from filters.dedup.priority import SourcePriority

# sha1 ships with Python; datatrove's default xxhash is an extra dependency. With 64 bits,
# 10^9 documents have about a 3% chance that any two different texts share a hash (n^2/2^65).
EXACT_HASH = HashConfig(precision=64, hash_fc="sha1")


def exact_content(doc: Document) -> str:
    """What exact dedup compares: NFKC text with whitespace runs folded."""
    return exact_key(doc.text)


def exact_dedup_config(priority: SourcePriority) -> ExactDedupConfig:
    return ExactDedupConfig(content_getter=exact_content, document_priority=priority, hash_config=EXACT_HASH)
