"""Reading our parquet shards for figures and reports: the one place that knows how.

Stages read shards back as Documents through `corpus.formats.shards.ShardReader` (datatrove). Reports,
figures, `inspect` and the evaluations only want some columns of them: those reads go through
here, so every one streams a row group at a time instead of loading whole files, and unpacks
`metadata.extra` the same way. pyarrow only (no datatrove), so the trainer, which runs where
the pipeline's dependencies are not installed, reads held-out text with it too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def parquet_files(folder: str | Path) -> list[Path]:
    """Every `*.parquet` under `folder` (a stage's shards/ or excluded/), sorted; none when it is absent."""
    folder = Path(folder)
    return sorted(folder.rglob("*.parquet")) if folder.is_dir() else []


def _files(where: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(where, (str, Path)):
        where = Path(where)
        # a folder, even one a stage did not write (nothing to read); a file by its name
        return [where] if where.suffix == ".parquet" and not where.is_dir() else parquet_files(where)
    return [f for item in where for f in _files(item)]


def iter_batches(path: str | Path, columns: list[str] | None = None, batch_size: int = 1024):
    """The file's rows as Arrow record batches, one row group at a time, handing the memory of
    each row group back before the next: Arrow's allocator otherwise keeps what the decoded row
    groups of a long shard freed, so a report would cost memory in proportion to its input."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetFile(path, pre_buffer=False) as pf:
        for group in range(pf.num_row_groups):
            yield from pf.iter_batches(batch_size=batch_size, row_groups=[group], columns=columns, use_threads=False)
            pa.default_memory_pool().release_unused()


def column_values(where: str | Path | Iterable[str | Path], column: str) -> Iterator[Any]:
    """The values of one top-level column (`id`, `text`) over files or shard folders, in order."""
    for path in _files(where):
        for batch in iter_batches(path, [column]):
            yield from batch.column(0).to_pylist()


def unpack_metadata(meta: dict | None) -> dict:
    """A row's `metadata` struct as the step that wrote it saw it: null fields left out, map
    fields as dicts, and the keys kept in the `extra` JSON back at the top level."""
    out: dict[str, Any] = {}
    for key, value in (meta or {}).items():
        if value is None:
            continue
        if key == "extra":
            out.update(json.loads(value))
        elif isinstance(value, list):  # the schema's only list-valued fields are maps (pii, figures)
            out[key] = dict(value)
        else:
            out[key] = value
    return out


def metadata_rows(where: str | Path | Iterable[str | Path], only_reason: str | None = None,
                  fields: tuple[str, ...] | None = None) -> Iterator[dict]:
    """Each row's metadata (`unpack_metadata`), over files or shard folders; with `only_reason`,
    only the excluded rows with that reason (filtered in Arrow, before any JSON is parsed);
    with `fields`, only those metadata columns are read (`extra` only when named)."""
    import pyarrow.compute as pc

    columns = [f"metadata.{f}" for f in fields] if fields else ["metadata"]
    if fields and only_reason is not None and "reason" not in fields:
        columns.append("metadata.reason")
    for path in _files(where):
        for batch in iter_batches(path, columns):
            meta = batch.column(0)
            if only_reason is not None:
                meta = meta.filter(pc.fill_null(pc.equal(meta.field("reason"), only_reason), False))
            for row in meta.to_pylist():
                yield unpack_metadata(row)


def find_row(where: str | Path | Iterable[str | Path], doc_id: str) -> tuple[Path, dict] | None:
    """The first row whose `id` is `doc_id` (every column, metadata as stored) and its file;
    ids are compared in Arrow, batch by batch, so a miss costs no Python objects."""
    import pyarrow.compute as pc

    for path in _files(where):
        for batch in iter_batches(path):
            hits = batch.filter(pc.equal(batch.column("id"), doc_id))
            if hits.num_rows:
                return path, hits.to_pylist()[0]
    return None


def rows(where: str | Path | Iterable[str | Path], columns: tuple[str, ...] | None = ("text", "id", "metadata"),
         batch_size: int = 1024) -> Iterator[dict]:
    """Rows as dicts of `columns` (None: every column; metadata as stored:
    `corpus.formats.schema.row_to_document` makes a Document of one), over files or shard folders, in order."""
    for path in _files(where):
        for batch in iter_batches(path, list(columns) if columns else None, batch_size):
            yield from batch.to_pylist()


def read_texts(paths: Iterable[str | Path], max_chars: int | None = None) -> list[str]:
    """Held-out text for an evaluation: plain text (one document per file), JSON lines or
    parquet (the `text` field: our shards, or any export with that column); at most
    `max_chars` characters in all, the last text cut to fit; empty texts left out."""
    texts: list[str] = []
    for p in map(Path, paths):
        if p.suffix == ".parquet":
            texts.extend(t for t in column_values(p, "text") if t)
        elif p.suffix in (".jsonl", ".json"):
            with open(p, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        record = json.loads(line)
                        texts.append((record.get("text") or "") if isinstance(record, dict) else str(record))
        else:
            texts.append(p.read_text(encoding="utf-8"))
    if max_chars is not None:
        kept, total = [], 0
        for t in texts:
            if total >= max_chars:
                break
            kept.append(t[: max_chars - total])
            total += len(kept[-1])
        texts = kept
    return [t for t in texts if t]
