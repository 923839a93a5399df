"""The dedup stage's report figures, read back from the shards it wrote.

What a user checks after dedup: how many duplicates each source lost and to
which source (a web page that copied Wikipedia loses to the article), how big clusters
are, a few removed/kept pairs with their estimated Jaccard to judge the threshold by eye,
and the S-curve of the setting that produced them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from corpus.run.accounting import merge_task_stats, step_stats
from corpus.formats.shard_files import iter_batches, metadata_rows, parquet_files, unpack_metadata
from filters.dedup.decisions import EXACT, JACCARD_FIGURE, NEAR
from filters.dedup.s_curve import s_curve_table

_SIZE_BINS = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 8), (9, 16), (17, 32), (33, 64), (65, 1 << 62))


def _bin_label(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else (f"{lo}+" if hi >= 1 << 62 else f"{lo}-{hi}")


def cluster_size_histogram(kept_dir: Path) -> dict[str, int]:
    """Kept documents by `minhash_cluster_size` (1 = no duplicate found)."""
    counts: Counter = Counter()
    for meta in metadata_rows(kept_dir, fields=("minhash_cluster_size",)):
        counts[meta.get("minhash_cluster_size") or 1] += 1
    out = {}
    for lo, hi in _SIZE_BINS:
        n = sum(c for size, c in counts.items() if lo <= size <= hi)
        if n:
            out[_bin_label(lo, hi)] = n
    return out


def _excluded_rows(excluded_dir: Path) -> list[dict]:
    """One small dict per excluded document (no text: there may be millions)."""
    rows = []
    for path in parquet_files(excluded_dir):
        for batch in iter_batches(path, ["id", "metadata.source", "metadata.reason", "metadata.extra", "metadata.figures"]):
            for row in batch.to_pylist():
                meta = unpack_metadata(row["metadata"])
                rows.append({
                    "id": row["id"], "source": meta.get("source") or "unknown", "reason": meta.get("reason"),
                    "duplicate_of": meta.get("duplicate_of"), "duplicate_of_source": meta.get("duplicate_of_source"),
                    "duplicate_in": meta.get("duplicate_in"),
                    "jaccard": (meta.get("figures") or {}).get(JACCARD_FIGURE),
                })
    return rows


def _texts(folder: Path, ids: set[str]) -> dict[str, str]:
    """Texts of a few documents, scanning a batch at a time (shards can be large)."""
    found: dict[str, str] = {}
    wanted = pa.array(sorted(ids), type=pa.string())
    for path in parquet_files(folder) if ids else []:
        for batch in iter_batches(path, ["id", "text"], batch_size=4096):
            hits = batch.filter(pc.is_in(batch.column("id"), value_set=wanted))
            found.update(zip(hits.column("id").to_pylist(), hits.column("text").to_pylist()))
    return found


def example_pairs(rows: list[dict], kept_dir: Path, excluded_dir: Path, count: int, head: int = 80) -> list[dict]:
    """Near-duplicate pairs spread over the Jaccard range, lowest first."""
    near = sorted((r for r in rows if r["reason"] == NEAR and r["jaccard"] is not None), key=lambda r: r["jaccard"])
    if not near or count <= 0:
        return []
    k = min(count, len(near))
    picks = [near[round(i * (len(near) - 1) / max(1, k - 1))] for i in range(k)]
    picks = list({r["id"]: r for r in picks}.values())
    kept = _texts(kept_dir, {r["duplicate_of"] for r in picks if r["duplicate_of"]})
    removed = _texts(excluded_dir, {r["id"] for r in picks})
    return [
        {
            "jaccard": round(r["jaccard"], 3),
            "removed": {"id": r["id"], "source": r["source"], "text": removed.get(r["id"], "")[:head]},
            "kept": {"id": r["duplicate_of"], "source": r["duplicate_of_source"],
                     "text": (kept.get(r["duplicate_of"]) or "")[:head]},
        }
        for r in picks
    ]


def _pass_stats(stage_dir: Path, name: str) -> dict:
    folder = stage_dir / "passes" / name
    return step_stats(merge_task_stats(folder)) if (folder / "stats").is_dir() else {}


def dedup_figures(ctx, report: dict) -> dict:
    """`figures=` of the dedup DatatroveStage."""
    options = ctx.options
    rows = _excluded_rows(ctx.excluded_dir)
    removed_by_source: dict[str, dict[str, int]] = {}
    cross_source: Counter = Counter()
    for r in rows:
        by_reason = removed_by_source.setdefault(r["source"], {EXACT: 0, NEAR: 0})
        by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + 1
        if r["duplicate_of_source"] and r["duplicate_of_source"] != r["source"]:
            cross_source[f"{r['source']} -> {r['duplicate_of_source']}"] += 1
    clusters = next((s for s in _pass_stats(ctx.stage_dir, "clusters").values() if "candidate_pairs" in s), {})
    against: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["duplicate_in"]:
            by_reason = against.setdefault(r["duplicate_in"], {EXACT: 0, NEAR: 0})
            by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + 1
    extra = {}
    if options.against:  # what each earlier run's index took, exact copies too short to shingle aside
        extra["against"] = dict(sorted(against.items()))
    if options.index:
        extra["index"] = {"dir": str(ctx.stage_dir / "index"), "documents": report["documents"]["kept"]}
    return {**extra,
        "removed_by_source": dict(sorted(removed_by_source.items())),
        "removed_in_favour_of_other_source": dict(cross_source.most_common()),
        "cluster_size_histogram": cluster_size_histogram(ctx.shards_dir),
        "candidate_pairs": int(clusters.get("candidate_pairs", 0)),
        "verified_pairs": int(clusters.get("verified_pairs", 0)),
        "rejected_pairs": int(clusters.get("rejected_pairs", 0)),
        "example_pairs": example_pairs(rows, ctx.shards_dir, ctx.excluded_dir, options.example_pairs),
        "s_curve": s_curve_table(options.bands, options.rows_per_band, options.min_jaccard),
        "setting": {"ngram": options.ngram_size, "unit": "character", "source_priority": options.source_priority},
    }
