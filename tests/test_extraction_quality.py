"""Extraction quality against the gold files, and the metric itself."""

from __future__ import annotations

import pytest

from filters.web.extraction import extract_text
from filters.web.extraction_quality import bigram_f1, load_gold


def test_bigram_f1_is_one_for_identical_and_zero_for_disjoint_texts():
    assert bigram_f1("日本語の文章", "日本語の 文章\n").f1 == 1.0
    assert bigram_f1("あいうえお", "かきくけこ").f1 == 0.0
    half = bigram_f1("日本語の文章です。余計な部分", "日本語の文章です。")
    assert half.recall == 1.0 and 0.4 < half.precision < 0.8


@pytest.fixture(scope="module")
def gold(shared_data):
    return load_gold(shared_data / "web")


def test_default_extractor_matches_the_japanese_gold_pages(gold):
    scores = {name: bigram_f1(extract_text(page), text).f1 for name, lang, page, text in gold if lang == "ja"}
    assert len(scores) == 4
    # measured 0.90-1.00 per page, mean 0.95 (datatrove's trafilatura settings: mean 0.95)
    assert min(scores.values()) >= 0.85, scores
    assert sum(scores.values()) / len(scores) >= 0.93, scores


def test_edge_trimming_improves_precision_on_the_gold_pages(gold):
    trimmed = [bigram_f1(extract_text(page), text).precision for _, lang, page, text in gold if lang == "ja"]
    untrimmed = [bigram_f1(extract_text(page, trim=False), text).precision for _, lang, page, text in gold if lang == "ja"]
    assert sum(trimmed) > sum(untrimmed)
