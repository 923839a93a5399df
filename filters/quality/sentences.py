"""Sentence rules (Swallow): average and longest sentence, ellipsis endings.

The average is letters per sentence-ending mark (。！？), as LLM-jp's re-implementation
of Swallow counts it; for the maximum, over the letters of the sentences that end in
one (the prose): an article's headings and list lines add letters and no 。, which made
clean articles with lists fail the maximum (the minimum, for pages of fragments, keeps
the page's letters: lists only raise it, and short casual sentences would fail it on
the prose alone). How much of the page is prose at all is its own
rule (`min_prose_frac`): a page of headlines, list items or menu lines is mostly text
outside sentences. A page of fragments fails the minimum. The share of
long sentences (Swallow's 200 characters, counted per document rather than one sentence
deciding) and the ellipsis share use sentences split at 。！？ *and* line breaks, since a
line break ends a sentence in extracted web text.
"""

from __future__ import annotations

import re
from functools import partial

from filters.quality.analysis import TextAnalysis
from filters.quality.options import SentenceOptions
from filters.quality.rules import Check, QualityRuleFilter, limit

# LLM-jp has_valid_ending: ellipsis marks and "read more" links at the end of a sentence
_ELLIPSIS_END = re.compile(r"(?:\.{2,}|…|‥|⋯|・{2,}|､{2,}|、{2,}|－{2,}|─{2,}|⋮)[」』）)]*$")
_READ_MORE_END = re.compile(r"(?:続(?:き|きを読む|きを見る|く|ける)|もっと見る|etc\.?|その他)[>＞»]*$", re.IGNORECASE)


def avg_sentence_length(a: TextAnalysis) -> float:
    return a.letters / max(1, a.terminal_runs)


def prose_avg_sentence_length(a: TextAnalysis) -> float:
    """Letters of the prose sentences per sentence (each holds one run of 。！？); a page
    without any is measured as a whole (one huge sentence, as Swallow's count gives)."""
    return a.prose.letters / a.terminal_runs if a.terminal_runs else a.letters


def prose_fraction(a: TextAnalysis) -> float:
    return a.prose_fraction


def max_sentence_length(a: TextAnalysis) -> float:
    return max(map(len, a.sentences), default=0)


def long_sentence_fraction(a: TextAnalysis, length: int) -> float:
    """Share of sentences of at least `length` characters (a share, not one sentence: a single
    long sentence is ordinary in news and literature; run-on text is mostly long ones)."""
    if not a.sentences:
        return 0.0
    return sum(map(length.__le__, map(len, a.sentences))) / len(a.sentences)


# last characters that can end a match of the two patterns above: most sentences end in 。
# and skip both regexes
_MAYBE_LAST = set(".…‥⋯・､、－─⋮」』）)きくむるcC>＞»他")


def ellipsis_sentence_fraction(a: TextAnalysis) -> float:
    if not a.sentences:
        return 0.0
    ending = sum(
        1 for s in a.sentences
        if s[-1] in _MAYBE_LAST and (_ELLIPSIS_END.search(s) or _READ_MORE_END.search(s))
    )
    return ending / len(a.sentences)


class SentenceFilter(QualityRuleFilter):
    name = "📏 sentences"
    family = "sentences"

    def __init__(self, options: SentenceOptions | None = None, sources=("web",), exclusion_writer=None):
        super().__init__(options or SentenceOptions(), sources, exclusion_writer)

    def build_checks(self, o: SentenceOptions) -> list[Check]:
        # the more specific diagnosis first: teaser spam without 。 also has a huge "average sentence",
        # and a list page is reported as one (min_prose_frac) rather than by its few sentences' length
        # the maximum on the prose: headings and list lines add letters but no 。; the minimum (too many
        # 。 for the text: fragments) as Swallow counts it, since the letters of lists only raise it
        if o.max_avg_sentence_length_over == "prose":
            avg_figure, average = "prose_avg_sentence_length", prose_avg_sentence_length
        else:
            avg_figure, average = "avg_sentence_length", avg_sentence_length
        return [
            *limit("max_ellipsis_sentence_frac", "ellipsis_sentence_frac", ellipsis_sentence_fraction,
                   o.max_ellipsis_sentence_frac, "above"),
            *limit("max_sentence_length", "max_sentence_length", max_sentence_length, o.max_sentence_length, "at_least"),
            *limit("max_long_sentence_frac", "long_sentence_frac", partial(long_sentence_fraction, length=o.long_sentence_length),
                   o.max_long_sentence_frac, "above"),
            *limit("min_prose_frac", "prose_frac", prose_fraction, o.min_prose_frac, "below"),
            *limit("min_avg_sentence_length", "avg_sentence_length", avg_sentence_length, o.min_avg_sentence_length, "below"),
            *limit("max_avg_sentence_length", avg_figure, average, o.max_avg_sentence_length, "above"),
        ]
