"""Clean-up before the rules: safe NFKC, Japanese punctuation, footer trimming; web only."""

from __future__ import annotations

import re
import unicodedata

from datatrove.data import Document

from filters.quality.cleanup import TextCleanup, japanese_punctuation, safe_nfkc
from filters.quality.options import CleanupOptions


def test_safe_nfkc_normalizes_width_and_compatibility_characters():
    assert safe_nfkc("ＡＢＣ１２３ｶﾞｷﾞ㈱①") == "ABC123ガギ(株)1"


def test_safe_nfkc_keeps_ellipsis_and_wave_dashes():
    assert safe_nfkc("まさか…ね‥１０～２０時〜") == "まさか…ね‥10～20時〜"


def test_safe_nfkc_composes_combining_voiced_marks():
    assert safe_nfkc("か\u3099") == "が"


def test_safe_nfkc_equals_nfkc_outside_the_kept_characters(shared_data):
    text = (shared_data / "text" / "aozora_lemon_kajii-motojiro.txt").read_text(encoding="utf-8")
    pieces = re.split("([…‥～〜]+)", text)
    expected = "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(pieces))
    assert "…" in text and safe_nfkc(text) == expected


def test_full_width_period_and_comma_become_kuten_and_touten_but_not_between_digits():
    assert japanese_punctuation("これは例です．値は３．５，合計は１，０００です．") == "これは例です。値は３．５、合計は１，０００です。"


def test_punctuation_is_left_alone_in_text_without_kana():
    assert japanese_punctuation("Ｆｉｇ．１，２") == "Ｆｉｇ．１，２"


def test_trailing_boilerplate_lines_are_trimmed_and_prose_is_kept():
    text = "本文の一段落目です。\n本文の二段落目です。\n\nページの先頭へ\nCopyright © 2024 Example Inc. All rights reserved.\n"
    assert TextCleanup(CleanupOptions()).clean(text) == "本文の一段落目です。\n本文の二段落目です。"


def test_a_footer_word_inside_a_real_last_paragraph_is_not_trimmed():
    text = "本文です。\n関連記事として、昨年の調査結果を紹介した記事も読んでみてください。"
    assert TextCleanup(CleanupOptions()).clean(text) == text


def test_only_web_documents_are_cleaned():
    step = TextCleanup(CleanupOptions())
    docs = [
        Document(text="ＡＢＣ．です", id="web/1", metadata={"source": "web"}),
        Document(text="ＡＢＣ．です", id="wiki/1", metadata={"source": "wiki"}),
        Document(text="x = 'ＡＢＣ'", id="code/1", metadata={"source": "code"}),
    ]
    out = list(step.run(iter(docs)))
    assert [d.text for d in out] == ["ABC。です", "ＡＢＣ．です", "x = 'ＡＢＣ'"]
    assert step.stats["documents_changed"].total == 1


def test_clean_up_can_be_switched_off_piece_by_piece():
    step = TextCleanup(CleanupOptions(nfkc="off", japanese_punctuation=False, trim_footers=False))
    assert step.clean("ＡＢＣ．です\nページの先頭へ") == "ＡＢＣ．です\nページの先頭へ"


def test_safe_nfkc_equals_nfkc_on_random_mixes_of_tricky_characters():
    import random

    alphabet = ("aｱｶﾞﾟﾞかが\u3099\u309aＡ０①㈱\u0301e\u1100\u1161\u11a8가　\n。、ー…～〜漢字😀𝐀𝟘🄰"
                "\U0002f800\U0001d165\U0001d16e\u0327\u05b0ḉ")  # marks from both planes, to be reordered
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        pieces = re.split("([…‥～〜]+)", text)
        expected = "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(pieces))
        assert safe_nfkc(text) == expected, repr(text)


def test_the_array_path_of_safe_nfkc_equals_the_regex_path():
    import random

    from filters.quality import cleanup

    def by_regex(text: str) -> str:  # the path pages with characters beyond the BMP take
        if unicodedata.is_normalized("NFKC", text):
            return text
        text = cleanup._fold_full_width(text)
        return cleanup._normalize_spans(text, (m.span() for m in cleanup._nfkc_unstable().finditer(text)))

    pieces = list("あカ漢ＡＢ１！　 ．…‥～〜ｶﾞﾟ\u3099\u309a\u0301e㍿①ﬁ가\u1161\u11a8\n") + ["\ud800"]
    rng = random.Random(2)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        assert safe_nfkc(text) == by_regex(text), ascii(text)


def test_footer_trimming_equals_popping_split_lines():
    import random

    from filters.quality.cleanup import load_footer_patterns, trim_footer

    def by_lines(text: str, pattern, max_lines: int) -> str:
        lines, removed = text.rstrip().split("\n"), 0
        while lines and removed < max_lines:
            last = lines[-1].strip()
            if last and not pattern.fullmatch(last):
                break
            lines.pop()
            removed += bool(last)
        return "\n".join(lines).rstrip() if removed else text

    pattern = load_footer_patterns()
    pieces = ["本文です。", "Copyright 2024 Example", "ページの先頭へ", "\n", "\n", " ", "\n  \n"]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        for max_lines in (0, 1, 2, 8):
            assert trim_footer(text, pattern, max_lines) == by_lines(text, pattern, max_lines), (text, max_lines)
