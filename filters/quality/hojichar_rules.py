"""LLM-jp / HojiChar rules: ads, BBS boilerplate, compressibility, character runs, short lines.

These catch what Swallow's ratios let through: shop pages that are grammatical but all
boilerplate (ad keywords), forum dumps full of dates and 投稿/コメント (BBS pattern), text
that is repetitive or random at the byte level (zlib compression ratio), a character
held down (runs), and menus or tag clouds (short lines).
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache, partial

import numpy as np

from filters.quality.analysis import TextAnalysis
from filters.quality.keywords import KeywordMatcher
from filters.quality.options import LISTS_DIR, HojiCharOptions
from filters.quality.rules import Check, QualityRuleFilter, limit

# HojiChar DiscardBBSComments, verbatim (HojiChar@000d3f53 document_filters.py)
BBS_PATTERN = re.compile(
    r"\d{4}[年\.\-\/][\ ]*\d{1,2}[月\.\-\/][\ ]*\d{1,2}[日]*|コメント|SOLD OUT|レビュー|投稿|ページ|\([月火水木金土日]\)|質問|\d+話|楽天市場|-"
)


# the same pattern taken apart, so that the literal words are counted with str.count
# instead of trying eleven alternatives at every character. HojiChar's last alternative,
# a bare "-", counts every hyphen of `Wi-Fi` or `2024-03-04`: here a hyphen counts only
# where it is not inside a word (a rule line `-----`, a `- 名無し` list), which also makes
# the date's own hyphens uncounted without subtracting them. Forum markers HojiChar's
# pattern lacks are added: 2ch-style poster ids (ID:abc123), reply anchors (>>12) and the
# default poster name (名無し).
_BBS_MARKERS = re.compile(r"ID:[0-9A-Za-z+/.]{4,}|>>\d+|名無し")
_BBS_DATE = re.compile(r"\d{4}[年\.\-\/][\ ]*\d{1,2}[月\.\-\/][\ ]*\d{1,2}[日]*")
_BBS_WEEKDAY = re.compile(r"\([月火水木金土日]\)")
_DIGIT = re.compile(r"\d")
_BBS_WORDS = ("コメント", "SOLD OUT", "レビュー", "投稿", "ページ", "質問", "楽天市場")


@lru_cache(maxsize=1)
def _maybe_digit() -> np.ndarray:
    """Which BMP code points `\\d` matches (asked of the regex itself), plus one last entry,
    True, that stands for every code point beyond the BMP: those are not looked up."""
    table = np.ones(0x10001, dtype=bool)
    table[:0x10000] = False
    bmp = "".join(map(chr, range(0x10000)))
    table[[m.start() for m in _DIGIT.finditer(bmp)]] = True
    return table


def _dates(a: TextAnalysis) -> list[re.Match]:
    """`_BBS_DATE.finditer(text)`, trying the regex only where four digits in a row start.

    A scan that tries the pattern at every character costs ~10 ns a character; a date
    starts with four `\\d`, which one table lookup over the code points finds, so the
    regex runs at a handful of places per page. Leftmost, non-overlapping, as findall."""
    maybe = _maybe_digit()[np.minimum(a.codepoints, 0x10000)]
    pairs = maybe[:-1] & maybe[1:]
    starts = np.flatnonzero(pairs[:-2] & pairs[2:])
    dates, end, text = [], 0, a.text
    for start in starts.tolist():
        if start >= end:
            match = _BBS_DATE.match(text, start)
            if match:
                dates.append(match)
                end = match.end()
    return dates


def _episodes(text: str) -> int:
    """`len(re.findall(r"\\d+話", text))`: each 話 right after a digit ends exactly one match."""
    count, at = 0, text.find("話", 1)
    while at != -1:
        if _DIGIT.match(text, at - 1):
            count += 1
        at = text.find("話", at + 1)
    return count


def _loose_hyphens(text: str, dates: list[re.Match]) -> int:
    """Hyphens not inside a word (`[^\\W_]` on both sides, as re's `\\w` sans `_`: str.isalnum)
    and not inside a date the date pattern already counted."""
    spans = [date.span() for date in dates]
    count, at, last = 0, text.find("-"), len(text) - 1
    while at != -1:
        inside = 0 < at < last and text[at - 1].isalnum() and text[at + 1].isalnum()
        if not inside and not any(begin <= at < end for begin, end in spans):
            count += 1
        at = text.find("-", at + 1)
    return count


def bbs_patterns(a: TextAnalysis) -> float:
    """Matches of HojiChar's BBS pattern, counted piece by piece, with hyphens inside words
    not counted and forum markers (ID:, >>12, 名無し) added."""
    text = a.text
    dates = _dates(a)
    count = len(dates) + sum(text.count(word) for word in _BBS_WORDS)
    if "-" in text:
        count += _loose_hyphens(text, dates)
    if "ID:" in text or ">>" in text or "名無し" in text:
        count += len(_BBS_MARKERS.findall(text))
    if "(" in text:
        count += len(_BBS_WEEKDAY.findall(text))
    # `2024-3-4話`: the date took the digit before 話, so the whole pattern finds no episode there
    taken = sum(1 for date in dates if text.startswith("話", date.end()) and text[date.end() - 1] != "日")
    return count + _episodes(text) - taken


# what follows a date in a post header: a weekday or a time ("2024年3月4日(月) 12:34")
_POST_HEADER_TAIL = re.compile(r" *(?:\([月火水木金土日]\)|\d{1,2}:\d{2})")


def bbs_patterns_per_kchar(a: TextAnalysis) -> float:
    """BBS patterns per 1,000 letters, where a date counts only as a post header (followed by
    a weekday or a time) and hyphens not at all. HojiChar's absolute count (14) grows with
    length, and its dates and hyphens are as dense in a biography's chronology and an
    article's `2009年 - 2011年` lists (up to 53 per 1,000 letters in jawiki articles) as in a
    forum; dated posts, 投稿/コメント and forum markers are not."""
    if not a.letters:
        return 0.0
    text = a.text
    dates = _dates(a)
    count = a.figure(bbs_patterns) - (_loose_hyphens(text, dates) if "-" in text else 0)
    count -= sum(1 for date in dates if not _POST_HEADER_TAIL.match(text, date.end()))
    return count * 1000 / a.letters


def compression_ratio(a: TextAnalysis) -> float:
    """zlib (level 9) size / UTF-8 size (LLM-jp has_good_compression_ratio, length_factor 0)."""
    encoded = a.text.encode("utf-8", "surrogatepass")
    return len(zlib.compress(encoded, 9)) / len(encoded) if encoded else 0.0


def longest_char_run(a: TextAnalysis) -> float:
    """Longest run of one repeated character (HojiChar SingleCharacterRepetitionFilter)."""
    codepoints = a.codepoints
    if codepoints.size == 0:
        return 0
    ends = np.flatnonzero(codepoints[1:] != codepoints[:-1])  # last index of every run but the final one
    if ends.size == 0:
        return int(codepoints.size)
    longest = max(int(ends[0]) + 1, int(codepoints.size - 1 - ends[-1]))
    return max(longest, int((ends[1:] - ends[:-1]).max())) if ends.size > 1 else longest


def short_line_fraction(a: TextAnalysis, length: int) -> float:
    """Share of non-empty lines of at most `length` characters.

    HojiChar also counts empty lines as short, which drops any page that separates its
    paragraphs with blank lines (a real 632-character news article scores 0.46 that way);
    blank lines say nothing about menus and tag clouds, so they are left out here.
    """
    lines = a.paragraphs
    return sum(map(length.__ge__, map(len, lines))) / len(lines) if lines else 0.0


def short_line_char_fraction(a: TextAnalysis, length: int) -> float:
    """Share of the characters of non-empty lines that sit in lines of at most `length` characters.

    By characters rather than by lines: an article with a list of forty short items and ten
    long paragraphs is mostly prose, a menu or tag cloud is mostly short lines either way."""
    lines = a.paragraphs
    total = sum(map(len, lines))
    return sum(n for n in map(len, lines) if n <= length) / total if total else 0.0


def _ad_keywords(a: TextAnalysis, matcher: KeywordMatcher) -> float:
    return a.memo(matcher.count, lambda an: matcher.count(an.text, an.codepoints))["ads"][0]


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
            *limit("max_short_line_char_frac", "short_line_char_frac",
                   partial(short_line_char_fraction, length=o.short_line_length), o.max_short_line_char_frac, "above"),
            *limit("max_ad_keywords", "ad_keywords", partial(_ad_keywords, matcher=self.matcher), o.max_ad_keywords, "above"),
            *limit("max_bbs_patterns", "bbs_patterns", bbs_patterns, o.max_bbs_patterns, "above"),
            *limit("max_bbs_patterns_per_kchar", "bbs_patterns_per_kchar", bbs_patterns_per_kchar,
                   o.max_bbs_patterns_per_kchar, "above"),
        ]
