"""Card numbers: issuer ranges, lengths, Luhn, common groupings."""

from __future__ import annotations

import pytest

from filters.pii.credit_card import is_card_number, luhn_ok
from filters.pii.detector import PIIDetector


@pytest.fixture(scope="module")
def found():
    detector = PIIDetector()
    return lambda text: [(s.entity, text[s.start:s.end]) for s in detector.find(text)]


@pytest.mark.parametrize("number", [
    "4111-1111-1111-1111", "4111 1111 1111 1111", "4111111111111111", "5555555555554444",
    "3530111333300000", "3782 822463 10005", "３５３０ １１１３ ３３３０ ００００", "30569309025904",
])
def test_test_card_numbers_of_each_scheme_are_found(found, number):
    assert found(f"カード番号：{number}") == [("CREDIT_CARD", number)]


def test_luhn():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


@pytest.mark.parametrize("digits", [
    "4111111111111112",   # Luhn fails
    "9111111111111111",   # no issuer starts with 9
    "4901234567894",      # a JAN code: 13 digits starting 49, which Visa no longer issues
    "1234567812345670",   # Luhn-valid, no issuer
])
def test_numbers_outside_issuer_ranges_or_failing_luhn_are_refused(digits):
    assert not is_card_number(digits)


def test_jan_code_in_text_is_not_masked(found):
    assert found("JANコード：4901234567894") == []
