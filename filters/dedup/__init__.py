"""Deduplication steps: exact and character n-gram MinHash, on datatrove's multi-stage dedup.

normalize      NFKC keys for exact dedup, code points for MinHash (table-fast, exact)
exact          datatrove ExactDedup stages 1-2 with the id as tie-break: normalized text, priority
char_minhash   MinHash stage 1 on character n-grams, datatrove's signature format
cluster        MinHash stage 3: verified edges, survivor by priority, exact-aware
decisions      the cluster step's per-task decisions and the step that tags documents
duplicate_filters  BaseFilters that drop tagged duplicates with a reason
priority       which copy survives (source order, then length)
s_curve        LSH candidate / merge probabilities for a setting
figures        the stage report's figures
planted        planted near-duplicates for measuring recall (tests, benchmark)
"""
