"""Planted near-duplicates from real text: how recall and false merges are measured.

A web near-duplicate is usually the same text with edits (a changed date, a typo fixed),
boilerplate added around it (menus, footers), or a part cut off. `plant` makes such a copy
of a real document; `true_jaccard` measures the exact character n-gram Jaccard of the
pair on the same normalized shingles the MinHash step uses, so a pair's ground truth does
not depend on the estimate being tested. Used by tests/test_dedup_stage.py and
benchmarks/dedup.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np


def plant(text: str, strength: float, rng: random.Random, boilerplate: str = "") -> str:
    """A copy of `text` with about `strength` of its characters edited, maybe truncated,
    maybe wrapped in `boilerplate`. strength 0 returns an identical copy."""
    chars = list(text)
    if strength <= 0 or not chars:
        return text
    kind = rng.random()
    if kind < 0.2 and boilerplate:  # boilerplate around the text
        cut = int(len(boilerplate) * min(1.0, strength * 3))
        return boilerplate[: cut // 2] + text + boilerplate[cut // 2 : cut]
    if kind < 0.35:  # the end cut off
        return text[: max(1, int(len(text) * (1 - strength)))]
    for _ in range(max(1, int(len(chars) * strength / 3))):  # runs of 3 characters replaced
        i = rng.randrange(len(chars))
        chars[i : i + 3] = rng.choices(chars, k=3)
    return "".join(chars)


def true_jaccard(shingles_a: np.ndarray, shingles_b: np.ndarray) -> float:
    """Exact Jaccard of two shingle arrays (as sets)."""
    a, b = np.unique(shingles_a), np.unique(shingles_b)
    union = len(np.union1d(a, b))
    return len(np.intersect1d(a, b, assume_unique=True)) / union if union else 1.0


def with_copies(sentences: list[str], documents: int, per_document: int, every: int, copy: Callable[[str], str],
                rng: random.Random) -> list[tuple[str, str | None]]:
    """`documents` texts of `per_document` real sentences drawn at random (joined by 。), each
    `every`-th with `copy(text)` as its duplicate: [(text, copy or None)], for dedup benchmarks
    that need distinct documents with known duplicates in them."""
    out = []
    for i in range(documents):
        text = "。".join(rng.choices(sentences, k=per_document))
        out.append((text, copy(text) if i % every == 0 else None))
    return out
