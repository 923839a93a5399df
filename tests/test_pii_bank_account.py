"""Bank accounts, found through the labels that stand before them; only digits masked."""

from __future__ import annotations

import pytest

from filters.pii.detector import PIIDetector


@pytest.fixture(scope="module")
def found():
    detector = PIIDetector()
    return lambda text: [(s.entity, text[s.start:s.end]) for s in detector.find(text)]


@pytest.mark.parametrize("text, digits", [
    ("振込先：みずほ銀行 渋谷支店 普通 1234567", "1234567"),
    ("口座番号：0123456", "0123456"),
    ("口座番号は1234567です", "1234567"),
    ("三井住友銀行 梅田支店 (普)7654321", "7654321"),
    ("当座預金 1112223", "1112223"),
    ("普通預金口座 １２３４５６７", "１２３４５６７"),
    ("ゆうちょ銀行 記号12345 番号12345671", "12345 番号12345671"),
])
def test_labelled_account_numbers_are_masked_label_kept(found, text, digits):
    assert found(text) == [("BANK_ACCOUNT", digits)]


@pytest.mark.parametrize("text", ["普通の人が1234567円を得た", "会員番号 1234567", "口座を開設した2024年"])
def test_seven_digits_without_an_account_label_stay(found, text):
    assert [e for e, _ in found(text) if e == "BANK_ACCOUNT"] == []
