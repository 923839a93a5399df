"""The LSH S-curve: how likely a pair at Jaccard J becomes a duplicate candidate.

With b bands of r MinHash values, a pair collides in one band with probability J^r, so
it becomes a candidate with P(J) = 1 - (1 - J^r)^b (Leskovec, Rajaraman, Ullman, *Mining of
Massive Datasets*, ch. 3.4). Candidates are then verified on the whole signature: the
estimated Jaccard is X/(b*r) with X ~ Binomial(b*r, J), and a pair is merged only when it
reaches `min_jaccard`. The product below is a lower bound on the probability of merging,
since a pair that collided in a band has more equal values than an average pair.
"""

from __future__ import annotations

import math

# name -> (ngram, bands, rows per band, source)
PRESETS: dict[str, tuple[int, int, int, str]] = {
    "fineweb": (5, 14, 8, "FineWeb / FineWeb-2 (datatrove MinhashConfig default: 14 buckets x 8 hashes)"),
    "swallow": (5, 40, 20, "Swallow corpus, doubri defaults (-n 5 characters, -r 40 buckets, -b 20 hashes)"),
}
REPORT_POINTS = (0.5, 0.7, 0.8, 0.85, 0.9)


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """P(the pair shares at least one band) = 1 - (1 - J^r)^b."""
    return 1.0 - (1.0 - jaccard**rows) ** bands


def threshold(bands: int, rows: int) -> float:
    """The usual (1/b)^(1/r) approximation of where the S-curve is steepest."""
    return (1.0 / bands) ** (1.0 / rows)


def verify_probability(jaccard: float, hashes: int, min_jaccard: float) -> float:
    """P(X / hashes >= min_jaccard) for X ~ Binomial(hashes, jaccard)."""
    if min_jaccard <= 0:
        return 1.0
    need = math.ceil(min_jaccard * hashes - 1e-9)
    if jaccard <= 0:
        return 0.0 if need > 0 else 1.0
    if jaccard >= 1:
        return 1.0
    log_j, log_q = math.log(jaccard), math.log1p(-jaccard)
    total = 0.0
    for k in range(need, hashes + 1):
        log_term = math.lgamma(hashes + 1) - math.lgamma(k + 1) - math.lgamma(hashes - k + 1)
        total += math.exp(log_term + k * log_j + (hashes - k) * log_q)
    return min(1.0, total)


def merge_probability(jaccard: float, bands: int, rows: int, min_jaccard: float = 0.0) -> float:
    """Candidate and verified (see the module docstring for why this is a lower bound)."""
    return candidate_probability(jaccard, bands, rows) * verify_probability(jaccard, bands * rows, min_jaccard)


def s_curve_table(bands: int, rows: int, min_jaccard: float = 0.0, points=REPORT_POINTS) -> dict:
    """The figures the stage report and docs print for one setting."""
    return {
        "bands": bands,
        "rows_per_band": rows,
        "hashes": bands * rows,
        "threshold": round(threshold(bands, rows), 4),
        "min_jaccard": min_jaccard,
        "candidate": {f"{j:.2f}": round(candidate_probability(j, bands, rows), 4) for j in points},
        "merged": {f"{j:.2f}": round(merge_probability(j, bands, rows, min_jaccard), 4) for j in points},
    }


def format_table(rows: list[tuple[str, int, int, float]], points=REPORT_POINTS) -> str:
    """Markdown table of (label, bands, rows, min_jaccard) settings."""
    head = "| setting | b x r | threshold | " + " | ".join(f"P({j:.2f})" for j in points) + " |"
    lines = [head, "|" + "---|" * (3 + len(points))]
    for label, b, r, t in rows:
        probs = " | ".join(f"{merge_probability(j, b, r, t):.3f}" for j in points)
        lines.append(f"| {label} | {b} x {r} | {threshold(b, r):.3f} | {probs} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m filters.dedup.s_curve
    settings = [(f"{name} (LSH only)", b, r, 0.0) for name, (_, b, r, _) in PRESETS.items()]
    settings.append(("fineweb + verify >= 0.7 (our default)", 14, 8, 0.7))
    settings.append(("swallow + verify >= 0.7", 40, 20, 0.7))
    print(format_table(settings))
