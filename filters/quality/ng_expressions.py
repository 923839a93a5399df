"""NG expressions (Swallow; lists and per-list counts as in LLM-jp): adult, discriminatory, violent text.

A document is dropped when expressions from one list cover more than `max_fraction` of
its letters (Swallow's NG-expression fraction) or occur more than `max_count` times
(LLM-jp's per-list limit). All lists are matched in one pass by one automaton. The
bundled lists in `ng_words/` are short starting points written for this project;
point `lists.<name>.path` at your own files for production.
"""

from __future__ import annotations

from functools import partial

from filters.quality.analysis import TextAnalysis
from filters.quality.keywords import KeywordMatcher
from filters.quality.options import LISTS_DIR, NgExpressionOptions
from filters.quality.rules import Check, QualityRuleFilter, limit


def _fraction(a: TextAnalysis, matcher: KeywordMatcher, name: str) -> float:
    counts = a.memo(matcher.count, lambda an: matcher.count(an.text, an.codepoints))
    return counts[name][1] / a.letters if a.letters else 0.0


def _count(a: TextAnalysis, matcher: KeywordMatcher, name: str) -> float:
    counts = a.memo(matcher.count, lambda an: matcher.count(an.text, an.codepoints))
    return counts[name][0]


class NgExpressionFilter(QualityRuleFilter):
    name = "🚫 NG expressions"
    family = "ng_expressions"

    def __init__(self, options: NgExpressionOptions | None = None, sources=("web",), exclusion_writer=None):
        super().__init__(options or NgExpressionOptions(), sources, exclusion_writer)

    def build_checks(self, o: NgExpressionOptions) -> list[Check]:
        paths = {name: ng.path or LISTS_DIR / f"{name}.txt" for name, ng in o.lists.items()}
        self.matcher = KeywordMatcher(paths, katakana_boundary=o.katakana_boundary)
        checks: list[Check] = []
        for name, ng in o.lists.items():
            checks += limit(f"max_ng_{name}_frac", f"ng_{name}_frac", partial(_fraction, matcher=self.matcher, name=name),
                            ng.max_fraction, "above")
            checks += limit(f"max_ng_{name}_count", f"ng_{name}_count", partial(_count, matcher=self.matcher, name=name),
                            ng.max_count, "above")
        return checks
