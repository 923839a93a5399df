"""tokenizer.train and tokenizer.presegment: SentencePiece settings that matter for Japanese."""

from __future__ import annotations

import re

import pytest
import sentencepiece as spm

from tokenizer.presegment import DELIMITER, MecabSegmenter
from tokenizer.sampling import split_sentences
from tokenizer.train import TrainConfig, config_record, jis_chars, train_sentencepiece


@pytest.fixture(scope="module")
def bocchan(shared_data) -> list[str]:
    text = (shared_data / "text" / "aozora_bocchan_natsume-soseki.txt").read_text(encoding="utf-8")
    return split_sentences(text)


def test_jis_set_holds_kana_both_kanji_levels_and_ascii():
    chars = jis_chars()
    assert len(chars) == 6879 + 94 + 63  # JIS X 0208, printable ASCII, half-width katakana
    assert " " not in chars  # SentencePiece refuses a space among required characters
    for c in "あアー漢亜腕蘚熙、。＃Ａ\u3000aZ9~ｱﾟ":
        assert c in chars
    assert "𠮷" not in chars and "髙" not in chars  # outside JIS X 0208


@pytest.mark.parametrize("model_type", ["bpe", "unigram"])
def test_trained_model_round_trips_and_keeps_newline_digits_and_unseen_kanji(tmp_path, bocchan, model_type):
    model = train_sentencepiece(bocchan[:1500], tmp_path / "m", TrainConfig(model_type=model_type, vocab_size=8000))
    sp = spm.SentencePieceProcessor(model_file=str(model))
    text = "坊っちゃんは１２３円と2024年に\n蘚苔を見た。 Hello ｶﾀｶﾅ"
    ids = sp.encode(text)
    assert sp.decode(ids) == text
    pieces = sp.encode(text, out_type=str)
    assert "\n" in pieces  # one piece, not a byte fallback
    assert {"2", "0", "4"} <= set(pieces) and "2024" not in pieces
    assert "蘚" in pieces and "苔" in pieces  # JIS kanji never seen in the sample still have pieces
    assert not any(p.startswith("<0x") for p in pieces)
    assert sp.id_to_piece(0) == "<unk>" and sp.bos_id() == 1 and sp.eos_id() == 2


def test_without_required_charset_unseen_kanji_fall_back_to_bytes(tmp_path, bocchan):
    model = train_sentencepiece(bocchan[:1500], tmp_path / "m", TrainConfig(vocab_size=8000, required_charset="none"))
    pieces = spm.SentencePieceProcessor(model_file=str(model)).encode("蘚", out_type=str)
    assert pieces == ["<0xE8>", "<0x98>", "<0x9A>"]


def test_identity_normalization_keeps_full_width_text_exact_while_nfkc_does_not(tmp_path, bocchan):
    text = "ＡＢＣ１２３　全角"
    small = dict(vocab_size=4000, required_charset="none")
    exact = spm.SentencePieceProcessor(model_file=str(train_sentencepiece(bocchan[:800], tmp_path / "id", TrainConfig(**small))))
    folded = spm.SentencePieceProcessor(model_file=str(train_sentencepiece(
        bocchan[:800], tmp_path / "nfkc", TrainConfig(normalization="nmt_nfkc", **small))))
    assert exact.decode(exact.encode(text)) == text
    assert folded.decode(folded.encode(text)) != text


def test_mecab_segmenter_only_inserts_delimiters():
    seg = MecabSegmenter()
    sentence = "　吾輩は猫である。名前は Hello  world まだ無い。"
    out = seg.segment(sentence)
    assert out.replace(DELIMITER, "") == sentence
    assert out.split(DELIMITER)[:4] == ["\u3000", "吾輩", "は", "猫"]


def test_pre_segmented_training_learns_no_piece_that_spans_two_mecab_words(tmp_path, bocchan):
    sentences = bocchan[:1500]
    seg = MecabSegmenter()
    words = {w for s in sentences for w in seg.segment(s).split(DELIMITER)}
    config = dict(model_type="bpe", vocab_size=6000, required_charset="none")

    def spanning(model) -> list[str]:
        sp = spm.SentencePieceProcessor(model_file=str(model))
        pieces = [sp.id_to_piece(i).replace("▁", " ") for i in range(sp.get_piece_size())
                  if not (sp.is_control(i) or sp.is_byte(i) or sp.is_unknown(i))]
        return [p for p in pieces if len(p) > 1 and p.strip() and not any(p in w for w in words)]

    plain = spanning(train_sentencepiece(sentences, tmp_path / "plain", TrainConfig(**config)))
    segmented = spanning(train_sentencepiece(sentences, tmp_path / "seg", TrainConfig(pre_segment=True, **config)))
    assert len(plain) > 100  # e.g. "した。", "ている": plain BPE merges across words
    assert segmented == []


def test_config_rejects_bad_values_and_records_the_sentencepiece_flags():
    with pytest.raises(ValueError):
        TrainConfig(vocab_size=4)
    with pytest.raises(ValueError):
        TrainConfig(character_coverage=0.5)
    with pytest.raises(ValueError, match="required_charset"):
        TrainConfig(vocab_size=4000)  # smaller than the JIS characters it must hold
    record = config_record(TrainConfig(pre_segment=True))
    assert record["sentencepiece"]["pretokenization_delimiter"] == DELIMITER
    assert record["sentencepiece"]["normalization_rule_name"] == "identity"
    assert re.fullmatch(r"\n", record["user_defined_symbols"][0])
