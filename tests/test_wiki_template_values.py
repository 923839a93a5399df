"""Value templates rendered from their own arguments, or HOLE when the value lives elsewhere."""

from __future__ import annotations

import pytest

from filters.wiki.holes import HOLE
from filters.wiki.template_values import (convert, coordinates, country, date_template, expr, formatnum,
                                          magic_variable, parser_function)


def test_formatnum_groups_digits_and_passes_other_text():
    assert formatnum("1234567.5") == "1,234,567.5"
    assert formatnum("-15275") == "-15,275"
    assert formatnum("約") == "約"
    assert formatnum(f"{HOLE}") == HOLE


def test_expr_computes_literal_arithmetic_only():
    assert expr("1 + 2 * 3") == "7"
    assert expr("10 / 4") == "2.5"
    assert expr(f"{HOLE} + 3") == HOLE
    assert expr("1234 / 5 round 1") == HOLE  # MediaWiki operators we do not evaluate
    assert expr("1 / 0") == HOLE


def test_parser_functions_if_ifeq_and_unknowable_ones():
    assert parser_function("#if", "x", ["yes", "no"]) == "yes"
    assert parser_function("#if", "", ["yes", "no"]) == "no"
    assert parser_function("#ifeq", "a", ["a", "same", "other"]) == "same"
    assert parser_function("#invoke", "Foo", []) == HOLE
    assert parser_function("#tag", "ref", ["note"]) == ""


def test_dates_and_ages_at_death():
    assert date_template("生年月日と年齢", ["1961", "11", "23"]) == "1961年11月23日"
    assert date_template("没年齢", ["1935", "1", "8", "1977", "8", "16"]) == "（42歳没）"
    assert date_template("没年齢", ["1935", "9", "14", "2008", "8", "2"]) == "（72歳没）"
    assert date_template("死亡年月日と没年齢", ["1632", "11", "24", "1677", "2", "21"]) == "1677年2月21日（44歳没）"
    assert date_template("没年齢", ["1935"]) == HOLE
    assert date_template("cite web", []) is None


def test_coordinates_render_in_japanese_or_not_at_all_beside_the_title():
    assert coordinates("ウィキ座標度分秒", "33 17 03 N 044 15 22 E".split(), {}) == "北緯33度17分3秒 東経44度15分22秒"
    assert coordinates("coord", ["33", "22", "", "N", "38", "47", "", "E"], {"display": "inline"}) == "北緯33度22分 東経38度47分"
    assert coordinates("coord", ["35.5", "-139.25"], {}) == "北緯35.5度 西経139.25度"
    assert coordinates("coord", ["30", "2", "N", "31", "13", "E"], {"display": "title"}) == ""
    assert coordinates("infobox", [], {}) is None


def test_convert_shows_the_value_and_unit_as_written():
    assert convert(["100", "km", "mi"]) == "100 km"
    assert convert(["1", "to", "2", "m"]) == "1–2 m"
    assert convert([]) == HOLE


def test_country_codes_show_the_short_name():
    assert country("JPN", []) == "日本"
    assert country("KOR", []) == "韓国"
    assert country("ZZZ", []) is None
    assert country("JPN", ["1870"]) is None  # a historical flag variant


@pytest.mark.parametrize(("name", "expected"), [("currentyear", "2022"), ("currentmonth", "04"), ("currentday", "3")])
def test_current_date_words_read_as_when_the_revision_was_saved(name, expected):
    assert magic_variable(name, "2022-04-03T02:25:36Z") == expected


def test_current_date_without_revision_date_and_wiki_counters_are_unknown():
    assert magic_variable("currentyear", None) == HOLE
    assert magic_variable("numberofarticles", "2022-04-03") == HOLE
    assert magic_variable("reflist", "2022-04-03") is None
