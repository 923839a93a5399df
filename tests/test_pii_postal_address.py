"""Postal codes and street addresses (prefecture + municipality + town + lot number), people's only."""

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
    "神奈川県横浜市西区みなとみらい６丁目３－４", "京都府京都市下京区坂東屋町２７６", "北海道札幌市中央区北1条西2丁目5-3",
    "香川県仲多度郡まんのう町勝浦家六２０９４番地１", "兵庫県宝\ufa10市東洋町1番1号",  # a CJK compatibility ideograph, as in geolonia's file
    "品川区大井６−２１−６", "堺市北区新金岡町4丁1-8", "千代田区四番町6番地", "埼玉県さいたま市浦和区常盤9丁目30番22号",
    "東京都中央区勝どき６丁目７－３", "東京都新宿区山吹町７",
])
def test_street_address_is_masked_whole(found, address):
    assert found(f"住所：{address}です") == [("ADDRESS", address)]


@pytest.mark.parametrize("text", [
    "東京都墨田区横網一丁目にある", "新宿区新宿二丁目の飲食店", "徳島市一番町の商店街", "北海道札幌市中央区北1条西2丁目です",
    "私は世田谷区桜新町二丁目に住んでいます", "千代田区一番町に住む知人", "千代田区内にある1-2の",
])
def test_an_area_without_a_lot_number_is_not_masked(found, text):
    assert found(text) == []


@pytest.mark.parametrize("text, address", [
    ("元市議の自宅がある相模原市南区相模大野6丁目12番3号で火災", "相模原市南区相模大野6丁目12番3号"),
    ("区長の田中氏は自宅（品川区旗の台3-9-15）で", "品川区旗の台3-9-15"),
    ("市長の住まいは埼玉県さいたま市浦和区高砂3-15-1です", "埼玉県さいたま市浦和区高砂3-15-1"),
])
def test_span_starts_at_the_prefecture_or_municipality_never_before(found, text, address):
    assert found(text) == [("ADDRESS", address)]


def test_a_particle_after_the_lot_number_is_not_part_of_the_span(found):
    assert found("千葉県船橋市前原西2丁目13番地の自宅") == [("ADDRESS", "千葉県船橋市前原西2丁目13番地")]
    assert found("千葉県船橋市前原西2丁目13番地の5の自宅") == [("ADDRESS", "千葉県船橋市前原西2丁目13番地の5")]


def test_a_title_and_a_name_before_a_town_are_not_swallowed(found):
    assert found("江東区長の小松崎軍次が辰巳2丁目の埋立地への移転案を出した。") == []
    assert found("江東区長の小松崎軍次が辰巳2丁目3番地の自宅に") == []  # no municipality next to the lot


@pytest.mark.parametrize("address", [
    "東京都新宿区西新宿2-8-1 サンプルビル5F", "横浜市港北区日吉本町1丁目22-8 メゾン日吉301",
    "東京都文京区本郷二丁目40番14号山崎ビル401号室", "大阪府吹田市千里山西3丁目8-21 5階",
])
def test_building_floor_and_room_after_the_number_belong_to_the_span(found, address):
    assert found(f"お届け先：{address}　山田様") == [("ADDRESS", address)]


@pytest.mark.parametrize("text", [
    "兼六園は石川県金沢市兼六町1番4号に所在する都市公園である。",
    "株式会社サンプルは大阪府大阪市中央区本町2丁目5番7号に本社を置く。",
    "宝塚市立すみれガ丘小学校は、兵庫県宝塚市すみれガ丘1丁目3-1に所在する公立小学校。",
    "美術館図書館前駅は、福島県福島市森合字台3-5にある福島交通飯坂線の駅。",
    "甲斐善光寺に行ってきました。\n山梨県甲府市善光寺３−３６−１",
    "本社所在地：東京都港区芝浦三丁目1番1号",
])
def test_a_facility_or_company_address_is_not_masked(found, text):
    assert [e for e, _ in found(text) if e == "ADDRESS"] == []


def test_person_words_win_over_facility_words(found):
    text = "自宅兼事務所：東京都杉並区阿佐谷北1-23-4"
    assert found(text) == [("ADDRESS", "東京都杉並区阿佐谷北1-23-4")]


def test_postal_code_then_address_are_two_spans(found):
    text = "〒100-0005 東京都千代田区丸の内1-9-1"
    assert found(text) == [("POSTAL_CODE", "100-0005"), ("ADDRESS", "東京都千代田区丸の内1-9-1")]
    text = "郵便番号は342-0011。"  # a postal code is masked wherever it stands (docs/pii.md)
    assert found(text) == [("POSTAL_CODE", "342-0011")]


@pytest.mark.parametrize("text", [
    "東京都千代田区に本社を置く", "市川市で2番目に大きい", "港区では3人が", "大阪市の20代", "関東地区５７箇所",
    "福岡市東区の国道３号線", "戦災復興土地区画整理事業北第1工区", "さいたま市民漫画展２０１０", "新宿区3年ぶり",
])
def test_places_counts_roads_and_ordinals_are_not_addresses(found, text):
    assert found(text) == []
