"""Line-level cleanup of an extractor's text: layout that leaked into it, and paywall notices.

Old Japanese sites lay pages out with tables. The extractors then leave the layout in the
text: trafilatura writes a table as Markdown-like rows (`| 福娘童話集 > ... |  |  |`) and
separator rows (`|---|---|`); both extractors leave runs of spaces or tabs where cells sat
side by side, so a breadcrumb, a title and the story come out on one line (hukumusume). A
line rule (edge trimming, the hybrid's prose test) can only judge what is on separate
lines, so the cells are put on lines of their own first and the pipes dropped.

News sites end a teaser with a notice that the rest is for subscribers ("この記事は会員限定です。
電子版に登録すると続きをお読みいただけます。"). It reads as a sentence, so edge trimming keeps it,
and it is the same on thousands of pages. The patterns below are the wording of such notices
on Japanese news sites (Nikkei's is on a tuning page, ../shared/data/web/gold); a line is
dropped only when it is short (a notice, not an article that discusses paywalls).
"""

from __future__ import annotations

import re

# a table row as trafilatura writes it: starts and ends with a pipe
_TABLE_ROW = re.compile(r"^\|.*\|$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
# a gap that is layout, not writing: a tab (resiliparse separates table cells with tabs) or
# three or more spaces (ASCII, ideographic or no-break); Japanese prose uses at most one
# ideographic space, at the start of a paragraph or between a label and its text
_LAYOUT_GAP = re.compile(r"\t+|[ \u3000\xa0]{3,}")

# notices that the rest of an article is for paying or registered readers
PAYWALL_NOTICES = re.compile(
    r"この記事は.{0,20}(?:会員|購読者|有料)(?:限定|向け|記事)"
    r"|(?:有料|無料)?会員(?:登録|になる|になれば|の方)(?:と|すると|して|いただくと|は).{0,30}(?:続き|全文|残り|読め|お読み|ご覧)"
    r"|(?:ログイン|登録|購読)(?:する|して|すると|いただくと).{0,20}(?:続き|全文|残り)を(?:読|お読み|ご覧)"
    r"|(?:続き|全文|残り)(?:は|を).{0,20}(?:会員|購読|登録|ログイン)"
    r"|残り\d+文字"
    r"|^[［\[【]?(?:有料)?会員限定(?:記事)?[］\]】]?$"
)
# a notice is a line or two, not a paragraph that discusses paywalls
PAYWALL_MAX_CHARS = 120


def split_layout(line: str) -> list[str]:
    """A line's table cells and layout-separated parts, each on its own line (pipes dropped)."""
    if _TABLE_ROW.match(line):
        cells = [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(line[1:-1])]
        parts = [c for c in cells if c and not _SEPARATOR_CELL.match(c)]
    else:
        parts = [line]
    return [p for part in parts for p in (s.strip() for s in _LAYOUT_GAP.split(part)) if p]


def is_paywall_notice(line: str) -> bool:
    """A short line that tells the reader the rest is for subscribers or members."""
    return len(line) <= PAYWALL_MAX_CHARS and PAYWALL_NOTICES.search(line) is not None


def clean_lines(text: str) -> str:
    """Cells and layout gaps onto lines of their own, paywall notices dropped, blank lines removed."""
    out = []
    for raw in text.splitlines():
        for line in split_layout(raw.strip()):
            if not is_paywall_notice(line):
                out.append(line)
    return "\n".join(out)
