"""corpus.formats.parquet_rows: one bad value costs one row; unreadable rows are counted from the metadata."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.formats.parquet_rows import INVALID_UTF8, UNREADABLE_ROWS, iter_rows
from benchmarks.evalsets.bad_parquet import BAD_BYTES, texts_with_bad_row, write_table


def test_one_invalid_utf8_value_flags_only_its_row(tmp_path):
    texts = [f"文書{i}です。" for i in range(3000)]
    path = write_table(tmp_path / "bad.parquet", {"text": texts_with_bad_row(texts, 1500),
                                                  "id": pa.array([f"d{i}" for i in range(3000)])})
    rows = list(iter_rows(str(path), batch_size=1000))
    assert [r.index for r in rows] == list(range(3000))
    bad = [r for r in rows if r.reason]
    assert [(r.index, r.reason) for r in bad] == [(1500, INVALID_UTF8)]
    assert bad[0].values["id"] == "d1500"
    assert bad[0].values["text"] == BAD_BYTES.decode("utf-8", errors="replace")
    assert rows[2999].values == {"text": texts[2999], "id": "d2999"}


def test_binary_columns_come_back_as_bytes_unchecked(tmp_path):
    path = write_table(tmp_path / "code.parquet", {"content": texts_with_bad_row(["a = 1", "b = 2"], 1)})
    rows = list(iter_rows(str(path), binary=("content",)))
    assert [r.reason for r in rows] == [None, None]
    assert rows[1].values["content"] == BAD_BYTES


def test_an_unreadable_row_group_is_one_flagged_row_per_row_and_later_groups_are_read(tmp_path):
    path = tmp_path / "groups.parquet"
    pq.write_table(pa.table({"text": [f"row {i} " * 50 for i in range(30)]}), path, row_group_size=10,
                   compression="NONE", use_dictionary=False)
    meta = pq.ParquetFile(path).metadata
    group = meta.row_group(1).column(0)
    start = group.data_page_offset
    data = bytearray(path.read_bytes())
    data[start:start + group.total_compressed_size] = b"\xee" * group.total_compressed_size  # page header and data
    path.write_bytes(bytes(data))
    rows = list(iter_rows(str(path)))
    assert [r.index for r in rows] == list(range(30))
    assert {r.index for r in rows if r.reason == UNREADABLE_ROWS} == set(range(10, 20))
    assert rows[25].values["text"] == "row 25 " * 50
