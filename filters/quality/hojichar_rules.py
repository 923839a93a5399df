"""LLM-jp / HojiChar rules: ads, BBS boilerplate, compressibility, character runs, short lines.

These catch what Swallow's ratios let through: shop pages that are grammatical but all
boilerplate (ad keywords), forum dumps full of dates and 投稿/コメント (BBS pattern), text
that is repetitive or random at the byte level (zlib compression ratio), a character
held down (runs), and menus or tag clouds (short lines).
"""

from __future__ import annotations

import re
import zlib
from functools import partial

from filters.quality.analysis import TextAnalysis
from filters.quality.keywords import KeywordMatcher
from filters.quality.options import LISTS_DIR, HojiCharOptions
from filters.quality.rules import Check, QualityRuleFilter, limit

# HojiChar DiscardBBSComments, verbatim (HojiChar@000d3f53 document_filters.py)
BBS_PATTERN = re.compile(
    r"\d{4}[年\.\-\/][\ ]*\d{1,2}[月\.\-\/][\ ]*\d{1,2}[日]*|コメント|SOLD OUT|レビュー|投稿|ページ|\([月火水木金土日]\)|質問|\d+話|楽天市場|-"
)
_RUN = re.compile(r"(.)\1*", re.DOTALL)


# the same pattern taken apart, so that the literal words are counted with str.count
# instead of trying eleven alternatives at every character (about twice as fast; equal
# counts: only a date can contain another alternative, "-", and that one is subtracted)
_BBS_DATE = re.compile(r"\d{4}[年\.\-\/][\ ]*\d{1,2}[月\.\-\/][\ ]*\d{1,2}[日]*")
_BBS_WEEKDAY = re.compile(r"\([月火水木金土日]\)")
_BBS_EPISODE = re.compile(r"\d+話")
_BBS_WORDS = ("コメント", "SOLD OUT", "レビュー", "投稿", "ページ", "質問", "楽天市場")


def bbs_patterns(a: TextAnalysis) -> float:
    """Matches of HojiChar's BBS pattern (`BBS_PATTERN.findall`), counted piece by piece."""
    text = a.text
    dates = _BBS_DATE.findall(text)
    count = len(dates) + sum(text.count(word) for word in _BBS_WORDS)
    count += text.count("-") - sum(date.count("-") for date in dates)
    if "(" in text:
        count += len(_BBS_WEEKDAY.findall(text))
    if "話" in text:
        count += len(_BBS_EPISODE.findall(text))
    return count


def compression_ratio(a: TextAnalysis) -> float:
    """zlib (level 9) size / UTF-8 size (LLM-jp has_good_compression_ratio, length_factor 0)."""
    encoded = a.text.encode("utf-8", "surrogatepass")
    return len(zlib.compress(encoded, 9)) / len(encoded) if encoded else 0.0


def longest_char_run(a: TextAnalysis) -> float:
    """Longest run of one repeated character (HojiChar SingleCharacterRepetitionFilter)."""
    codepoints = a.codepoints
    if codepoints.size == 0:
        return 0
    import numpy as np

    change = np.flatnonzero(codepoints[1:] != codepoints[:-1])
    bounds = np.concatenate(([-1], change, [codepoints.size - 1]))
    return int(np.diff(bounds).max())


def short_line_fraction(a: TextAnalysis, length: int) -> float:
    """Share of non-empty lines of at most `length` characters.

    HojiChar also counts empty lines as short, which drops any page that separates its
    paragraphs with blank lines (a real 632-character news article scores 0.46 that way);
    blank lines say nothing about menus and tag clouds, so they are left out here.
    """
    lines = a.paragraphs
    return sum(1 for line in lines if len(line) <= length) / len(lines) if lines else 0.0


def _ad_keywords(a: TextAnalysis, matcher: KeywordMatcher) -> float:
    return a.memo(matcher.count, lambda an: matcher.count(an.text))["ads"][0]


class HojiCharRuleFilter(QualityRuleFilter):
    name = "🍵 LLM-jp/HojiChar rules"
    family = "hojichar"

    def __init__(self, options: HojiCharOptions | None = None, sources=("web",), exclusion_writer=None):
        super().__init__(options or HojiCharOptions(), sources, exclusion_writer)

    def build_checks(self, o: HojiCharOptions) -> list[Check]:
        self.matcher = KeywordMatcher({"ads": o.ads_path or LISTS_DIR / "ads.txt"}, katakana_boundary=False)
        return [
            *limit("max_char_run", "longest_char_run", longest_char_run, o.max_char_run, "at_least"),
            *limit("min_compression_ratio", "compression_ratio", compression_ratio, o.min_compression_ratio, "below"),
            *limit("max_compression_ratio", "compression_ratio", compression_ratio, o.max_compression_ratio, "above"),
            *limit("max_short_line_frac", "short_line_frac", partial(short_line_fraction, length=o.short_line_length),
                   o.max_short_line_frac, "above"),
            *limit("max_ad_keywords", "ad_keywords", partial(_ad_keywords, matcher=self.matcher), o.max_ad_keywords, "above"),
            *limit("max_bbs_patterns", "bbs_patterns", bbs_patterns, o.max_bbs_patterns, "above"),
        ]
