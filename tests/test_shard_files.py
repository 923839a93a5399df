"""corpus.formats.shard_files: reading columns and metadata of our shards for figures and reports."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import Document

from corpus.formats.schema import SCHEMA, document_to_row
from corpus.formats.shard_files import (
    column_values, find_row, metadata_rows, parquet_files, read_texts, rows, unpack_metadata,
)


def write(path, docs: list[Document], row_group_size: int = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([document_to_row(d) for d in docs], schema=SCHEMA)
    pq.write_table(table, path, row_group_size=row_group_size)


def test_rows_of_every_file_in_order_across_row_groups(tmp_path):
    docs = [Document(text=f"本文{i}", id=f"d{i}", metadata={"source": "web", "lang": "ja"}) for i in range(5)]
    write(tmp_path / "shards" / "00000.parquet", docs[:3])
    write(tmp_path / "shards" / "00001.parquet", docs[3:])
    assert [p.name for p in parquet_files(tmp_path / "shards")] == ["00000.parquet", "00001.parquet"]
    assert parquet_files(tmp_path / "missing") == []
    assert list(column_values(tmp_path / "shards", "id")) == [f"d{i}" for i in range(5)]
    read = list(rows(tmp_path / "shards"))
    assert [r["text"] for r in read] == [d.text for d in docs]
    assert unpack_metadata(read[0]["metadata"]) == {"source": "web", "lang": "ja"}  # nulls left out


def test_metadata_comes_back_as_the_step_wrote_it(tmp_path):
    doc = Document(text="x", id="a", metadata={"source": "code", "pii": {"EMAIL": 2}, "repo": "r", "licence": "MIT"})
    write(tmp_path / "x.parquet", [doc])
    (meta,) = metadata_rows(tmp_path / "x.parquet")
    assert meta == {"source": "code", "pii": {"EMAIL": 2}, "repo": "r", "licence": "MIT"}
    write(tmp_path / "y.parquet", [Document(text="x", id="b", metadata={"pii": {}})])
    assert list(metadata_rows(tmp_path / "y.parquet")) == [{"pii": {}}]


def test_only_reason_keeps_the_excluded_rows_with_that_reason(tmp_path):
    docs = [Document(text="x", id=str(i), metadata={"reason": reason, "licence_rejected": str(i)})
            for i, reason in enumerate(["licence_not_allowed", "too_short", "licence_not_allowed", None])]
    write(tmp_path / "excluded" / "a.parquet", docs)
    assert [m["licence_rejected"] for m in metadata_rows(tmp_path / "excluded", only_reason="licence_not_allowed")] == [
        "0", "2"]


def test_read_texts_reads_txt_jsonl_and_parquet_and_caps_characters(tmp_path):
    (tmp_path / "a.txt").write_text("一行目\n二行目", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in
                                                ({"text": "ジェイソン"}, {"id": 1}, "文字列")) + "\n", encoding="utf-8")
    write(tmp_path / "c.parquet", [Document(text="パーケット", id="p")])
    paths = [tmp_path / "a.txt", tmp_path / "b.jsonl", tmp_path / "c.parquet"]
    assert read_texts(paths) == ["一行目\n二行目", "ジェイソン", "文字列", "パーケット"]
    assert read_texts(paths, max_chars=9) == ["一行目\n二行目", "ジェ"]


def test_metadata_fields_are_read_alone_and_a_row_is_found_by_id(tmp_path):
    docs = [Document(text="x", id=str(i), metadata={"figures": {"f": float(i)}, "reason": "r" if i % 2 else None,
                                                     "excluded_by": "step", "kept_in_extra": i}) for i in range(5)]
    write(tmp_path / "a.parquet", docs)
    assert list(metadata_rows(tmp_path, only_reason="r", fields=("figures",))) == [
        {"figures": {"f": 1.0}, "reason": "r"}, {"figures": {"f": 3.0}, "reason": "r"}]  # no extra unless named
    path, row = find_row(tmp_path, "3")
    assert path == tmp_path / "a.parquet" and row["text"] == "x" and row["metadata"]["excluded_by"] == "step"
    assert find_row(tmp_path, "nope") is None
