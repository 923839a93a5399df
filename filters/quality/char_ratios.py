"""Length and script-mix rules (Swallow): is this Japanese prose at all?

Katakana-only product lists, romanized or English pages, mojibake (UTF-8 read as
Shift_JIS comes out as kanji salad without hiragana) and near-empty pages all fail one
of these four cheap counts, so they run first.
"""

from __future__ import annotations

from filters.quality.analysis import TextAnalysis
from filters.quality.options import CharRatioOptions
from filters.quality.rules import Check, QualityRuleFilter, limit


def letters(a: TextAnalysis) -> float:
    return a.letters


def hiragana_fraction(a: TextAnalysis) -> float:
    return a.fraction("hiragana")


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
            *limit("min_letters", "letters", letters, o.min_letters, "below"),
            *limit("max_katakana_fraction", "katakana_fraction", katakana_fraction, o.max_katakana_fraction, "above"),
            *limit("min_hiragana_fraction", "hiragana_fraction", hiragana_fraction, o.min_hiragana_fraction, "below"),
            *limit("min_japanese_fraction", "japanese_fraction", japanese_fraction, o.min_japanese_fraction, "below"),
        ]
