"""The document reader: our shards, jsonl(.gz/.zst), any parquet with a text column, .txt;
every record becomes a document or an excluded one with a reason, and a file no reader
understands is refused by name."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from datatrove.data import Document

from corpus.readers.document_reader import DocumentReader, settings_from_options
from corpus.readers.input_formats import InputOptions, UnsupportedInput, check_inputs
from corpus.formats.shards import ShardWriter
from benchmarks.evalsets.bad_parquet import texts_with_bad_row, write_table


def read(paths, **options) -> list[Document]:
    reader = DocumentReader([str(p) for p in paths], settings_from_options(InputOptions(**options)))
    return list(reader.run())


def by_id(docs):
    return {d.id: d for d in docs}


def write_jsonl(path, lines: list) -> str:
    path.write_bytes(b"".join((ln if isinstance(ln, bytes) else json.dumps(ln, ensure_ascii=False).encode()) + b"\n"
                              for ln in lines))
    return str(path)


RECORDS = [
    {"id": "a1", "text": "吾輩は猫である。", "url": "https://example.jp/1", "score": 0.9},
    {"text": "名前はまだ無い。", "meta": {"dump": "CC-MAIN-2024-10"}},
]


def test_jsonl_records_keep_their_fields_and_fall_back_to_file_and_line_ids(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [RECORDS[0], b"", RECORDS[1]])
    docs = read([path])
    assert [d.id for d in docs] == ["a1", "c.jsonl:3"]
    first, second = docs
    assert first.text == "吾輩は猫である。"
    assert first.metadata["url"] == "https://example.jp/1" and first.metadata["score"] == 0.9
    assert first.metadata["source"] == "text" and first.metadata["path"] == path
    assert second.metadata["meta"] == {"dump": "CC-MAIN-2024-10"}
    assert not any("reason" in d.metadata for d in docs)


def test_bad_jsonl_lines_are_excluded_each_with_its_reason(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [
        RECORDS[0], b'{"text": "cut', b'{"text": "\xff\xfe"}', b"[1, 2]", {"id": "n", "body": "no text key"},
        {"id": "e", "text": "  \n"}, {"id": "x", "text": 42}, RECORDS[1],
    ])
    docs = read([path])
    reasons = {d.id: d.metadata.get("reason") for d in docs}
    assert reasons == {"a1": None, "bad.jsonl:2": "invalid_json", "bad.jsonl:3": "invalid_utf8",
                       "bad.jsonl:4": "not_a_json_object", "n": "missing_text", "e": "empty_text",
                       "x": "text_not_a_string", "bad.jsonl:8": None}
    assert by_id(docs)["bad.jsonl:2"].text == '{"text": "cut'


def test_record_fields_cannot_pose_as_pipeline_metadata(tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", [{
        "id": "f1", "text": "本文です。", "reason": "spam", "source": "fineweb", "minhash_cluster_size": 3,
        "license": "CC-BY-4.0", "lang_score": "high", "metadata": {"date": "2024-01-01", "title": "題"},
    }])
    meta = read([path])[0].metadata
    assert "reason" not in meta and meta["input_reason"] == "spam"
    assert meta["source"] == "text" and meta["input_source"] == "fineweb"
    assert meta["input_minhash_cluster_size"] == 3 and "minhash_cluster_size" not in meta
    assert meta["licence"] == "CC-BY-4.0" and meta["licence_evidence"] == "record field license"
    assert meta["input_lang_score"] == "high" and "lang_score" not in meta
    assert meta["date"] == "2024-01-01" and meta["title"] == "題"


def test_gzip_and_zstd_jsonl_read_like_plain_jsonl(tmp_path):
    plain = write_jsonl(tmp_path / "p.jsonl", RECORDS * 3)
    data = (tmp_path / "p.jsonl").read_bytes()
    (tmp_path / "p.jsonl.gz").write_bytes(gzip.compress(data))
    (tmp_path / "p.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    expected = [(d.text, d.metadata.get("url")) for d in read([plain])]
    for name in ("p.jsonl.gz", "p.jsonl.zst"):
        assert [(d.text, d.metadata.get("url")) for d in read([tmp_path / name])] == expected


def test_parquet_in_any_schema_reads_its_text_column_in_batches(tmp_path):
    path = write_table(tmp_path / "hf.parquet", {
        "content": pa.array([f"第{i}文書。" for i in range(25)]), "url": pa.array([f"https://e.jp/{i}" for i in range(25)]),
        "language_score": pa.array([0.5] * 25),
    }, row_group_size=10)
    docs = read([path], text_key="content", batch_size=4)
    assert [d.id for d in docs] == [f"hf.parquet#{i}" for i in range(25)]
    assert docs[24].text == "第24文書。" and docs[24].metadata["url"] == "https://e.jp/24"
    assert docs[0].metadata["language_score"] == 0.5


def test_a_bad_utf8_row_in_hf_parquet_is_one_excluded_document(tmp_path):
    texts = [f"文書{i}" for i in range(3000)]
    path = write_table(tmp_path / "hf.parquet", {"text": texts_with_bad_row(texts, 1500)})
    docs = read([path])
    assert len(docs) == 3000
    assert [(d.id, d.metadata["reason"]) for d in docs if d.metadata.get("reason")] == [("hf.parquet#1500", "invalid_utf8")]
    assert docs[2999].text == "文書2999"


def test_our_shards_with_a_bad_row_lose_only_that_row(tmp_path):
    texts = [f"文書{i}" for i in range(3000)]
    good = tmp_path / "good"
    with ShardWriter(str(good)) as writer:
        for i, text in enumerate(texts):
            writer.write(Document(text=text, id=f"web/{i}", metadata={"source": "web"}), rank=0)
    table = pq.read_table(good / "00000.parquet")
    bad = table.set_column(0, "text", texts_with_bad_row(texts, 1500))
    path = tmp_path / "shard.parquet"
    pq.write_table(bad, path)
    docs = read([path])
    assert len(docs) == 3000
    assert [(d.id, d.metadata["reason"]) for d in docs if d.metadata.get("reason")] == [("web/1500", "invalid_utf8")]
    assert docs[2999].metadata["source"] == "web"


def test_txt_is_one_document_per_file_or_per_blank_line_block(tmp_path):
    path = tmp_path / "novel.txt"
    path.write_bytes("\ufeff第一章\r\n吾輩は猫である。\r\n\r\n\u3000\r\n第二章\r\n名前はまだ無い。\r\n".encode())
    whole = read([path])
    assert [(d.id, d.text) for d in whole] == [("novel.txt", "第一章\n吾輩は猫である。\n\n\u3000\n第二章\n名前はまだ無い。\n")]
    blocks = read([path], txt="blocks")
    assert [(d.id, d.text) for d in blocks] == [("novel.txt:1", "第一章\n吾輩は猫である。"),
                                                ("novel.txt:5", "第二章\n名前はまだ無い。")]


def test_txt_bytes_that_are_not_utf8_exclude_only_their_block(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("良い段落。\n\n".encode() + "悪い段落。".encode("cp932") + b"\n\n" + "次の段落。\n".encode())
    docs = read([path], txt="blocks")
    assert [(d.id, d.metadata.get("reason")) for d in docs] == [
        ("mixed.txt:1", None), ("mixed.txt:3", "invalid_utf8"), ("mixed.txt:5", None)]
    assert read([path])[0].metadata["reason"] == "invalid_utf8"


def test_source_settings_and_options_set_dataset_and_licence(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", RECORDS)
    docs = read([path], dataset="my_corpus", licence="CC-BY-4.0", source="web")
    assert {d.metadata["dataset"] for d in docs} == {"my_corpus"}
    assert {d.metadata["source"] for d in docs} == {"web"}
    assert {d.metadata["licence"] for d in docs} == {"CC-BY-4.0"}


def test_a_file_no_reader_understands_is_refused_by_name(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# not a corpus")
    default = InputOptions()
    with pytest.raises(UnsupportedInput, match=r"README\.md: no reader for this file; accepted: .*jsonl"):
        check_inputs([str(readme)], {}, default)
    other = write_table(tmp_path / "other.parquet", {"body": pa.array(["x"])})
    with pytest.raises(UnsupportedInput, match=r"other\.parquet: parquet without a 'text' column \(columns: body\)"):
        check_inputs([str(other)], {}, default)
    keyed = write_jsonl(tmp_path / "k.jsonl", [{"content": "本文"}] * 3)
    with pytest.raises(UnsupportedInput, match=r"k\.jsonl: no 'text' key in its first 3 records \(keys: content\)"):
        check_inputs([keyed], {}, default)
    assert check_inputs([keyed], {}, InputOptions(text_key="content")) == {keyed: "jsonl"}
