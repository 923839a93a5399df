"""Rows of a parquet file where one bad value costs one row, never the rest of the file.

Arrow does not check UTF-8 when it reads a string column; Python's decode does, when a
batch becomes Python objects. Converting a whole batch at once (`to_pylist`, as
datatrove's ParquetReader does) lets one invalid value raise for the batch, and a reader
that stops there loses every later row without a count. Here a batch that fails is
converted again row by row, the bad rows come back flagged `invalid_utf8` with their
string columns decoded with U+FFFD (for the excluded shards), and a row group that cannot
be read at all comes back as one flagged row per row the file's metadata says it holds,
so the rows counted in always equal the rows the file has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO, Iterator

INVALID_UTF8 = "invalid_utf8"
UNREADABLE_ROWS = "unreadable_rows"


@dataclass(slots=True)
class Row:
    """One parquet row: its values, or, with `reason` set, the best that could be read of it."""

    index: int
    values: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    detail: str = ""


def _as_binary(array):
    """The same buffers read as bytes: no UTF-8 check, no copy."""
    import pyarrow as pa

    if pa.types.is_large_string(array.type):
        return array.view(pa.large_binary())
    if pa.types.is_string(array.type):
        return array.view(pa.binary())
    return array


def _best_effort(one_row_batch) -> dict[str, Any]:
    """A row that failed to convert: string columns decoded with U+FFFD, other flat columns
    as they are, nested ones (which may hold the bad value) left out."""
    import pyarrow as pa

    values: dict[str, Any] = {}
    for name, column in zip(one_row_batch.schema.names, one_row_batch.columns):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            raw = _as_binary(column)[0].as_py()
            values[name] = None if raw is None else raw.decode("utf-8", errors="replace")
        elif not pa.types.is_nested(column.type):
            try:
                values[name] = column[0].as_py()
            except (UnicodeDecodeError, ValueError):
                values[name] = None
    return values


def _batch_rows(batch, first: int) -> Iterator[Row]:
    try:
        rows = batch.to_pylist()
    except UnicodeDecodeError:
        rows = None
    if rows is not None:
        for offset, values in enumerate(rows):
            yield Row(first + offset, values)
        return
    for offset in range(batch.num_rows):
        one = batch.slice(offset, 1)
        try:
            yield Row(first + offset, one.to_pylist()[0])
        except UnicodeDecodeError as err:
            yield Row(first + offset, _best_effort(one), INVALID_UTF8, str(err)[:300])


def iter_rows(source: str | BinaryIO, columns: list[str] | None = None, batch_size: int = 1000,
              binary: tuple[str, ...] = ()) -> Iterator[Row]:
    """Every row of a parquet file, in order, flagged rows included.

    `columns` limits what is read; string columns named in `binary` come back as bytes
    (for readers that decode themselves, like code ingest's charset detection). Row
    numbers and the count of an unreadable row group come from the file's metadata.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetFile(source, pre_buffer=False) as pf:
        meta = pf.metadata
        first = 0
        for group in range(meta.num_row_groups):
            size = meta.row_group(group).num_rows
            done = 0
            try:
                for batch in pf.iter_batches(batch_size=batch_size, row_groups=[group], columns=columns):
                    if binary:
                        arrays = [_as_binary(c) if n in binary else c for n, c in zip(batch.schema.names, batch.columns)]
                        batch = pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
                    for row in _batch_rows(batch, first + done):
                        yield row
                        done += 1  # per row: a failure mid-batch must not count a row twice
            except (OSError, ValueError, pa.ArrowException) as err:
                # the rest of this row group cannot be read: one flagged row each, so the
                # loss is counted row by row; later row groups are read as usual
                detail = f"row group {group}: {type(err).__name__}: {err}"[:300]
                for index in range(first + done, first + size):
                    yield Row(index, {}, UNREADABLE_ROWS, detail)
            first += size
