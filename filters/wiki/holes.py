"""Sentences that would lose a value: drop the clause or sentence instead of leaving a hole.

Some templates show a number or word we cannot know offline: jawiki's data templates
(`{{自治体人口/秋田県|秋田市}}`, `{{自治体面積/岩手県|岩手県}}`), parser functions over them
(`{{formatnum:{{#expr: ...}}}}`), Lua modules. Dropping them silently leaves a broken
sentence (`面積はkm2で`, `人口は現在。`, `推計人口は人で`). The renderer writes `HOLE` where such
a value stood; `repair` then removes the smallest unit that reads whole without it:

1. the bracket group holding it: `秋田周辺地域（HOLE人）` -> `秋田周辺地域`;
2. else its clause, when a later clause of the same sentence follows (`、` ends the clause):
   `面積はHOLEkm2で、日本の都道府県としては…広い。` -> `日本の都道府県としては…広い。`;
3. else the whole sentence (a clause cut from the end would leave `…ており。`).

Links to category pages mostly point at navigation (`音楽家については[[:Category:音楽家]]を参照。`,
`（[[:Category:X]]を参照）`, a list item that is only the link). The renderer wraps their
text in `NAV` marks; `repair` drops the bracket group or the sentence that holds one when it
says 参照 or holds nothing else, and otherwise keeps the link's text as a word of the
sentence (`「[[:Category:哲学|哲学]]」・「人生観」`).

Both marks are private-use code points, so no real text contains them.
"""

from __future__ import annotations

import re
from collections import Counter

HOLE = "\ue010"
NAV = "\ue011"
MARKS = HOLE + NAV

_SENTENCE = re.compile(r"[^。！？!?]*(?:[。！？!?]+[」』）)]*|$)")
_OPEN, _CLOSE = "（(", "）)"
_CLAUSE_END = "、，"
_POINTER = "参照"  # を参照, も参照, （参照）: the sentence points the reader elsewhere
# what is left of a removed span when it held no text of its own (a value alone on a line)
# (private-use marks included: the renderer's list-item mark may precede a value)
_NOT_TEXT = re.compile(r"[\s\ue000-\uf8ff、，,。.：:・（）()「」*#-]*")


def repair(text: str, counts: Counter) -> str:
    """`text` without HOLE/NAV and without the brackets, clauses or sentences that held them.

    `counts` gets `brackets_dropped`, `clauses_dropped`, `sentences_dropped` (for values) and
    `navigation_dropped` (category pointers), counting only removals that took real text with them.
    """
    if HOLE not in text and NAV not in text:
        return text
    lines = []
    for line in text.split("\n"):
        if HOLE in line or NAV in line:
            line = _repair_line(line, counts)
            if not line.strip():
                continue  # the line was only what went: no blank line (a paragraph break) in its place
        lines.append(line)
    return "\n".join(lines)


def _repair_line(line: str, counts: Counter) -> str:
    out = []
    for sentence in _SENTENCE.findall(line):
        if sentence and (HOLE in sentence or NAV in sentence):
            sentence = _repair_sentence(sentence, counts)
        out.append(sentence)
    return "".join(out)


def _repair_sentence(sentence: str, counts: Counter) -> str:
    if NAV in sentence:
        sentence = _drop_pointers(sentence, counts)
    while HOLE in sentence:
        span = _bracket_around(sentence, sentence.index(HOLE))
        if span is None:
            break
        start, end = span
        _count(counts, "brackets_dropped", sentence[start:end])
        sentence = sentence[:start] + sentence[end:]
    if HOLE not in sentence:
        return sentence
    clauses = _clauses(sentence)
    if HOLE in clauses[-1]:
        _count(counts, "sentences_dropped", sentence)
        return ""
    kept = []
    for clause in clauses:
        if HOLE in clause:
            _count(counts, "clauses_dropped", clause)
        else:
            kept.append(clause)
    return "".join(kept)


def _drop_pointers(sentence: str, counts: Counter) -> str:
    """Category links: their bracket or sentence goes when it is a pointer; else their text stays."""
    while NAV in sentence:
        at = sentence.index(NAV)
        span = _bracket_around(sentence, at)
        if span is not None and _POINTER in sentence[span[0]:span[1]]:
            _count(counts, "navigation_dropped", sentence[span[0]:span[1]])
            sentence = sentence[:span[0]] + sentence[span[1]:]
            continue
        rest = re.sub(f"{NAV}[^{NAV}]*{NAV}", "", sentence)
        if _POINTER in sentence or _NOT_TEXT.fullmatch(rest):
            _count(counts, "navigation_dropped", sentence)
            return ""
        return sentence.replace(NAV, "")
    return sentence


def _bracket_around(text: str, at: int) -> tuple[int, int] | None:
    """(start, end) of the innermost balanced bracket group holding position `at`."""
    depth = 0
    for i in range(at - 1, -1, -1):
        ch = text[i]
        if ch in _CLOSE:
            depth += 1
        elif ch in _OPEN:
            if depth:
                depth -= 1
                continue
            close = _matching_close(text, i)
            if close is not None and close > at:
                return i, close + 1
            return None
    return None


def _matching_close(text: str, start: int) -> int | None:
    depth = 0
    for i in range(start, len(text)):
        if text[i] in _OPEN:
            depth += 1
        elif text[i] in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return None


def _clauses(sentence: str) -> list[str]:
    """Split after each top-level `、` (not inside brackets or quotes); each piece keeps its comma."""
    pieces, depth, start = [], 0, 0
    for i, ch in enumerate(sentence):
        if ch in "（(「『":
            depth += 1
        elif ch in "）)」』" and depth:
            depth -= 1
        elif ch in _CLAUSE_END and not depth:
            pieces.append(sentence[start:i + 1])
            start = i + 1
    pieces.append(sentence[start:])
    if len(pieces) > 1 and not pieces[-1].strip():  # "…、" at the end: the comma's clause is last
        last = pieces.pop()
        pieces[-1] += last
    return pieces


def _count(counts: Counter, key: str, removed: str) -> None:
    if not _NOT_TEXT.fullmatch(removed):
        counts[key] += 1


def strip_marks(text: str) -> str:
    """Last guard: no mark may reach a document."""
    return text.replace(HOLE, "").replace(NAV, "")
