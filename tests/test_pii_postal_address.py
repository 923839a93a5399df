"""Postal codes and street addresses (prefecture + municipality + block numbers)."""

from __future__ import annotations

import pytest

from filters.pii.detector import PIIDetector


@pytest.fixture(scope="module")
def found():
    detector = PIIDetector()
    return lambda text: [(s.entity, text[s.start:s.end]) for s in detector.find(text)]


@pytest.mark.parametrize("text, code", [
    ("〒100-0005", "100-0005"), ("〒1000005", "1000005"), ("〒 100-0005", "100-0005"),
    ("郵便番号：１００－０００５", "１００－０００５"), ("郵便番号は100-0005です", "100-0005"),
    ("住所 100-0005", "100-0005"),
])
def test_postal_code_after_mark_label_or_context_is_masked_without_the_mark(found, text, code):
    assert found(text) == [("POSTAL_CODE", code)]


def test_bare_seven_digits_with_a_hyphen_need_context(found):
    assert found("品番 100-0005") == []


@pytest.mark.parametrize("address", [
    "東京都千代田区丸の内一丁目9番1号", "東京都港区南麻布１丁目３－１７", "大阪府高槻市八丁西町８番２１号",
    "神奈川県横浜市西区みなとみらい６丁目３－４", "京都府京都市下京区坂東屋町２７６", "北海道札幌市中央区北1条西2丁目",
    "香川県仲多度郡まんのう町勝浦家六２０９４番地１", "兵庫県宝\ufa10市東洋町1番1号",  # a CJK compatibility ideograph, as in geolonia's file
    "品川区大井６−２１−６", "堺市北区新金岡町4丁1-8",
])
def test_street_address_is_masked_whole(found, address):
    assert found(f"所在地：{address}にて") == [("ADDRESS", address)]


def test_postal_code_then_address_are_two_spans(found):
    text = "〒100-0005 東京都千代田区丸の内1-9-1"
    assert found(text) == [("POSTAL_CODE", "100-0005"), ("ADDRESS", "東京都千代田区丸の内1-9-1")]


@pytest.mark.parametrize("text", [
    "東京都千代田区に本社を置く", "市川市で2番目に大きい", "港区では3人が", "大阪市の20代", "関東地区５７箇所",
    "福岡市東区の国道３号線", "戦災復興土地区画整理事業北第1工区", "さいたま市民漫画展２０１０", "新宿区3年ぶり",
])
def test_places_counts_roads_and_ordinals_are_not_addresses(found, text):
    assert found(text) == []
