"""Bits per character: every token scored once, windows add up, the CLI prints it."""

from __future__ import annotations

import argparse
import json
import math

import pytest

torch = pytest.importorskip("torch")
tokenizers = pytest.importorskip("tokenizers")

from corpus.formats.shard_files import read_texts
from tokenizer.backends import load_tokenizer
from training.cli import add_evaluate_parser
from training.evaluate import bits_per_character, evaluate_model
from training.hf_io import export_hf
from training.model import ModelArgs, Transformer

TEXT = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"


def char_tokenizer_json(path, text: str) -> None:
    """A real `tokenizers` WordLevel tokenizer over single characters, with <s> as BOS."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for ch in sorted(set(text)):
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok.add_special_tokens(["<s>", "</s>"])
    tok.save(str(path))


def small_model(vocab: int = 64) -> Transformer:
    torch.manual_seed(0)
    model = Transformer(ModelArgs(dim=32, n_layers=1, n_heads=4, vocab_size=vocab, ffn_dim=64, max_seq_len=64))
    model.init_weights()
    return model.eval()


def manual_bits(model, ids: list[int]) -> float:
    with torch.no_grad():
        logits = model(torch.tensor([ids[:-1]]))[0]
    logp = torch.log_softmax(logits.float(), -1)
    return -float(sum(logp[i, t] for i, t in enumerate(ids[1:]))) / math.log(2)


def test_bits_per_character_scores_every_token_once_with_bos(tmp_path):
    char_tokenizer_json(tmp_path / "tokenizer.json", TEXT)
    tok = load_tokenizer(tmp_path)
    assert tok.bos_id == 1
    model = small_model()
    ids = [1] + tok.encode(TEXT)
    assert len(ids) == len(TEXT) + 1
    got = bits_per_character(model, tok, [TEXT], seq_len=64)
    assert got["characters"] == len(TEXT) and got["unscored_tokens"] == 0
    assert got["bits_per_char"] == pytest.approx(manual_bits(model, ids) / len(TEXT), rel=1e-5)


def test_long_text_windows_add_up_to_their_parts(tmp_path):
    char_tokenizer_json(tmp_path / "tokenizer.json", TEXT)
    tok = load_tokenizer(tmp_path / "tokenizer.json")
    model = small_model()
    ids = [1] + tok.encode(TEXT)
    windows = [ids[s : s + 11] for s in range(0, len(ids) - 1, 10)]
    expected = sum(manual_bits(model, w) for w in windows) / len(TEXT)
    got = bits_per_character(model, tok, [TEXT], seq_len=10, batch_size=3)
    assert got["bits_per_char"] == pytest.approx(expected, rel=1e-5)


class Codepoints:
    """A tokenizer without BOS: one id per character."""

    bos_id = None

    def encode(self, text: str) -> list[int]:
        return [ord(c) % 60 + 3 for c in text]


def test_without_bos_the_first_token_is_reported_unscored():
    tok = Codepoints()
    got = bits_per_character(small_model(), tok, [TEXT, TEXT[:5]], seq_len=64)
    assert got["unscored_tokens"] == 2 and got["tokens"] == len(TEXT) + 5


def test_reads_plain_text_jsonl_and_caps_characters(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": "日本語"}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert read_texts([tmp_path / "a.txt", tmp_path / "b.jsonl"]) == [TEXT, "日本語"]
    assert sum(map(len, read_texts([tmp_path / "a.txt", tmp_path / "b.jsonl"], max_chars=len(TEXT) + 1))) == len(TEXT) + 1


def test_evaluate_command_prints_bits_per_char_for_each_model(tmp_path, capsys):
    model = small_model()
    export_hf(model.state_dict(), model.args, tmp_path / "m", dtype="float32")
    char_tokenizer_json(tmp_path / "m" / "tokenizer.json", TEXT)
    (tmp_path / "held.txt").write_text(TEXT, encoding="utf-8")
    parser = argparse.ArgumentParser()
    add_evaluate_parser(parser.add_subparsers())
    args = parser.parse_args(["evaluate", str(tmp_path / "m"), "--text", str(tmp_path / "held.txt"), "--json", "--device", "cpu"])
    assert args.func(args) == 0
    row = json.loads(capsys.readouterr().out.strip())
    assert row["characters"] == len(TEXT) and 0 < row["bits_per_char"] < 2 * math.log2(64)
    missing = parser.parse_args(["evaluate", str(tmp_path / "nope"), "--text", str(tmp_path / "held.txt")])
    assert missing.func(missing) == 2


def test_a_folder_with_both_files_is_scored_with_the_model_file_the_shards_were_made_with(tmp_path):
    import sentencepiece as spm

    model = small_model()
    export_hf(model.state_dict(), model.args, tmp_path / "m", dtype="float32")
    char_tokenizer_json(tmp_path / "m" / "tokenizer.json", TEXT)
    spm.SentencePieceTrainer.train(sentence_iterator=iter([TEXT] * 20), model_prefix=str(tmp_path / "m" / "tokenizer"),
                                   model_type="char", vocab_size=len(set(TEXT)) + 3, bos_id=1, eos_id=2, unk_id=0,
                                   minloglevel=2)
    (tmp_path / "held.txt").write_text(TEXT, encoding="utf-8")
    row = evaluate_model(tmp_path / "m", [str(tmp_path / "held.txt")], device="cpu")
    assert row["tokenizer"] == str(tmp_path / "m" / "tokenizer.model")  # what `tokenizer eval` and tokenize load
    assert load_tokenizer(tmp_path / "m").path == tmp_path / "m" / "tokenizer.model"
    expected = bits_per_character(model, load_tokenizer(tmp_path / "m" / "tokenizer.model"), [TEXT], seq_len=64)
    assert row["bits_per_char"] == pytest.approx(expected["bits_per_char"], rel=1e-6)
