"""The detector: windows around triggers, overlap merging, allow list, window = whole text."""

from __future__ import annotations

import random

from filters.pii.detector import PIIDetector, PIISpan, merge_overlaps
from filters.pii.options import PIIOptions


def test_text_without_triggers_opens_no_window():
    detector = PIIDetector()
    assert detector.windows("今日は良い天気です。2024年1月15日。") == []


def test_windows_cover_the_trigger_and_never_cut_an_address_or_number():
    detector = PIIDetector()
    address = "taro@" + ".".join(["abcdefghij"] * 9) + ".example.jp"  # 110 characters after the @
    text = "前置き" * 30 + f" {address} " + "後書き" * 30
    (start, end), = detector.windows(text)
    assert start <= text.index(address) and text.index(address) + len(address) <= end
    assert [text[s.start:s.end] for s in detector.find(text)] == [address]


def test_overlapping_spans_merge_into_their_union_typed_by_the_longest():
    spans = [PIISpan(10, 30, "URL_CREDENTIALS", 0.9), PIISpan(15, 30, "EMAIL", 1.0), PIISpan(40, 45, "PHONE", 0.9),
             PIISpan(44, 50, "POSTAL_CODE", 0.9)]
    assert merge_overlaps(spans) == [PIISpan(10, 30, "URL_CREDENTIALS", 0.9), PIISpan(40, 50, "POSTAL_CODE", 0.9)]


def test_allow_list_keeps_exact_strings():
    detector = PIIDetector(PIIOptions(allow_list=["support@example.jp"]))
    text = "support@example.jp と taro@example.jp"
    assert [text[s.start:s.end] for s in detector.find(text)] == ["taro@example.jp"]


def test_precheck_finds_the_same_spans_as_whole_text_analysis():
    rng = random.Random(3)
    pieces = ["お問い合わせは03-1234-5678まで。", "info@example.co.jp", "〒100-0005 東京都千代田区丸の内1-9-1",
              "自宅は東京都文京区本郷二丁目40番14号山崎ビル401号室です。", "本社を置く", "に所在する小学校。", "シリアル ",
              "マイナンバー：123456789018", "カード 4111-1111-1111-1111", "普通 1234567", "IP 192.0.2.1",
              "2024年1月15日の記事です。", "価格は12,800円。", "\n", "吾輩は猫である。名前はまだ無い。" * 3]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(200)]
    fast, whole = PIIDetector(), PIIDetector(PIIOptions(precheck=False))
    for text in texts:
        assert fast.find(text) == whole.find(text), text
