"""Character n-gram repetition: the numpy version must equal the plain definitions."""

from __future__ import annotations

import json
import random
from collections import Counter

import numpy as np
import pytest

from filters.quality.char_ngrams import ngram_repetition


def codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def naive_top(text: str, n: int) -> float:
    grams = Counter(text[i : i + n] for i in range(len(text) - n + 1))
    return grams.most_common(1)[0][1] * n / len(text) if grams else 0.0


def naive_dup(text: str, n: int) -> float:
    """Characters covered by an n-gram occurrence that occurred earlier, / characters."""
    seen, covered = set(), [False] * len(text)
    for i in range(len(text) - n + 1):
        gram = text[i : i + n]
        if gram in seen:
            covered[i : i + n] = [True] * n
        seen.add(gram)
    return sum(covered) / len(text) if text else 0.0


def assert_matches_definitions(text: str) -> None:
    top, dup = ngram_repetition(codepoints(text))
    for n in (2, 3, 4):
        assert top[n] == pytest.approx(naive_top(text, n)), (n, text[:40])
    for n in range(5, 11):
        assert dup[n] == pytest.approx(naive_dup(text, n)), (n, text[:40])


@pytest.mark.parametrize("text", ["", "x", "ab", "abcd", "abcabcabd", "a" * 40, "ab" * 30, "あいうえお" * 3 + "かきくけこ"])
def test_edge_cases_match_the_plain_definitions(text):
    assert_matches_definitions(text)


def test_random_low_alphabet_strings_match_the_plain_definitions():
    rng = random.Random(7)
    for _ in range(200):
        assert_matches_definitions("".join(rng.choice("abc") for _ in range(rng.randint(0, 150))))


def test_real_japanese_web_text_matches_the_plain_definitions(shared_data):
    rows = [json.loads(line)["text"] for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]
    for start in range(0, 300, 30):
        assert_matches_definitions("".join(rows[start : start + 30]).replace("\n", ""))


def test_other_n_can_be_asked_for():
    text = "abcdefgh" * 5
    top, dup = ngram_repetition(codepoints(text), top_ns=(2, 6), dup_ns=(3, 12))
    assert top[6] == pytest.approx(naive_top(text, 6))
    assert dup[3] == pytest.approx(naive_dup(text, 3))
    assert dup[12] == pytest.approx(naive_dup(text, 12))


def test_a_pasted_block_counts_as_duplicate_and_fresh_text_does_not():
    block = "今日は朝から雨が降っていて、駅まで歩くのが大変だった。"
    fresh = "".join(chr(0x4E00 + i) for i in range(len(block)))  # no repeats at all
    _, dup_fresh = ngram_repetition(codepoints(fresh + block))
    _, dup_pasted = ngram_repetition(codepoints(block + block))
    assert dup_fresh[10] == 0.0
    assert dup_pasted[10] == pytest.approx(0.5)


def test_large_alphabets_and_long_texts_match_the_plain_definitions():
    # thousands of distinct characters need more bits per character, so fewer fit in one key
    # and the longer n-grams take two rounds of rank pairs; supplementary-plane characters
    # take the binary-search path for their ids
    rng = random.Random(11)
    kanji = [chr(0x4E00 + i) for i in range(6000)]
    for alphabet in (kanji, kanji[:40] + ["\U0001F600", "\U00020B9F", "𝐀"]):
        block = "".join(rng.choice(alphabet) for _ in range(400))
        for text in (block * 3 + "".join(rng.choice(alphabet) for _ in range(2500)), block[:50] * 9):
            assert_matches_definitions(text)


def test_any_n_up_to_many_rounds_matches_the_plain_definitions():
    rng = random.Random(3)
    text = "".join(rng.choice("abcd") for _ in range(120)) * 2 + "abcdabcd"
    top, dup = ngram_repetition(codepoints(text), top_ns=(2, 7, 13, 40), dup_ns=(2, 5, 11, 23, 60, 300))
    for n in (2, 7, 13, 40):
        assert top[n] == pytest.approx(naive_top(text, n)), n
    for n in (2, 5, 11, 23, 60, 300):
        assert dup[n] == pytest.approx(naive_dup(text, n)), n
