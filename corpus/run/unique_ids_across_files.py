"""Ids unique across a stage's files: the repeats no single task can see, renamed once every
task is done.

`corpus.readers.unique_ids` renames an id repeated inside one reading unit (a WARC file, a dump, a
repository, a jsonl file). Two units that are not copies of each other can still share ids:
two jawiki dumps of different dates (`wiki/jawiki/<page id>`), two WARC files carrying one
WARC-Record-ID, two jsonl files with the same `id` values or the same file name in two
folders (the `<file>:<line>` fallback). Tasks run in parallel, on other machines under Slurm
or Ray, so no task knows another's ids; the stage runner calls `make_ids_unique` after all
of them finished and before it counts the shards, on every document stage that first reads
documents (the three ingest stages and filter, where text sources enter).

How, in bounded memory:

1. hash: the `id` column of every kept and excluded shard, a 64-bit digest per id, written to
   `unique_ids/buckets/` split by the digest of the id's base (the id without a trailing
   `#dup<n>`), so one pass holds at most `rows_per_pass` rows (32 B each);
2. per bucket: ids whose digest repeats are read back exactly (id and `metadata.path`, only
   the row groups that hold them); a digest shared by two different ids is no repeat;
3. each repeated id keeps it on its first copy in the order (input file `metadata.path`,
   digest of text and metadata, shard file, row); each later copy becomes `<base>#dup<n>`
   with the smallest n not already used by an id of the stage, continuing the numbering the
   readers began within files, and gets `duplicate_id_of` (the id its source gave it);
4. the renames are saved as `unique_ids/plan.npz` (atomically), then each affected shard is
   rewritten under a temporary name and renamed over the old one.

The order does not depend on which task read what, so `--tasks 1` and `--tasks 8` give every
document the same id. A kill at any point leaves whole files (original or rewritten) and,
once it exists, the plan: the rerun applies the rest of the plan, or plans again from the
untouched shards, and ends with the same bytes as an uninterrupted run. Copies of one id
from one input file read in pieces (a multistream dump split over tasks) are ordered by
content, not by offset: the one case where a page id repeated inside one dump could keep a
different copy's id than with one task.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from corpus.formats.shard_files import iter_batches, parquet_files
from corpus.readers.unique_ids import id_digest

# rows per pass: 32 B each in memory (32 MB), plus about 200 B per row whose id repeats
ROWS_PER_PASS = 1 << 20
OPEN_BUCKETS = 64  # bucket files written at once; more passes read the id column again
WORK = "unique_ids"
PLAN = "plan.npz"
TMP_SUFFIX = ".unique_ids.tmp"
_SUFFIX = re.compile(r"(.*)#dup([0-9]{1,18})", re.S)
_RECORD = np.dtype([("h", "<u8"), ("b", "<u8"), ("row", "<i8"), ("n", "<i8")])  # id digest, base digest, row, suffix
_RENAME = np.dtype([("file", "<i8"), ("row", "<i8"), ("n", "<i8")])


def split_suffix(doc_id: str) -> tuple[str, int]:
    """(base, n) of `base#dup<n>`; (doc_id, -1) for an id without that suffix."""
    m = _SUFFIX.fullmatch(doc_id)
    return (m.group(1), int(m.group(2))) if m else (doc_id, -1)


def stage_shards(stage_dir: Path) -> list[Path]:
    """The kept and excluded shards of a stage, in the fixed order renames refer to."""
    return parquet_files(stage_dir / "excluded") + parquet_files(stage_dir / "shards")


def make_ids_unique(stage_dir: Path, rows_per_pass: int = ROWS_PER_PASS) -> int:
    """Rename every id that occurs more than once in the stage's shards; returns how many
    documents were renamed (the same number on a rerun after a kill)."""
    stage_dir = Path(stage_dir)
    work = stage_dir / WORK
    files = stage_shards(stage_dir)
    if not (work / PLAN).is_file():
        _save_plan(work, files, _plan(stage_dir, files, work / "buckets", rows_per_pass))
    shutil.rmtree(work / "buckets", ignore_errors=True)
    with np.load(work / PLAN, allow_pickle=False) as saved:
        names, renames = [str(n) for n in saved["files"]], saved["renames"]
    for stale in (p for folder in ("shards", "excluded") for p in (stage_dir / folder).glob("*" + TMP_SUFFIX)):
        stale.unlink()  # a rewrite killed before its rename
    bounds = np.searchsorted(renames["file"], np.arange(len(names) + 1))
    for index, name in enumerate(names):
        mine = renames[bounds[index]:bounds[index + 1]]
        if len(mine):
            _rewrite(stage_dir / name, mine["row"], mine["n"])
    return int(len(renames))


def duplicate_id_figures(steps: dict, renamed_across_files: int) -> dict:
    """`figures.duplicate_ids`: inputs read once and ids renamed within a file (the readers'
    `duplicate_inputs` and `duplicate_ids`), and ids renamed across files (this module)."""
    def total(key: str) -> int:
        return sum(int(stats.get(key, 0)) for stats in steps.values() if isinstance(stats, dict))

    return {"inputs_read_once": total("duplicate_inputs"), "renamed_within_files": total("duplicate_ids"),
            "renamed_across_files": renamed_across_files}


# -- planning ---------------------------------------------------------------------------


def _plan(stage_dir: Path, files: list[Path], buckets: Path, rows_per_pass: int) -> np.ndarray:
    import pyarrow.parquet as pq

    sizes = [pq.ParquetFile(f).metadata.num_rows for f in files]
    passes = max(1, -(-sum(sizes) // max(1, rows_per_pass)))
    starts = np.cumsum([0] + sizes)[:-1]
    shutil.rmtree(buckets, ignore_errors=True)
    buckets.mkdir(parents=True)
    for first in range(0, passes, OPEN_BUCKETS):
        _hash_ids(files, buckets, passes, range(first, min(first + OPEN_BUCKETS, passes)))
    names = [str(f.relative_to(stage_dir)) for f in files]
    found = [_plan_pass(files, names, starts, np.fromfile(buckets / f"{p}.bin", dtype=_RECORD))
             for p in range(passes)]
    renames = np.concatenate(found) if found else np.empty(0, _RENAME)
    return renames[np.lexsort((renames["row"], renames["file"]))]


def _save_plan(work: Path, files: list[Path], renames: np.ndarray) -> None:
    names = np.array([str(f.relative_to(work.parent)) for f in files], dtype=np.str_)
    tmp = work / (PLAN + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, files=names, renames=renames)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, work / PLAN)


def _hash_ids(files: list[Path], buckets: Path, passes: int, mine: range) -> None:
    """Every row's record, in the bucket of its base's digest; only the buckets in `mine` are written."""
    import pyarrow.compute as pc

    outs = {p: open(buckets / f"{p}.bin", "wb") for p in mine}
    try:
        row = 0
        for path in files:
            for batch in iter_batches(path, ["id"]):
                column = batch.column(0)
                ids = [v or "" for v in column.to_pylist()]
                rec = np.empty(len(ids), _RECORD)
                rec["h"] = np.fromiter(map(id_digest, ids), np.uint64, len(ids))
                rec["b"], rec["n"] = rec["h"], -1
                rec["row"] = np.arange(row, row + len(ids))
                marked = pc.fill_null(pc.match_substring(column, "#dup"), False).to_numpy(zero_copy_only=False)
                for i in np.flatnonzero(marked):
                    base, n = split_suffix(ids[i])
                    if n >= 0:
                        rec["b"][i], rec["n"][i] = id_digest(base), n
                row += len(ids)
                if passes == 1:
                    outs[0].write(rec.tobytes())
                    continue
                part = rec["b"] % np.uint64(passes)
                order = np.argsort(part, kind="stable")
                for p, chunk in zip(np.unique(part[order]), np.split(rec[order], np.flatnonzero(np.diff(part[order])) + 1)):
                    if int(p) in outs:
                        outs[int(p)].write(chunk.tobytes())
    finally:
        for out in outs.values():
            out.close()


def _plan_pass(files: list[Path], names: list[str], starts: np.ndarray, rec: np.ndarray) -> np.ndarray:
    """The renames of one bucket: exact repeats among the rows whose digest repeats."""
    h = np.sort(rec["h"])
    repeated_digests = np.unique(h[1:][h[1:] == h[:-1]])
    if not len(repeated_digests):
        return np.empty(0, _RENAME)
    groups: dict[str, list[int]] = defaultdict(list)
    paths: dict[int, str] = {}
    for r, (doc_id, path) in _rows(files, starts, np.sort(rec["row"][np.isin(rec["h"], repeated_digests)]),
                                   ["id", "metadata.path"]):
        groups[doc_id or ""].append(r)
        paths[r] = sys.intern(path or "")
    for doc_id in [d for d, copies in groups.items() if len(copies) == 1]:  # another id with the same digest
        del paths[groups.pop(doc_id)[0]]
    ties = []  # copies from one input file: ordered by content
    for copies in groups.values():
        per_path = Counter(paths[r] for r in copies)
        ties += [r for r in copies if per_path[paths[r]] > 1]
    content = {r: _content_digest(values) for r, values in _rows(files, starts, np.array(sorted(ties), np.int64),
                                                                 ["text", "metadata"])}
    used = _used_numbers(rec, {id_digest(split_suffix(doc_id)[0]) for doc_id in groups})
    out = []
    for doc_id in sorted(groups, key=lambda d: (split_suffix(d)[0], d)):
        copies = groups.pop(doc_id)
        file_of = dict(zip(copies, (np.searchsorted(starts, copies, "right") - 1).tolist()))
        copies.sort(key=lambda r: (paths[r], content.get(r, b""), names[file_of[r]], r))
        taken = used[id_digest(split_suffix(doc_id)[0])]
        n = 0
        for r in copies[1:]:
            n += 1
            while n in taken:
                n += 1
            taken.add(n)
            out.append((file_of[r], r - int(starts[file_of[r]]), n))
    return np.array(out, dtype=_RENAME)


def _used_numbers(rec: np.ndarray, bases: set[int]) -> dict[int, set[int]]:
    """base digest -> the n of every `base#dup<n>` id in the bucket (all of a base's ids share it)."""
    used: dict[int, set[int]] = defaultdict(set)
    suffixed = rec[(rec["n"] >= 0) & np.isin(rec["b"], np.fromiter(bases, np.uint64, len(bases)))]
    for b, n in zip(suffixed["b"].tolist(), suffixed["n"].tolist()):
        used[b].add(n)
    return used


def _content_digest(values: tuple) -> bytes:
    """Text and metadata of a row (flattened columns), as one digest."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update((values[0] or "").encode("utf-8", "surrogatepass"))
    digest.update(b"\0" + json.dumps(values[1:], ensure_ascii=False, default=str).encode("utf-8", "surrogatepass"))
    return digest.digest()


def _rows(files: list[Path], starts: np.ndarray, rows: np.ndarray, columns: list[str]) -> Iterator[tuple[int, tuple]]:
    """(global row, the row's `columns`, structs flattened) for `rows` (sorted), reading only
    the row groups that hold them."""
    import pyarrow.parquet as pq

    if not len(rows):
        return
    owner = np.searchsorted(starts, rows, "right") - 1
    for index in np.unique(owner):
        local = rows[owner == index] - starts[index]
        pf = pq.ParquetFile(files[index])
        group_start = 0
        for g in range(pf.num_row_groups):
            size = pf.metadata.row_group(g).num_rows
            wanted = local[(local >= group_start) & (local < group_start + size)]
            if len(wanted):
                table = pf.read_row_group(g, columns=columns).take(wanted - group_start).flatten()
                values = zip(*(table.column(i).to_pylist() for i in range(table.num_columns)))
                yield from zip((wanted + starts[index]).tolist(), values)
            group_start += size


# -- rewriting --------------------------------------------------------------------------


def _rewrite(path: Path, rows: np.ndarray, numbers: np.ndarray) -> None:
    """`path` with its rows `rows` renamed to `<base>#dup<n>`, row groups and compression kept;
    a file whose first planned row already carries its new number was rewritten before a kill."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    first = next(_rows([path], np.zeros(1, np.int64), rows[:1], ["id"]))[1][0] or ""
    if split_suffix(first)[1] == int(numbers[0]):
        return
    tmp = path.with_name(path.name + TMP_SUFFIX)
    compression = pf.metadata.row_group(0).column(0).compression.lower()
    with pq.ParquetWriter(tmp, pf.schema_arrow, compression=None if compression == "uncompressed" else compression) as w:
        start = 0
        for g in range(pf.num_row_groups):
            table = pf.read_row_group(g)
            inside = (rows >= start) & (rows < start + table.num_rows)
            if inside.any():
                table = _renamed(table, rows[inside] - start, numbers[inside])
            w.write_table(table, row_group_size=max(1, table.num_rows))
            start += table.num_rows
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _renamed(table, rows: np.ndarray, numbers: np.ndarray):
    import pyarrow as pa

    ids = table.column("id").to_pylist()
    meta = table.column("metadata").combine_chunks()
    extra = meta.field("extra").to_pylist()
    for r, n in zip(rows.tolist(), numbers.tolist()):
        old = ids[r] or ""
        fields = json.loads(extra[r]) if extra[r] else {}
        fields.setdefault("duplicate_id_of", old)  # a copy renamed within its file already names its source id
        extra[r] = json.dumps(fields, ensure_ascii=False)
        ids[r] = f"{split_suffix(old)[0]}#dup{n}"
    children = [pa.array(extra, pa.string()) if f.name == "extra" else meta.field(i) for i, f in enumerate(meta.type)]
    mask = meta.is_null() if meta.null_count else None
    metadata = pa.StructArray.from_arrays(children, fields=list(meta.type), mask=mask)
    table = table.set_column(table.schema.get_field_index("id"), "id", pa.array(ids, pa.string()))
    return table.set_column(table.schema.get_field_index("metadata"), table.schema.field("metadata"), metadata)
