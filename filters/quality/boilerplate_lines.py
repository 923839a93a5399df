"""Boilerplate lines removed wherever they stand on the page, not only at its end.

Extraction leaves navigation and notices between paragraphs: `このページのトップへ`,
breadcrumbs (`ホーム > ニュース > 地域 > 記事`), `続きを読む……`, paywall notices
(`この記事は会員限定です。`) and sidebars laid out as table rows (`| 新着 | 人気 |`). Swallow
removes such footers and FineWeb removes lines by line-level rules; a line is dropped here
only when the *whole* stripped line is boilerplate, so a sentence that merely mentions
続きを読む or a breadcrumb-like arrow stays.

The patterns are a bundled list (`ng_words/boilerplate_lines.txt`, one regex per line,
matched against the whole stripped line) plus two shapes no word list catches: a
breadcrumb (three or more short crumbs joined by `>`/`＞`/`»`/`›`, no sentence
punctuation) and a table-pipe row (three or more `|` with short cells, no 。).

Layout lines go too (`remove_layout_lines`): a line of symbols and punctuation alone,
with no letter, digit, kana or kanji (`━━━━`, `＝＝＝`, `／`, a lone `、` or `（` left where
markup such as ruby was cut into lines). They carry no text, and a mail magazine's 40
identical separator lines otherwise count as repeated paragraphs and top n-grams.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from filters.quality.analysis import _RANGES, JA_PUNCT, SPACE, SYMBOL
from filters.quality.options import LISTS_DIR

# three or more crumbs of at most 30 characters without sentence punctuation, joined by arrows
_BREADCRUMB = re.compile(r"(?:[^>＞»›。！？\n]{1,30}[>＞»›]\s*){2,}[^>＞»›。！？\n]{1,40}")
# a table row of a layout sidebar: two or more pipes, cells of at most 30 characters, no 。
_PIPE_ROW = re.compile(r"\|?(?:[^|。\n]{0,30}\|){2,}[^|。\n]{0,30}")
# characters that start some pattern of the bundled list or shape: a line without any of them
# (most prose lines) is never tried against the regexes
_CRUMB_MARKS = (">", "＞", "»", "›", "|")


def _class_ranges(*classes: int) -> str:
    """A regex character class body for the BMP ranges of the analysis' character classes."""
    bounds = [start for start, _ in _RANGES if start < 0x10000] + [0x10000]
    parts = []
    for (start, cls), end in zip((r for r in _RANGES if r[0] < 0x10000), bounds[1:]):
        if cls in classes:
            parts.append(f"\\u{start:04x}-\\u{end - 1:04x}")
    return "".join(parts)


# a line of symbols and punctuation (the analysis' SYMBOL and JA_PUNCT classes) with nothing
# else but blanks: no letter, digit, kana or kanji
_MARKS = _class_ranges(SYMBOL, JA_PUNCT)
_BLANKS = " \\t\\u3000"
_LAYOUT_LINE = re.compile(f"^[{_BLANKS}]*[{_MARKS}][{_MARKS}{_BLANKS}]*$", re.MULTILINE)
assert SPACE not in (SYMBOL, JA_PUNCT)


@lru_cache(maxsize=8)
def load_line_patterns(path: str | Path | None = None) -> re.Pattern:
    """The bundled (or given) line patterns as one case-insensitive alternation."""
    lines = Path(path or LISTS_DIR / "boilerplate_lines.txt").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", re.IGNORECASE)


def is_boilerplate_line(line: str, pattern: re.Pattern) -> bool:
    """Whether the whole stripped line is boilerplate (list pattern, breadcrumb or pipe row)."""
    if not line or len(line) > 200:
        return False
    if pattern.fullmatch(line):
        return True
    if any(mark in line for mark in _CRUMB_MARKS):
        return bool(_BREADCRUMB.fullmatch(line) or _PIPE_ROW.fullmatch(line))
    return False


def is_layout_line(line: str) -> bool:
    """Whether the line holds symbols and punctuation only (rules, separators, bracket fragments)."""
    return bool(_LAYOUT_LINE.fullmatch(line))


def remove_boilerplate_lines(text: str, pattern: re.Pattern | None, layout: bool = False) -> tuple[str, int, int]:
    """(text without boilerplate lines, lines removed, characters removed with their line breaks).

    `pattern` None skips the list and shapes; `layout` also removes layout lines (most pages
    have none, which one scan of the text tells before any line is split)."""
    layout = layout and _LAYOUT_LINE.search(text) is not None
    if pattern is None and not layout:
        return text, 0, 0
    lines = text.split("\n")
    kept = [line for line in lines
            if not ((layout and is_layout_line(line)) or (pattern is not None and is_boilerplate_line(line.strip(), pattern)))]
    removed = len(lines) - len(kept)
    if not removed:
        return text, 0, 0
    out = "\n".join(kept)
    return out, removed, len(text) - len(out)
