"""tokenizer.hf_export: the tokenizer.json encodes exactly like the SentencePiece model."""

from __future__ import annotations

import json

import pytest
import sentencepiece as spm
from tokenizers import Tokenizer

from tokenizer.hf_export import bpe_merges, check_identical, export_tokenizer_json, load_model_proto
from tokenizer.sampling import split_sentences
from tokenizer.train import TrainConfig, train_sentencepiece

EDGE_CASES = [
    "", " ", "  leading spaces", "trailing  ", "a\nb\n\nc ", "\n\n x", "タブ\tと　全角空白",
    "literal <s> and </s> and <unk> and <0x41>", "😀 emoji 𠮷野家 髙島屋", "2024年１２月", "Hello  world",
]


@pytest.fixture(scope="module")
def texts(shared_data) -> list[str]:
    web = [json.loads(line)["text"] for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]
    novel = (shared_data / "text" / "aozora_lemon_kajii-motojiro.txt").read_text(encoding="utf-8").split("\n")
    return web[:1500] + novel + EDGE_CASES


@pytest.mark.parametrize("name", ["llama2.model", "llm-jp-tokenizer-100k.ver3.0b1.model", "code20K_en40K_ja60K.ver2.2.model"])
def test_released_models_export_to_identical_tokenizer_json(tmp_path, shared_data, texts, name):
    model = shared_data / "tokenizers" / name
    out = export_tokenizer_json(model, tmp_path / "tokenizer.json")
    result = check_identical(model, out, texts)
    assert result["identical"], result
    assert result["texts"] == len(texts)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, shared_data) -> dict:
    text = (shared_data / "text" / "aozora_bocchan_natsume-soseki.txt").read_text(encoding="utf-8")
    folder = tmp_path_factory.mktemp("models")
    return {
        model_type: train_sentencepiece(split_sentences(text)[:1500], folder / model_type, TrainConfig(model_type=model_type, vocab_size=9000))
        for model_type in ("bpe", "unigram")
    }


@pytest.mark.parametrize("model_type", ["bpe", "unigram"])
def test_our_models_export_identically_and_decode_back(tmp_path, trained, texts, model_type):
    model = trained[model_type]
    out = export_tokenizer_json(model, tmp_path / "tokenizer.json")
    assert check_identical(model, out, texts)["identical"]
    hf = Tokenizer.from_file(str(out))
    for text in ["吾輩は猫である。\n名前はまだ無い。", "坊っちゃん 2024"]:
        assert hf.decode(hf.encode(text, add_special_tokens=False).ids) == text


def test_literal_control_token_text_is_not_encoded_as_a_control_id(tmp_path, shared_data):
    model = shared_data / "tokenizers" / "llama2.model"
    hf = Tokenizer.from_file(str(export_tokenizer_json(model, tmp_path / "tokenizer.json")))
    ids = hf.encode("a</s>b<s>", add_special_tokens=False).ids
    assert 1 not in ids and 2 not in ids
    assert hf.token_to_id("</s>") == 2  # but the id keeps its name


def test_tokenizer_config_names_the_special_tokens(tmp_path, trained):
    export_tokenizer_json(trained["bpe"], tmp_path / "tokenizer.json")
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert config["bos_token"] == "<s>" and config["eos_token"] == "</s>" and config["unk_token"] == "<unk>"


def test_bpe_merges_follow_piece_scores(trained):
    proto = load_model_proto(trained["bpe"])
    score = {p.piece: p.score for p in proto.pieces}
    merges = bpe_merges(proto)
    assert merges, "a BPE model has merges"
    ordered = [score[a + b] for a, b in merges]
    assert ordered == sorted(ordered, reverse=True)


def test_identity_check_reports_a_disagreement(tmp_path, trained, shared_data):
    other = export_tokenizer_json(shared_data / "tokenizers" / "llama2.model", tmp_path / "tokenizer.json")
    result = check_identical(trained["bpe"], other, ["坊っちゃん"])
    assert not result["identical"] and result["mismatched"] == 1
    assert spm.SentencePieceProcessor(model_file=str(trained["bpe"])).get_piece_size() > 7036
