"""tokenizer.evaluate, tokenizer.backends and `jacorpus tokenizer eval`."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from corpus.cli import main
from tokenizer.backends import HFTokenizer, load_tokenizer
from tokenizer.evaluate import evaluate, paragraphs, read_texts
from tokenizer.hf_export import export_tokenizer_json
from tokenizer.train import TrainConfig, train_sentencepiece


@pytest.fixture(scope="module")
def novel(shared_data):
    return shared_data / "text" / "aozora_bocchan_natsume-soseki.txt"


def test_paragraphs_are_non_empty_lines():
    assert list(paragraphs(["a\n\n  \nb  \n", "c"])) == ["a", "b", "c"]


def test_llama2_falls_back_to_bytes_on_japanese_and_llm_jp_does_not(shared_data, novel):
    texts = [novel.read_text(encoding="utf-8")]
    llama = evaluate(load_tokenizer(shared_data / "tokenizers" / "llama2.model"), texts)
    llmjp = evaluate(load_tokenizer(shared_data / "tokenizers" / "llm-jp-tokenizer-100k.ver3.0b1.model"), texts)
    assert llama["chars_per_token"] < 1.0 and llama["byte_fallback_share"] > 0.15
    assert llmjp["chars_per_token"] > 1.5 and llmjp["byte_fallback_share"] < 0.01
    assert llama["roundtrip_exact"] and llmjp["roundtrip_exact"]
    assert llama["characters"] == llmjp["characters"] == sum(len(p) for p in paragraphs(texts))


def test_round_trip_failures_are_counted(tmp_path, novel):
    text = novel.read_text(encoding="utf-8")
    lines = list(paragraphs([text]))[:800]
    model = train_sentencepiece(lines, tmp_path / "nfkc", TrainConfig(normalization="nmt_nfkc", vocab_size=3000, required_charset="none"))
    row = evaluate(load_tokenizer(model), ["ＡＢＣは全角", "普通の文"])
    assert not row["roundtrip_exact"] and row["roundtrip_failures"] == 1
    assert row["first_roundtrip_failure"] == "ＡＢＣは全角"


def test_sentencepiece_and_its_tokenizer_json_give_the_same_row(tmp_path, shared_data, novel):
    model = shared_data / "tokenizers" / "llama2.model"
    as_json = export_tokenizer_json(model, tmp_path / "tokenizer.json")
    texts = [novel.read_text(encoding="utf-8")[:30000]]
    a, b = evaluate(load_tokenizer(model), texts), evaluate(load_tokenizer(as_json), texts)
    for key in ("tokens", "chars_per_token", "byte_fallback_share", "unknown_rate", "roundtrip_exact"):
        assert a[key] == b[key]
    assert load_tokenizer(tmp_path).path.name == "tokenizer.json"  # a folder works too
    assert load_tokenizer(as_json).bos_id == 1 and load_tokenizer(as_json).eos_id == 2


def test_byte_level_fragments_count_as_byte_tokens(tmp_path):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(["hello world"] * 50 + ["日本"] * 50, trainers.BpeTrainer(
        vocab_size=300, show_progress=False, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.save(str(tmp_path / "bl.json"))
    loaded = HFTokenizer(tmp_path / "bl.json")
    assert loaded.byte_level
    row = evaluate(loaded, ["日本", "hello", "猫"])  # 猫 was never seen: three byte tokens
    assert row["roundtrip_exact"]
    assert row["byte_fallback_share"] == pytest.approx(3 / row["tokens"])


def test_read_texts_reads_txt_jsonl_and_parquet(tmp_path):
    (tmp_path / "a.txt").write_text("一行目\n二行目", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "ジェイソン"}\n{"text": "二つ目"}\n', encoding="utf-8")
    pq.write_table(pa.table({"text": ["パーケット", None]}), tmp_path / "c.parquet")
    assert read_texts(tmp_path / "a.txt") == ["一行目\n二行目"]
    assert read_texts(tmp_path / "b.jsonl") == ["ジェイソン", "二つ目"]
    assert read_texts(tmp_path / "c.parquet") == ["パーケット"]
    assert read_texts(tmp_path / "a.txt", max_chars=2) == ["一行目"]


def test_cli_eval_prints_one_json_object_per_tokenizer(shared_data, novel, capsys):
    t = shared_data / "tokenizers"
    code = main(["tokenizer", "eval", str(t / "llama2.model"), str(t / "code20K_en40K_ja60K.ver2.2.model"),
                 "--text", str(novel), "--json", "--max-chars", "20000"])
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["tokenizer"] for r in rows] == [str(t / "llama2.model"), str(t / "code20K_en40K_ja60K.ver2.2.model")]
    for row in rows:
        assert {"chars_per_token", "byte_fallback_share", "roundtrip_exact", "unknown_rate"} <= set(row)
    assert rows[1]["chars_per_token"] > rows[0]["chars_per_token"]


def test_cli_eval_table_and_bad_path(shared_data, novel, capsys, tmp_path):
    assert main(["tokenizer", "eval", str(shared_data / "tokenizers" / "llama2.model"), "--text", str(novel), "--max-chars", "5000"]) == 0
    assert "chars/tok" in capsys.readouterr().out
    assert main(["tokenizer", "eval", str(tmp_path / "missing.model"), "--text", str(novel)]) == 2


def test_tokenizer_file_is_one_rule_for_folders(tmp_path):
    from tokenizer.backends import tokenizer_file

    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "ja.model").write_bytes(b"")
    assert tokenizer_file(tmp_path / "only") == tmp_path / "only" / "ja.model"
    (tmp_path / "only" / "tokenizer.json").write_text("{}")
    assert tokenizer_file(tmp_path / "only") == tmp_path / "only" / "tokenizer.json"
    (tmp_path / "only" / "tokenizer.model").write_bytes(b"")
    assert tokenizer_file(tmp_path / "only") == tmp_path / "only" / "tokenizer.model"
    (tmp_path / "two").mkdir()
    for name in ("a.model", "b.model"):
        (tmp_path / "two" / name).write_bytes(b"")
    with pytest.raises(FileNotFoundError):
        tokenizer_file(tmp_path / "two")  # which one would be a guess
