"""My Number: check digit, and masked only with a context word (presidio context enhancement)."""

from __future__ import annotations

import pytest

from filters.pii.detector import PIIDetector
from filters.pii.my_number import check_digit, is_valid_my_number
from filters.pii.options import PIIOptions

VALID = "123456789018"  # the check digit of 12345678901 is 8 (worked example of the 総務省令 formula)


@pytest.fixture(scope="module")
def found():
    detector = PIIDetector()
    return lambda text: [(s.entity, text[s.start:s.end]) for s in detector.find(text)]


def test_check_digit_follows_the_ministry_formula():
    assert check_digit("12345678901") == 8
    assert is_valid_my_number(VALID) and is_valid_my_number("1234 5678 9018")
    assert not is_valid_my_number("123456789012")


@pytest.mark.parametrize("written", ["123456789018", "1234 5678 9018", "1234-5678-9018", "１２３４ ５６７８ ９０１８"])
@pytest.mark.parametrize("context", ["マイナンバー：", "個人番号（マイナンバー）は", "通知カードに記載の番号 ", "マイナンバーカード番号"])
def test_valid_number_with_a_context_word_is_masked(found, written, context):
    assert found(f"{context}{written}") == [("MY_NUMBER", written)]


@pytest.mark.parametrize("text", ["製造番号 123456789018", "注文番号：1234-5678-9018", "123456789018"])
def test_valid_number_without_context_is_not_masked(found, text):
    assert found(text) == []


def test_failing_check_digit_is_not_masked_even_in_context(found):
    assert found("マイナンバー：123456789012") == []


def test_context_needs_tokens_so_the_noop_engine_misses_it():
    noop = PIIDetector(PIIOptions(nlp_engine="noop"))
    assert noop.find(f"マイナンバー：{VALID}") == []
