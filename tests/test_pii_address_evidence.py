"""Whose address: person words, facility words, or neither (filters/pii/address_evidence.py)."""

from __future__ import annotations

import pytest

from filters.pii.address_evidence import EVIDENCE_CHARS, address_owner, context_around

ADDRESS = "東京都港区芝浦三丁目1番1号"


def owner(before: str, after: str) -> str:
    text = before + ADDRESS + after
    return address_owner(text, len(before), len(before) + len(ADDRESS))


@pytest.mark.parametrize("before, after", [("自宅：", ""), ("", "にお住まいの方"), ("お届け先 ", " 様"), ("転居先は", "です")])
def test_person_words_make_it_a_persons_address(before, after):
    assert owner(before, after) == "person"


@pytest.mark.parametrize("before, after", [("本社所在地：", ""), ("", "に本社を置く"), ("浜松市立図書館（", "）"),
                                           ("", "にある公立小学校"), ("会場：", "（最寄り駅から徒歩5分）")])
def test_facility_words_make_it_an_organisations_address(before, after):
    assert owner(before, after) == "facility"


def test_nothing_said_is_unknown():
    assert owner("住所：", "です。") == "unknown"


def test_person_words_win_over_facility_words():
    assert owner("自宅兼事務所：", "") == "person"


def test_words_inside_the_span_are_not_evidence():
    text = "住所：京都市下京区寺町通駅前1-2-3です"  # 寺 and 駅 belong to the town's name
    start = text.index("京都市")
    assert address_owner(text, start, text.index("です")) == "unknown"


def test_evidence_is_read_only_within_the_window_and_block():
    far = "本社" + "あ" * EVIDENCE_CHARS
    assert owner(far, "") == "unknown"
    assert context_around("本社\n\n" + ADDRESS, 4, 4 + len(ADDRESS))[0] == ""
