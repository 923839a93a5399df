"""Per-rule figures for the filter stage's report: what each rule removed, and where its values lie.

For every enabled rule the report gives the threshold, how many documents it removed
(as the first rule to fire), how many it would remove on its own, percentiles and a
histogram of its measured value over every document it measured (kept and excluded).
That is what a user needs to move a threshold: how much would change, and where the
bulk of the corpus sits.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from filters.quality.rules import Check

BINS = 20
PERCENTILES = (1, 5, 25, 50, 75, 95, 99)


def read_figures(folders: list[Path]) -> tuple[dict[str, list[float]], Counter]:
    """All `metadata.figures` values by figure name, and (excluded_by, reason) counts, from parquet shards."""
    from corpus.formats.shard_files import metadata_rows

    values: dict[str, list[float]] = defaultdict(list)
    reasons: Counter = Counter()
    for meta in metadata_rows(folders, fields=("figures", "excluded_by", "reason")):
        for name, value in (meta.get("figures") or {}).items():
            if value is not None:
                values[name].append(value)
        if meta.get("reason"):
            reasons[(meta.get("excluded_by"), meta["reason"])] += 1
    return values, reasons


def rule_figures(checks: list[tuple[str, Check]], values: dict[str, list[float]], reasons: Counter) -> list[dict]:
    """One entry per rule, in the order the rules are applied."""
    out = []
    for family, check in checks:
        measured = np.asarray(values.get(check.figure, []), dtype=float)
        entry: dict = {
            "family": family,
            "rule": check.reason,
            "figure": check.figure,
            "threshold": check.threshold,
            "drop_if": check.drop_if,
            "removed": int(reasons.get((family, check.reason), 0)),
            "measured": int(measured.size),
        }
        if measured.size:
            entry["would_remove_alone"] = int(sum(check.fails(v) for v in measured))
            entry["percentiles"] = {f"p{p}": round(float(v), 6) for p, v in zip(PERCENTILES, np.percentile(measured, PERCENTILES))}
            entry["histogram"] = histogram(measured, check.threshold)
        out.append(entry)
    return out


def histogram(values: np.ndarray, threshold: float, bins: int = BINS) -> dict:
    """Equal-width bins over the values and the threshold, so the cut is always inside the range."""
    lo = float(min(values.min(), threshold))
    hi = float(max(values.max(), threshold))
    if hi == lo:
        hi = lo + 1.0
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    return {"edges": [round(float(e), 6) for e in edges], "counts": [int(c) for c in counts]}
