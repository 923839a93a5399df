"""The noun-ratio rule on one MeCab pass (fugashi for datatrove's baselines: tests/test_benchmark_baselines.py)."""

from __future__ import annotations

from datatrove.data import Document

from filters.quality.analysis import analysis_of
from filters.quality.noun_ratio import NounRatioFilter, noun_ratio
from filters.quality.word_tokenizer import pos_counts


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
