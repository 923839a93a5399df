"""The shared per-document analysis: character classes, sentences, one analysis per text."""

from __future__ import annotations

from filters.quality.analysis import analysis_of


def test_character_classes_of_mixed_japanese_text():
    a = analysis_of("ひらがなカタカナー漢字々。ABC 123\u3000ｱｲ�")
    counts = a.class_counts
    assert counts["hiragana"] == 4
    assert counts["katakana"] == 5 + 2  # カタカナー and half-width ｱｲ
    assert counts["kanji"] == 3  # 漢字々
    assert counts["ja_punct"] == 1
    assert counts["latin"] == 3 and counts["digit"] == 3
    assert counts["space"] == 2 and counts["replacement"] == 1
    assert a.letters == len(a.text) - 2


def test_fractions_are_over_non_whitespace_characters():
    a = analysis_of("あい うえ\nアイ")
    assert a.fraction("hiragana") == 4 / 6
    assert a.fraction("katakana") == 2 / 6


def test_sentences_end_at_terminal_punctuation_closing_brackets_or_line_breaks():
    a = analysis_of("「行くよ。」と彼は言った！本当に？\n見出しだけの行\n最後の文。")
    assert a.sentences == ["「行くよ。」", "と彼は言った！", "本当に？", "見出しだけの行", "最後の文。"]
    assert a.terminal_runs == 4


def test_paragraphs_are_non_empty_stripped_lines():
    assert analysis_of("  一行目  \n\n二行目\n").paragraphs == ["一行目", "二行目"]


def test_the_same_text_gets_the_same_analysis_and_a_changed_text_a_new_one():
    text = "同じ文書を二つのルールが見る。"
    first = analysis_of(text)
    assert analysis_of(text) is first
    assert analysis_of(text + "追記") is not first


def test_a_figure_is_measured_once_per_text():
    calls = []

    def measure(a):
        calls.append(1)
        return a.letters

    a = analysis_of("数える回数を確かめる文。")
    assert a.figure(measure) == a.figure(measure) == a.letters
    assert len(calls) == 1


def test_character_classes_from_the_lookup_table_equal_the_ranges_for_every_code_point():
    import numpy as np

    from filters.quality.analysis import _CLASSES, _STARTS, TextAnalysis

    every = np.arange(0x110000, dtype=np.uint32)
    by_range = _CLASSES[np.searchsorted(_STARTS, every, side="right") - 1]
    for codepoints in (every, every[:0x10000]):  # with and without characters beyond the BMP
        a = TextAnalysis("")
        a.codepoints = codepoints  # the cached property is set directly: no text has every code point
        assert (a.char_classes == by_range[: codepoints.size]).all()


def test_terminal_runs_equal_the_regex_count():
    import random
    import re

    rng = random.Random(4)
    pieces = ["。", "！", "？", "!", "?", "」", "あ", "\n", " ", "𝐀", "\uffff", "…"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert analysis_of(text).terminal_runs == len(re.findall(r"[。！？!?]+", text)), text


def test_prose_is_the_sentences_that_end_in_a_terminal_mark():
    a = analysis_of("見出し\n「行くよ。」と彼は言った！\n作品リスト\n東京都千代田区\n最後の文。")
    assert a.prose_sentences == ["「行くよ。」", "と彼は言った！", "最後の文。"]
    assert a.prose_fraction == len("「行くよ。」と彼は言った！最後の文。") / len("見出し「行くよ。」と彼は言った！作品リスト東京都千代田区最後の文。")
    assert a.prose.text == "「行くよ。」\nと彼は言った！\n最後の文。"


def test_a_page_without_sentence_ends_has_no_prose():
    a = analysis_of("ホーム\n会社概要\nお問い合わせ")
    assert a.prose_sentences == [] and a.prose_fraction == 0.0
    assert analysis_of("").prose_fraction == 0.0
