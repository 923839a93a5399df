"""fugashi as datatrove's Japanese word tokenizer, and the noun-ratio rule on one MeCab pass."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.utils.text import split_into_words
from datatrove.utils.word_tokenizers import load_word_tokenizer

from filters.quality.analysis import analysis_of
from filters.quality.noun_ratio import NounRatioFilter, noun_ratio
from filters.quality.word_tokenizer import FugashiWordTokenizer, pos_counts, register_japanese_word_tokenizer


def test_registration_makes_datatrove_use_fugashi_for_japanese():
    register_japanese_word_tokenizer()
    for code in ("ja", "jpn", "jpn_Jpan"):
        assert isinstance(load_word_tokenizer(code), FugashiWordTokenizer)
    assert split_into_words("今日は良い天気です。", "jpn_Jpan") == ["今日", "は", "良い", "天気", "です", "。"]


def test_sentence_spans_cover_the_sentences():
    text = "一文目です。二文目！\n三文目"
    spans = FugashiWordTokenizer().span_tokenize(text)
    assert [text[a:b] for a, b in spans] == ["一文目です。", "二文目！", "三文目"]


def test_pos_counts_come_from_one_mecab_pass():
    counts = pos_counts("今日は良い天気です。リンゴ・オレンジ")
    assert counts["名詞"] == 4 and counts["補助記号"] == 2 and counts["助詞"] == 1


def test_noun_salad_is_dropped_and_prose_is_kept():
    # HojiChar's own examples for DiscardTooManyNouns
    assert noun_ratio(analysis_of("リンゴ・オレンジ・ミカン・バナナ セール中")) >= 0.8
    assert noun_ratio(analysis_of("今日の仙台朝市ではリンゴがセール中")) < 0.8
    f = NounRatioFilter()
    salad = Document(text="リンゴ・オレンジ・ミカン・バナナ セール中", id="web/1", metadata={"source": "web"})
    assert f.filter(salad) == (False, "max_noun_ratio")
    prose = Document(text="自然言語処理が大好きで、毎日少しずつ勉強しています。", id="web/2", metadata={"source": "web"})
    assert f.filter(prose) is True


def test_long_texts_go_to_mecab_in_pieces_cut_at_line_breaks():
    from filters.quality.word_tokenizer import _pieces

    text = ("一行目です。\n" * 5000) + "あ" * 45_000
    pieces = list(_pieces(text, size=20_000))
    assert "".join(pieces) == text
    assert all(len(p) <= 20_000 for p in pieces)
    assert all(p.endswith("\n") for p in pieces[:1])
    assert pos_counts("あ" * 50_000)  # one 50k-character "sentence" would be a single lattice
