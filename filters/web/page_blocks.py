"""A page's text blocks: the runs of text between block-level tags, with a hash that is the
same wherever the block appears on a host.

Per-host boilerplate learning (host_boilerplate.py) counts on how many pages of a host each
block occurs; extraction then blanks the blocks that are boilerplate before the extractor
sees the page. Both sides must cut a page into the same blocks, so the cut is defined here
once, on the HTML string, with two regexes and no DOM: a task counts blocks of every
Japanese page in its first pass, which must stay cheap next to extraction.

A block is the text between two block-level tags (`<p>`, `<div>`, `<td>`, `<li>`, `<br>`,
`<h1>`...), inline tags removed, entities decoded, whitespace folded. The hash is of the
NFKC text with whitespace removed and every run of digits replaced by one 0, so "価格：1,890円" and
"価格：8,400円", or one date and the next, are the same block: labels and dates that a
template fills in per page are template, not content. `<head>`, scripts, styles and
comments are not text. Blanking keeps every tag and removes only the block's text, so the
page's structure, which the extractors read, stays as it was.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass

# elements whose content is never page text
_HIDDEN = r"script|style|noscript|template|textarea|title|head"
# tags that start or end a block of text (HTML's block-level, table, list and line-break elements)
_BLOCK_TAGS = (
    r"address|article|aside|blockquote|body|br|caption|center|dd|details|dialog|dir|div|dl|dt|fieldset|"
    r"figcaption|figure|footer|form|frame|frameset|h[1-6]|header|hgroup|hr|html|li|main|menu|nav|noframes|ol|"
    r"option|p|pre|section|select|summary|table|tbody|td|tfoot|th|thead|tr|ul"
)
_BOUNDARY = re.compile(
    rf"<({_HIDDEN})\b[^>]*>.*?</\1\s*>|<!--.*?-->|<!\[CDATA\[.*?\]\]>|</?(?:{_BLOCK_TAGS})\b[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Block:
    start: int  # span of the block (text and inline tags) in the page
    end: int
    text: str  # tags removed, entities decoded, whitespace folded
    key: int  # block_key(text)


def block_key(text: str) -> int:
    """64-bit hash of a block's text, normalised so that a template block hashes the same on every page."""
    norm = _DIGITS.sub("0", _SPACE.sub("", unicodedata.normalize("NFKC", text)))
    return int.from_bytes(hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def page_blocks(page: str) -> list[Block]:
    """The non-empty text blocks of an HTML page, in document order."""
    blocks: list[Block] = []
    pos = 0
    for m in _BOUNDARY.finditer(page):
        if m.start() > pos:
            _add(page, pos, m.start(), blocks)
        pos = m.end()
    if pos < len(page):
        _add(page, pos, len(page), blocks)
    return blocks


def _add(page: str, start: int, end: int, blocks: list[Block]) -> None:
    raw = page[start:end]
    if raw.isspace():  # most gaps between block tags are a newline and indentation
        return
    text = _SPACE.sub(" ", html.unescape(_TAG.sub("", raw)) if "<" in raw or "&" in raw else raw).strip()
    if text:
        blocks.append(Block(start, end, text, block_key(text)))


def blank_blocks(page: str, blocks: list[Block]) -> str:
    """The page with the text of `blocks` removed and all tags kept (blocks in document order)."""
    out, pos = [], 0
    for block in blocks:
        out.append(page[pos:block.start])
        out.append("".join(_TAG.findall(page[block.start:block.end])))
        pos = block.end
    out.append(page[pos:])
    return "".join(out)
