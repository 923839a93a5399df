"""PII placeholders are single tokens: the tokenizer stage adds them as user-defined symbols,
and `evaluate` / `jacorpus tokenizer eval` report which symbols a tokenizer splits."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from corpus.formats.schema import SCHEMA, document_to_row
from corpus.run.stage import StageContext, run_stage
from filters.pii.options import ALL_ENTITIES
from pipelines.tokenizer_train import STAGE, Options
from tokenizer.backends import load_tokenizer
from tokenizer.evaluate import evaluate, format_table, placeholders_in, symbol_report

PLACEHOLDERS = [f"<|{e}|>" for e in ALL_ENTITIES]


@pytest.fixture(scope="module")
def masked_corpus(tmp_path_factory, shared_data) -> list[str]:
    """Real web leads with masked contact details, as the filter stage leaves them, and one
    code file with a masked secret."""
    leads = [json.loads(line)["text"] for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]
    docs = [Document(text=f"{t}\nお問い合わせは<|PHONE|>または<|EMAIL|>まで。住所：<|ADDRESS|>", id=f"web/{i}",
                     metadata={"source": "web"}) for i, t in enumerate(leads[:60])]
    docs.append(Document(text='KEY = "<|SECRET_AWS_KEY|>"\n', id="code/k", metadata={"source": "code"}))
    path = tmp_path_factory.mktemp("masked") / "00000.parquet"
    pq.write_table(pa.Table.from_pylist([document_to_row(d) for d in docs], schema=SCHEMA), path)
    return [str(path)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, masked_corpus):
    out = tmp_path_factory.mktemp("tok")
    ctx = StageContext(name="tokenizer", stage_dir=out / "tokenizer", inputs=masked_corpus, options=Options(), quiet=True)
    return run_stage(STAGE, ctx), out / "tokenizer"


def test_llama2_splits_the_placeholders(shared_data):
    report = symbol_report(load_tokenizer(shared_data / "tokenizers" / "llama2.model"), PLACEHOLDERS)
    assert report["symbols"] == len(PLACEHOLDERS) and report["symbols_single_token"] == 0
    assert report["symbols_split"] == PLACEHOLDERS


def test_stage_makes_every_pii_placeholder_and_sampled_secret_one_token(trained):
    report, out = trained
    assert report["figures"]["placeholders_single_token"] == f"{len(PLACEHOLDERS) + 1}/{len(PLACEHOLDERS) + 1}"
    config = json.loads((out / "training.json").read_text())["config"]
    assert set(PLACEHOLDERS) | {"<|SECRET_AWS_KEY|>"} <= set(config["user_defined_symbols"])
    for path in (out / "tokenizer.model", out / "tokenizer.json"):
        tok = load_tokenizer(path)
        assert "<|PHONE|>" in [tok.id_to_piece(i) for i in tok.encode_batch(["電話<|PHONE|>まで"])[0]], path
        assert symbol_report(tok, [*PLACEHOLDERS, "<|SECRET_AWS_KEY|>"])["symbols_split"] == [], path


def test_evaluate_checks_the_placeholders_the_text_holds(trained):
    _, out = trained
    row = evaluate(load_tokenizer(out / "tokenizer.model"), ["連絡先<|EMAIL|>です", "住所<|ADDRESS|>"])
    assert (row["symbols"], row["symbols_single_token"], row["symbols_split"]) == (2, 2, [])
    assert "2/2 one" in format_table([row])
    assert placeholders_in(["a<|EMAIL|>b<|EMAIL|><|X_1|>", "<|lower|>"]) == ["<|EMAIL|>", "<|X_1|>"]


def test_cli_eval_reports_symbols(trained, shared_data, tmp_path, capsys):
    from corpus.cli import main

    _, out = trained
    text = Path(tmp_path / "t.txt")
    text.write_text("お問い合わせは<|PHONE|>まで\n", encoding="utf-8")
    main(["tokenizer", "eval", str(out / "tokenizer.model"), str(shared_data / "tokenizers" / "llama2.model"),
          "--text", str(text), "--symbols", "<|PHONE|>", "<|EMAIL|>", "--json"])
    ours, llama = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert ours["symbols_single_token"] == 2 and llama["symbols_split"] == ["<|PHONE|>", "<|EMAIL|>"]
