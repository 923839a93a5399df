"""Japanese phone numbers in every common writing, validated by phonenumbers."""

from __future__ import annotations

import pytest

from filters.pii.detector import PIIDetector
from filters.pii.phone import phone_score


@pytest.fixture(scope="module")
def found():
    detector = PIIDetector()
    return lambda text: [(s.entity, text[s.start:s.end]) for s in detector.find(text)]


@pytest.mark.parametrize("number", [
    "03-1234-5678", "090-1234-5678", "0120-123-456", "0166-12-3456", "050-1234-5678",
    "(03)1234-5678", "（03）1234-5678", "03(1234)5678", "０３－１２３４－５６７８", "03ー1234ー5678",
    "+81-3-1234-5678", "+81 90 1234 5678", "+81 (0)3-1234-5678", "03 1234 5678", "03.1234.5678",
    "09012345678", "+44 20 7946 0958",
])
def test_every_common_writing_is_found_whole(found, number):
    assert found(f"お店の番号は{number}です") == [("PHONE", number)]


@pytest.mark.parametrize("text", [
    "2024-01-15に公開", "シリアル番号 1234-5678-9012", "価格 12,800円", "営業時間 10:00-18:00",
    "ISBN978-4-06-123456-7", "011-100-0000 は欠番",
])
def test_look_alikes_that_are_no_valid_number_stay(found, text):
    assert [e for e, _ in found(text) if e == "PHONE"] == []


def test_grouping_against_the_numbering_plan_needs_a_context_word(found):
    assert found("製品コード 031-234-5678") == []
    assert found("電話 031-234-5678") == [("PHONE", "031-234-5678")]


def test_score_reflects_validity_and_grouping():
    assert phone_score("03-1234-5678") == 0.9
    assert phone_score("0312345678") == 0.55
    assert phone_score("031-234-5678") == 0.45
    assert phone_score("1234-5678-9012") == 0.0


def test_number_inside_a_longer_digit_run_is_not_cut_out(found):
    assert found("伝票 103-1234-56789") == []


@pytest.mark.parametrize("text", [
    "シリアル 0312345678", "部品番号 0120-123-456", "受付番号は 0120-345-678 です", "会員ID 08012345678",
    "お問い合わせ番号：0312-4455-12", "管理番号 06-1234-5678", "注文No. 0312345678",
])
def test_a_number_labelled_as_a_serial_is_no_phone_number(found, text):
    assert found(text) == []


@pytest.mark.parametrize("text, number", [
    ("電話番号 0120-123-456", "0120-123-456"), ("代表番号：03-3211-4455", "03-3211-4455"),
    ("TEL（0422）51-6678", "（0422）51-6678"), ("お問い合わせ 0120-345-678", "0120-345-678"),
])
def test_phone_labels_and_brackets_keep_the_number(found, text, number):
    assert found(text) == [("PHONE", number)]
