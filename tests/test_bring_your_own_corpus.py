"""Bring your own corpus: filter, dedup, tokenizer and tokenize read jsonl(.gz/.zst), any
parquet with a text column and plain text made from the real text in ../shared/data, and
every stage balances (in = kept + excluded); bad rows cost one row; a file no reader
understands or an input that yields nothing stops the command with one line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
import zstandard

from corpus.cli import main
from corpus.config import ExecutorConfig
from corpus.run.stage import StageContext, run_stage
from pipelines import dedup, filter as filter_stage, tokenize, tokenizer_train
from pipelines.run import run_pipeline
from benchmarks.evalsets.bad_parquet import texts_with_bad_row, write_table

LEADS = 300  # KWDLC leads per input file: enough for MinHash and a tokenizer, quick on 2 cores


def _leads(shared_data: Path) -> list[dict]:
    with (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line, _ in zip(f, range(LEADS))]


@pytest.fixture(scope="module")
def corpus_files(shared_data, tmp_path_factory) -> dict[str, tuple[list[str], dict]]:
    """format -> (input files, stage `input:` options), all from real text."""
    d = tmp_path_factory.mktemp("byoc")
    leads = _leads(shared_data)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in leads).encode()
    (d / "leads.jsonl.gz").write_bytes(gzip.compress(lines))
    (d / "leads.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(lines))
    # a Hugging Face-style export: its own column names, extra columns, several row groups
    pq.write_table(pa.table({"content": [r["text"] for r in leads], "doc_url": [f"https://kwdlc.example/{r['id']}"
                                                                            for r in leads]}),
                   d / "leads.parquet", row_group_size=128)
    text = shared_data / "text"
    return {
        "jsonl": ([str(text / "kwdlc_web_leads.jsonl")], {}),
        "jsonl.gz": ([str(d / "leads.jsonl.gz")], {}),
        "jsonl.zst": ([str(d / "leads.jsonl.zst")], {}),
        "parquet": ([str(d / "leads.parquet")], {"text_key": "content"}),
        "txt": ([str(text / "aozora_lemon_kajii-motojiro.txt"), str(text / "aozora_bocchan_natsume-soseki.txt")], {}),
        "txt blocks": ([str(text / "aozora_bocchan_natsume-soseki.txt")], {"txt": "blocks"}),
    }


def _blocks(shared_data: Path) -> int:
    """Blocks of 坊っちゃん separated by blank lines, counted independently of the reader."""
    text = (shared_data / "text" / "aozora_bocchan_natsume-soseki.txt").read_text(encoding="utf-8")
    return sum(1 for block in text.split("\n\n") if block.strip())


def _run(stage, name: str, out: Path, inputs: list[str], options: dict) -> dict:
    ctx = StageContext(name=name, stage_dir=out, inputs=inputs, options=stage.STAGE.options(**options),
                       executor=ExecutorConfig(tasks=1, workers=1), quiet=True, allow_empty=False)
    return run_stage(stage.STAGE, ctx)


def _balanced(report: dict) -> dict:
    d = report["documents"]
    assert d["in"] > 0 and d["in"] == d["kept"] + d["excluded"], d
    return d


@pytest.mark.parametrize("fmt", [pytest.param("jsonl", marks=pytest.mark.slow),  # all 5,127 leads: ~15 s
                                 "jsonl.gz", "jsonl.zst", "parquet", "txt", "txt blocks"])
def test_filter_dedup_and_tokenize_read_each_format_and_balance(corpus_files, shared_data, tmp_path, fmt):
    inputs, read = corpus_files[fmt]
    model = shared_data / "tokenizers" / "llm-jp-tokenizer-100k.ver3.0b1.model"
    filtered = _balanced(_run(filter_stage, "filter", tmp_path / "filter", inputs, {"input": read}))
    deduped = _balanced(_run(dedup, "dedup", tmp_path / "dedup", inputs, {"input": read}))
    tokens = _run(tokenize, "tokenize", tmp_path / "tokenize", inputs, {"input": read, "tokenizer": str(model)})
    counted = _balanced(tokens)
    expected = {"jsonl": 5127, "jsonl.gz": LEADS, "jsonl.zst": LEADS, "parquet": LEADS, "txt": 2}.get(fmt)
    if expected is not None:  # every record became a document (blocks: counted below)
        assert filtered["in"] == deduped["in"] == counted["in"] == expected
    else:
        assert filtered["in"] == deduped["in"] == counted["in"] == _blocks(shared_data)
    assert tokens["figures"]["tokens_by_source"]["text"] > 0


def test_tokenizer_trains_on_a_mix_of_jsonl_and_text_files(corpus_files, tmp_path):
    inputs = corpus_files["jsonl.zst"][0] + corpus_files["txt"][0]
    report = _run(tokenizer_train, "tokenizer", tmp_path / "tok", inputs, {"vocab_size": 4000, "required_charset": "none"})
    assert _balanced(report)["in"] == LEADS + 2
    assert report["figures"]["sample_by_source"]  # sentences came from the text
    assert (tmp_path / "tok" / "tokenizer.model").is_file()


def test_a_bad_utf8_row_costs_one_row_in_filter_dedup_and_tokenize(shared_data, tmp_path):
    leads = [r["text"] for r in _leads(shared_data)] * 10  # 3000 rows, a bad one at 1500
    shard = write_table(tmp_path / "in" / "leads.parquet", {"text": texts_with_bad_row(leads, 1500),
                                                            "id": pa.array([f"lead/{i}" for i in range(3000)])})
    model = shared_data / "tokenizers" / "llm-jp-tokenizer-100k.ver3.0b1.model"
    for stage, name, options in ((filter_stage, "filter", {}), (dedup, "dedup", {}),
                                 (tokenize, "tokenize", {"tokenizer": str(model)})):
        report = _run(stage, name, tmp_path / name, [str(shard)], options)
        assert _balanced(report)["in"] == 3000, name
        assert report["excluded_by_reason"]["invalid_utf8"] == 1, name


def test_a_bad_utf8_row_in_stack_parquet_costs_one_row(tmp_path):
    from pipelines import ingest_code

    licences = pa.array([["MIT"]] * 5)
    path = write_table(tmp_path / "stack.parquet", {
        "content": texts_with_bad_row([f"x = {i}\n" for i in range(5)], 2),
        "max_stars_repo_path": texts_with_bad_row([f"f{i}.py" for i in range(5)], 4),
        "max_stars_repo_name": pa.array(["alice/util"] * 5), "max_stars_repo_licenses": licences,
    })
    report = _run(ingest_code, "ingest_code", tmp_path / "code", [str(path)], {})
    assert report["documents"] == {"in": 5, "kept": 3, "excluded": 2}
    assert report["excluded_by_reason"] == {"undecodable": 1, "invalid_utf8": 1}


@pytest.mark.slow  # the whole of kwdlc through three stages: ~15 s
def test_a_manifest_text_source_enters_at_filter_with_its_name_and_licence(shared_data, tmp_path):
    text = shared_data / "text"
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump({"sources": [
        {"name": "kwdlc", "kind": "text", "paths": [str(text / "kwdlc_web_leads.jsonl")], "licence": "research-only",
         "read": {"source": "web"}},
        {"name": "aozora", "kind": "text", "paths": [str(text / "aozora_bocchan_natsume-soseki.txt")],
         "licence": "public-domain", "read": {"txt": "blocks"}},
    ]}))
    model = shared_data / "tokenizers" / "llm-jp-tokenizer-100k.ver3.0b1.model"
    (tmp_path / "pipe.yaml").write_text(yaml.safe_dump({
        "run_dir": str(tmp_path / "run"), "sources": ["sources.yaml"],
        "stages": {"tokenizer": {"enabled": False}, "train": {"enabled": False},
                   "tokenize": {"options": {"tokenizer": str(model)}}},
    }))
    reports = run_pipeline(tmp_path / "pipe.yaml", quiet=True)
    assert set(reports) == {"filter", "dedup", "tokenize"}
    for report in reports.values():
        _balanced(report)
    assert reports["filter"]["documents"]["in"] == 5127 + _blocks(shared_data)  # every lead, every block
    kept = reports["filter"]["kept"]
    assert kept["by_source"].keys() <= {"web", "text"} and kept["licences"].get("public-domain", 0) > 0
    assert reports["filter"]["excluded_by_reason"].get("min_letters", 0) > 0  # `read: {source: web}`: web rules ran


def test_cli_refuses_a_file_no_reader_understands_and_an_input_with_no_documents(tmp_path, capsys):
    notes = tmp_path / "notes.md"
    notes.write_text("# not a corpus\n")
    assert main(["filter", "-i", str(notes), "-o", str(tmp_path / "a"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "notes.md: no reader for this file; accepted:" in err and ".jsonl.zst" in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    assert main(["filter", "-i", str(empty), "-o", str(tmp_path / "b"), "-q"]) == 2
    assert "filter: the inputs yielded 0 documents (1 file(s): empty.jsonl)" in capsys.readouterr().err
    assert main(["filter", "-i", str(empty), "-o", str(tmp_path / "c"), "-q", "--allow-empty"]) == 0
    assert json.loads((tmp_path / "c" / "report.json").read_text())["documents"]["in"] == 0
