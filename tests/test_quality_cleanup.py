"""Clean-up before the rules: safe NFKC and Japanese punctuation (web and wiki), boilerplate
lines and footer trimming (web)."""

from __future__ import annotations

import re
import unicodedata

from datatrove.data import Document

from filters.quality.cleanup import TextCleanup, japanese_punctuation, safe_nfkc
from filters.quality.options import CleanupOptions


def test_safe_nfkc_folds_width_and_half_width_kana():
    assert safe_nfkc("ＡＢＣ１２３ｶﾞｷﾞ（：）　") == "ABC123ガギ(:) "


def test_safe_nfkc_keeps_circled_numbers_superscripts_unit_symbols_and_numero():
    text = "手順①を見る。x²+y²、30㎡の部屋、№5、½杯、㈱、令和は㋿、10℃"
    assert safe_nfkc(text) == text


def test_safe_nfkc_folds_kangxi_radicals_to_the_kanji_they_stand_for():
    assert safe_nfkc("⼀⼈") == "一人"


def _kept(ch: str) -> bool:
    """The test's own statement of what safe NFKC keeps (independent of the module's tables)."""
    tag = unicodedata.decomposition(ch).split(" ", 1)[0]
    radical = 0x2E80 <= ord(ch) < 0x2FE0
    return ch in "…‥～〜" or (tag in {"<compat>", "<circle>", "<super>", "<sub>", "<square>", "<fraction>"} and not radical)


def _expected_safe_nfkc(text: str) -> str:
    out, piece = [], []
    for ch in text:
        if _kept(ch):
            out.append(unicodedata.normalize("NFKC", "".join(piece)))
            out.append(ch)
            piece = []
        else:
            piece.append(ch)
    out.append(unicodedata.normalize("NFKC", "".join(piece)))
    return "".join(out)


def test_safe_nfkc_keeps_ellipsis_and_wave_dashes():
    assert safe_nfkc("まさか…ね‥１０～２０時〜") == "まさか…ね‥10～20時〜"


def test_safe_nfkc_composes_combining_voiced_marks():
    assert safe_nfkc("か\u3099") == "が"


def test_safe_nfkc_equals_nfkc_outside_the_kept_characters(shared_data):
    text = (shared_data / "text" / "aozora_lemon_kajii-motojiro.txt").read_text(encoding="utf-8")
    assert "…" in text and safe_nfkc(text) == _expected_safe_nfkc(text)


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


def test_web_and_wiki_get_the_same_normalisation_and_code_stays_byte_exact():
    step = TextCleanup(CleanupOptions())
    docs = [
        Document(text="ＡＢＣ．です（：）\nこのページのトップへ", id="web/1", metadata={"source": "web"}),
        Document(text="ＡＢＣ．です（：）\nこのページのトップへ", id="wiki/1", metadata={"source": "wiki"}),
        Document(text="x = 'ＡＢＣ'", id="code/1", metadata={"source": "code"}),
    ]
    out = list(step.run(iter(docs)))
    # boilerplate lines are a web-page matter: the wiki line stays, but its characters are folded alike
    assert [d.text for d in out] == ["ABC。です(:)", "ABC。です(:)\nこのページのトップへ", "x = 'ＡＢＣ'"]
    assert step.stats["documents_changed"].total == 2
    assert out[0].metadata["figures"]["boilerplate_lines_removed"] == 1
    assert "figures" not in out[1].metadata


def test_clean_up_can_be_switched_off_piece_by_piece():
    step = TextCleanup(CleanupOptions(nfkc="off", japanese_punctuation=False, trim_footers=False,
                                      remove_boilerplate_lines=False))
    assert step.clean("ＡＢＣ．です\nページの先頭へ") == "ＡＢＣ．です\nページの先頭へ"


def test_safe_nfkc_equals_nfkc_on_random_mixes_of_tricky_characters():
    import random

    alphabet = ("aｱｶﾞﾟﾞかが\u3099\u309aＡ０①²㎡№⼀㈱\u0301e\u1100\u1161\u11a8가　\n。、ー…～〜漢字😀𝐀𝟘🄰"
                "\U0002f800\U0001d165\U0001d16e\u0327\u05b0ḉ")  # marks from both planes, to be reordered
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert safe_nfkc(text) == _expected_safe_nfkc(text), repr(text)


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


def test_layout_lines_of_symbols_alone_are_removed_and_counted():
    text = "本文の一行目です。\n━━━━━━━━━━\n＝＝＝＝\n（\nよう\n）\n★★★《 今回の目次 》★★★\n(笑)\n2005\n最後の行です。"
    step = TextCleanup(CleanupOptions())
    (doc,) = step.run(iter([Document(text=text, id="web/1", metadata={"source": "web"})]))
    assert doc.text == "本文の一行目です。\nよう\n★★★《 今回の目次 》★★★\n(笑)\n2005\n最後の行です。"
    assert doc.metadata["figures"]["boilerplate_lines_removed"] == 4
    kept = TextCleanup(CleanupOptions(remove_layout_lines=False)).clean(text)
    assert "━━━━━━━━━━" in kept and "\n(\n" in kept  # NFKC folds （ to (


def test_a_mail_magazine_keeps_its_prose_and_loses_its_separator_rules(shared_data):
    from benchmarks.evalsets.quality_eval_set import document

    text = document(shared_data, "feed:tests/SHIFT_JIS/1affliate.com.xml")  # real, from the fixture WARC
    cleaned = TextCleanup(CleanupOptions()).clean(text)
    assert text.count("━━━━━━━━━━") >= 40 and "━━━━━━━━━━" not in cleaned
    assert "うまくいく人というのは、このサイクルを短期間で何度も繰り返して、答えを" in cleaned
