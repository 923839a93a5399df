"""Parquet files with one value that is not UTF-8, built the way a broken exporter writes them.

`pa.array` refuses invalid UTF-8, so the string column is assembled from raw buffers
(`pa.Array.from_buffers`): Arrow writes it without a check, and readers meet it only when
they turn the row into Python strings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

BAD_BYTES = b"\xff\xfe not utf-8 \x80"


def raw_string_array(values: list[bytes]) -> pa.Array:
    """A pa.string() array over these exact bytes, valid UTF-8 or not."""
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum([len(v) for v in values])
    data = pa.py_buffer(b"".join(values))
    return pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(offsets.tobytes()), data])


def texts_with_bad_row(texts: list[str], bad: int) -> pa.Array:
    values = [t.encode("utf-8") for t in texts]
    values[bad] = BAD_BYTES
    return raw_string_array(values)


def write_table(path: Path, columns: dict[str, pa.Array], row_group_size: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)
    return path
