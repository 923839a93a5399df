"""Noun ratio (HojiChar DiscardTooManyNouns, used by LLM-jp): keyword salad is nearly all nouns.

"リンゴ・オレンジ・ミカン・バナナ セール中" passes every character rule but is 100%
nouns. This is the only rule that needs words, so it is off by default: turning it on
adds one MeCab pass (fugashi, unidic-lite) per web document, shared through the
analysis with anything else that wants parts of speech.
"""

from __future__ import annotations

from filters.quality.analysis import TextAnalysis
from filters.quality.options import NounRatioOptions
from filters.quality.rules import Check, QualityRuleFilter, limit


def noun_ratio(a: TextAnalysis) -> float:
    """Nouns / tokens, not counting 補助記号 (punctuation), as HojiChar counts."""
    counts = a.pos_counts
    total = sum(n for pos, n in counts.items() if pos != "補助記号")
    return counts.get("名詞", 0) / total if total else 0.0


class NounRatioFilter(QualityRuleFilter):
    name = "🔤 noun ratio"
    family = "noun_ratio"
    _requires_dependencies = ("fugashi", ("unidic_lite", "unidic-lite"))

    def __init__(self, options: NounRatioOptions | None = None, sources=("web",), exclusion_writer=None):
        super().__init__(options or NounRatioOptions(enabled=True), sources, exclusion_writer)

    def build_checks(self, o: NounRatioOptions) -> list[Check]:
        return limit("max_noun_ratio", "noun_ratio", noun_ratio, o.max_noun_ratio, "at_least")
