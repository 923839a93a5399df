"""benchmarks/baselines.py: datatrove configured to do our work, so speed ratios are fair."""

from __future__ import annotations

import numpy as np
import pytest
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.utils.hashing import HashConfig
from datatrove.utils.text import split_into_words
from datatrove.utils.word_tokenizers import load_word_tokenizer

from benchmarks.baselines import (
    CharacterTokenizer,
    FugashiWordTokenizer,
    datatrove_char_minhash,
    register_japanese_word_tokenizer,
)


def test_character_tokenizer_makes_datatroves_minhash_hash_character_5grams(tmp_path):
    assert CharacterTokenizer().word_tokenize("日本 語\nです") == ["日", "本", "語", "で", "す"]
    config = MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="sha1"))
    step = datatrove_char_minhash(str(tmp_path), config)
    text = "吾輩は猫である名前はまだ無い"
    assert len(step.get_shingles(text)) == len(text) - 4  # one shingle per character 5-gram
    # a one-character edit changes only the 5-grams that cover it: word n-grams would change fewer, all of a word
    edited = step.get_shingles("吾輩は犬である名前はまだ無い")
    assert len(np.setdiff1d(step.get_shingles(text), edited)) == 4  # 猫 sits in 4 of the 5-grams (position 3)


def test_only_the_configured_step_hashes_characters(tmp_path):
    config = MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="sha1"))
    datatrove_char_minhash(str(tmp_path), config)
    assert not isinstance(load_word_tokenizer("jpn"), CharacterTokenizer)


def test_registration_makes_datatrove_use_fugashi_for_japanese():
    assert register_japanese_word_tokenizer() is True
    for code in ("ja", "jpn", "jpn_Jpan"):
        assert isinstance(load_word_tokenizer(code), FugashiWordTokenizer)
    assert split_into_words("今日は良い天気です。", "jpn_Jpan") == ["今日", "は", "良い", "天気", "です", "。"]


def test_sentence_spans_cover_the_sentences():
    text = "一文目です。二文目！\n三文目"
    spans = FugashiWordTokenizer().span_tokenize(text)
    assert [text[a:b] for a, b in spans] == ["一文目です。", "二文目！", "三文目"]


def test_a_changed_tokenizer_table_is_not_patched(monkeypatch):
    from datatrove.utils import word_tokenizers

    monkeypatch.setattr(word_tokenizers, "load_tokenizer_assignments", lambda: ("not", "a", "dict"))
    with pytest.warns(RuntimeWarning, match="has changed"):
        assert register_japanese_word_tokenizer() is False
