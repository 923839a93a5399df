"""A value the page cannot give takes its bracket, clause or sentence with it; category
pointers go with their sentence."""

from __future__ import annotations

from collections import Counter

from filters.wiki.holes import HOLE, NAV, repair


def fixed(text: str) -> tuple[str, Counter]:
    counts: Counter = Counter()
    return repair(text, counts), counts


def test_bracket_holding_the_value_goes_whole():
    out, counts = fixed(f"秋田周辺地域（{HOLE}人）の市町村。")
    assert out == "秋田周辺地域の市町村。"
    assert counts == {"brackets_dropped": 1}


def test_clause_goes_when_a_later_clause_carries_the_sentence():
    out, counts = fixed(f"面積は{HOLE}km2で、日本の都道府県としては、北海道に次いで2番目に広い。県の人口は多い。")
    assert out == "日本の都道府県としては、北海道に次いで2番目に広い。県の人口は多い。"
    assert counts == {"clauses_dropped": 1}


def test_sentence_goes_when_the_value_sits_in_its_last_clause():
    out, counts = fixed(f"前の文。以下の3市が属しており、管内の推計人口は{HOLE}人である。次の文。")
    assert out == "前の文。次の文。"
    assert counts == {"sentences_dropped": 1}


def test_one_clause_sentence_goes():
    out, counts = fixed(f"人口は{HOLE}現在。")
    assert out == ""
    assert counts == {"sentences_dropped": 1}


def test_commas_inside_brackets_do_not_split_clauses():
    out, _ = fixed(f"県は（東部、西部）に分かれ、人口は{HOLE}人である。")
    assert out == ""


def test_line_that_was_only_a_value_leaves_no_blank_line():
    out, counts = fixed(f"一行目。\n{HOLE}\n三行目。")
    assert out == "一行目。\n三行目。"
    assert counts == {}  # nothing but the value went: not counted as a dropped sentence


def test_category_pointer_sentence_and_bracket_go():
    out, counts = fixed(f"音楽家については{NAV}音楽関係者{NAV}を参照。次。\n局（{NAV}X局{NAV}を参照）がある。")
    assert out == "次。\n局がある。"
    assert counts == {"navigation_dropped": 2}


def test_category_link_used_as_a_word_keeps_its_text():
    out, counts = fixed(f"「{NAV}哲学{NAV}」・「人生観」などを意味する。")
    assert out == "「哲学」・「人生観」などを意味する。"
    assert counts == {}


def test_text_without_marks_is_untouched():
    text = "面積は15,275km2で、広い。"
    assert fixed(text) == (text, Counter())
