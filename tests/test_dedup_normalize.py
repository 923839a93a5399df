"""Dedup normalization: the table path must equal NFKC + lower + dropping, character for character."""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest

from filters.dedup.normalize import _codes_exact, exact_key, minhash_codes, minhash_text, nfkc


def reference(text: str) -> str:
    """The definition: NFKC, lower case, then no whitespace/punctuation/symbols/controls."""
    normalized = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in normalized if unicodedata.category(ch)[0] not in "ZPSC")


@pytest.mark.parametrize(
    "text",
    [
        "ﾊﾟｿｺﾝとｶﾞｲﾄﾞ",  # half-width kana whose voicing marks compose
        "ΑΣ ΟΔΟΣ",  # final sigma lower-cases by context
        "İstanbul",  # lower-cases to two characters
        "㈱テスト ㎝ ①②",  # expansions to several characters
        "e\u0301 \u0b47\u0b3e x\u3099",  # combining marks and a Mc vowel sign
        "가각\u1161",  # a jamo composing with a syllable
        "ＡＢＣ１２３！？　全角…",
        "emoji 😀 and 𠮷野家",  # outside the BMP
        "",
    ],
)
def test_table_path_equals_unicodedata_on_tricky_text(text):
    assert minhash_text(text) == reference(text)
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_table_path_equals_unicodedata_on_real_japanese(shared_data):
    lines = (shared_data / "text" / "kwdlc_web_leads.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    novel = (shared_data / "text" / "aozora_lemon_kajii-motojiro.txt").read_text(encoding="utf-8")
    texts += [novel[i : i + 2000] for i in range(0, len(novel), 2000)]
    mismatched = [t for t in texts if not np.array_equal(minhash_codes(t), _codes_exact(t))]
    assert mismatched == []
    assert [t for t in texts if nfkc(t) != unicodedata.normalize("NFKC", t)] == []


def test_minhash_text_folds_width_case_and_punctuation():
    assert minhash_text("ＡＢＣ， ａｂｃ。\nｶﾀｶﾅ！") == "abcabcカタカナ"


def test_exact_key_folds_whitespace_and_width_but_keeps_punctuation():
    assert exact_key("  東京\n\n  タワー　ＡＢＣ。 ") == "東京 タワー ABC。"
    assert exact_key("a b") != exact_key("ab")
