"""ASCII-art blocks: pictures drawn with characters, which read as noise once flattened.

A wikitext line that starts with a space is preformatted (MediaWiki shows it in <pre>);
articles use such blocks for code, grammar rules and verse, and sometimes for pictures:
the syntax tree of 文脈自由文法 is drawn with ／|＼ and runs of spaces. Once the
renderer collapses spaces the picture loses its shape and leaves lines like `／ |　＼`.

A block is art when both hold (measured over its non-space characters, lines of 2+ blocks):
- drawing characters (box drawing, slashes, bars, underscores, +, -, =) make at least
  `min_drawing` of them;
- at least half its lines align columns with a run of 2+ spaces inside the line.
Code (`p { color: red; }`), grammar rules (`E → T | E + T`) and verse have few drawing
characters or no alignment runs, and stay.
"""

from __future__ import annotations

import re
from collections import Counter

DRAWING = frozenset("／＼/\\|｜_＿￣‐-－─━│┃┌┐└┘├┤┬┴┼╋+＋=＝")
_INNER_RUN = re.compile(r"\S[ \u3000]{2,}\S")


def drop_art(text: str, min_drawing: float, counts: Counter) -> str:
    """`text` without its preformatted blocks that are art; counts `art_blocks_dropped`."""
    if "\n " not in text and not text.startswith(" "):
        return text
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith(" ") or not lines[i].strip():
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].startswith(" ") and lines[j].strip():
            j += 1
        block = lines[i:j]
        if is_art(block, min_drawing):
            counts["art_blocks_dropped"] += 1
        else:
            out.extend(block)
        i = j
    return "\n".join(out)


def is_art(block: list[str], min_drawing: float) -> bool:
    if len(block) < 2:
        return False
    chars = [ch for line in block for ch in line if not ch.isspace()]
    if not chars:
        return False
    drawing = sum(ch in DRAWING for ch in chars) / len(chars)
    aligned = sum(bool(_INNER_RUN.search(line.strip())) for line in block) / len(block)
    return drawing >= min_drawing and aligned >= 0.5
