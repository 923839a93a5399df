"""Length, decoding and script-mix rules (Swallow, plus decoding damage): is this Japanese prose at all?

Katakana-only product lists, romanized or English pages, mojibake (UTF-8 read as
Shift_JIS comes out as kanji salad without hiragana, with U+FFFD where bytes did not
decode), near-empty pages and short stubs all fail one of these cheap counts, so they
run first.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from filters.quality.analysis import TextAnalysis
from filters.quality.options import CharRatioOptions
from filters.quality.rules import Check, QualityRuleFilter, limit


def letters(a: TextAnalysis) -> float:
    return a.letters


def decoding_damage_fraction(a: TextAnalysis) -> float:
    """U+FFFD, control characters other than tab and line breaks (C0, DEL, C1) and private-use
    characters, per letter: what a wrong charset or a cut multi-byte character leaves behind
    (UTF-8 read as Latin-1 gives C1 controls, invalid bytes give U+FFFD, CP932's user area
    gives private-use code points)."""
    if not a.letters:
        return 0.0
    return a.memo(decoding_damage_fraction, lambda an: _damaged(an.codepoints)) / a.letters  # type: ignore[operator]


_LINE_CONTROLS = np.array([0x09, 0x0A, 0x0B, 0x0C, 0x0D], dtype=np.uint32)


def _damaged(cps: np.ndarray) -> int:
    control = (cps < 0x20) | ((cps >= 0x7F) & (cps < 0xA0))
    if control.any():
        control &= ~np.isin(cps, _LINE_CONTROLS)
    private = (cps >= 0xE000) & (cps < 0xF900)
    return int(np.count_nonzero(control | private | (cps == 0xFFFD)))


def short_page_prose_fraction(a: TextAnalysis, short: int) -> float:
    """On a page of fewer than `short` letters: characters in sentences ended by 。！？ (with
    closing brackets) / characters in all sentences. A long page gets 1.0 (not judged)."""
    if a.letters >= short:
        return 1.0
    return a.prose_fraction


def hiragana_fraction(a: TextAnalysis) -> float:
    return a.fraction("hiragana")


def prose_hiragana_fraction(a: TextAnalysis) -> float:
    """Hiragana / letters of the prose sentences (the whole page when it has none).

    Swallow's rule is there to catch text that is not Japanese prose (Chinese, keyword
    lists, mojibake). On the whole page it also drops Japanese articles whose prose is
    ordinary but whose lists of works, places or companies are kanji and katakana names
    (jawiki biographies and prefecture articles at 0.14-0.19); lists are judged by how much
    of the page they are (`min_prose_frac`), the script mix on the sentences."""
    return a.prose.fraction("hiragana") if a.prose_sentences else a.fraction("hiragana")


def katakana_fraction(a: TextAnalysis) -> float:
    return a.fraction("katakana")


def japanese_fraction(a: TextAnalysis) -> float:
    return a.fraction("hiragana", "katakana", "kanji", "ja_punct")


class CharRatioFilter(QualityRuleFilter):
    name = "🈁 character ratios"
    family = "char_ratios"

    def __init__(self, options: CharRatioOptions | None = None, sources=("web",), exclusion_writer=None):
        super().__init__(options or CharRatioOptions(), sources, exclusion_writer)

    def build_checks(self, o: CharRatioOptions) -> list[Check]:
        # the more specific diagnosis first: a katakana product list also lacks hiragana
        return [
            *limit("max_decoding_damage_frac", "decoding_damage_frac", decoding_damage_fraction,
                   o.max_decoding_damage_frac, "above"),
            *limit("min_letters", "letters", letters, o.min_letters, "below"),
            *limit("min_short_page_prose_frac", "short_page_prose_frac",
                   partial(short_page_prose_fraction, short=o.short_page_letters), o.min_short_page_prose_frac, "below"),
            *limit("max_katakana_fraction", "katakana_fraction", katakana_fraction, o.max_katakana_fraction, "above"),
            *(limit("min_hiragana_fraction", "prose_hiragana_fraction", prose_hiragana_fraction, o.min_hiragana_fraction,
                    "below") if o.hiragana_over == "prose" else
              limit("min_hiragana_fraction", "hiragana_fraction", hiragana_fraction, o.min_hiragana_fraction, "below")),
            *limit("min_japanese_fraction", "japanese_fraction", japanese_fraction, o.min_japanese_fraction, "below"),
        ]
