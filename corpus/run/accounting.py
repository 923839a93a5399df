"""Counts what a stage kept and excluded from its files, and checks nothing went missing.

The counts come from the shards themselves, not from what steps say they did: a report
that disagrees with the files on disk would be worse than none. The documents a stage
read come from its readers' `documents_in` stat; in = kept + excluded must hold, or the
stage fails loudly.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
from datatrove.utils.stats import PipelineStats

from corpus.formats.shard_files import iter_batches, parquet_files


class AccountingError(RuntimeError):
    """A stage lost or invented documents."""


def summarize_shards(folder: Path) -> dict:
    """Document, byte and character counts of a shard folder, with breakdowns by
    source, licence, PII type and (for excluded shards) reason and step. Reads batch by
    batch, a row group at a time, so memory stays flat however large a shard grows."""
    docs = chars = nbytes = 0
    by_source: Counter = Counter()
    licences: Counter = Counter()
    pii: Counter = Counter()
    reasons: Counter = Counter()
    steps: Counter = Counter()
    for path in parquet_files(folder):
        for batch in iter_batches(path, ["text", "metadata"]):
            if batch.num_rows == 0:
                continue
            docs += batch.num_rows
            text = batch.column("text")
            chars += pc.sum(pc.utf8_length(text)).as_py() or 0
            nbytes += pc.sum(pc.binary_length(text)).as_py() or 0
            meta = batch.column("metadata")
            by_source.update(v or "unknown" for v in meta.field("source").to_pylist())
            licences.update(v or "unknown" for v in meta.field("licence").to_pylist())
            reasons.update(v for v in meta.field("reason").to_pylist() if v)
            steps.update(v for v in meta.field("excluded_by").to_pylist() if v)
            for entry in meta.field("pii").to_pylist():
                for key, value in entry or []:
                    pii[key] += value
    return {
        "documents": docs,
        "bytes": nbytes,
        "characters": chars,
        "by_source": dict(sorted(by_source.items())),
        "licences": dict(licences.most_common()),
        "pii": dict(pii.most_common()),
        "_reasons": dict(reasons.most_common()),
        "_steps": dict(steps.most_common()),
    }


def merge_task_stats(logging_dir: Path) -> PipelineStats | None:
    """Sum every task's stats (also tasks finished by an earlier, interrupted run) into stats.json."""
    files = sorted((logging_dir / "stats").glob("*.json"))
    if not files:
        return None
    merged = sum((PipelineStats.from_json(json.loads(f.read_text())) for f in files), start=PipelineStats())
    (logging_dir / "stats.json").write_text(merged.to_json())
    return merged


def _stat_total(value) -> float:
    return value.get("total", 0) if isinstance(value, dict) else value


def step_stats(stats: PipelineStats | None) -> dict[str, dict[str, float]]:
    """{step name: {stat: total}}: the compact view of datatrove's stats for the report."""
    if stats is None:
        return {}
    out: dict[str, dict[str, float]] = {}
    for step in stats.stats:
        d = step.to_dict()
        entries = {k: _stat_total(v) for k, v in d["stats"].items()}
        entries["time_s"] = round(step.time_stats.total, 3)
        out[d["name"]] = entries
    return out


def documents_in(steps: dict[str, dict[str, float]]) -> int:
    return int(sum(s.get("documents_in", 0) for s in steps.values()))


def check(stage: str, documents: dict) -> None:
    n_in, kept, excluded = documents["in"], documents["kept"], documents["excluded"]
    if n_in != kept + excluded:
        raise AccountingError(
            f"stage {stage}: documents in={n_in} but kept={kept} + excluded={excluded} = {kept + excluded}; "
            f"{n_in - kept - excluded} documents are unaccounted for"
        )
