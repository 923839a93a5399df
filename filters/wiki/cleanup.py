"""Tidying what removed markup leaves behind, and scrubbing markup the parser left as text.

Split from filters.wiki.wikitext, which renders nodes; these work on the rendered text.
"""

from __future__ import annotations

import re

_MAGIC_WORDS = re.compile(r"__[A-Z]+__")
_QUOTE_MARKS = re.compile(r"'{2,}")
# brackets emptied by a dropped template; ASCII "()" only where it cannot be a call like f()
_EMPTY_PARENS = re.compile(r"（[\s、，,;；:：/・]*）|(?<![\w)\]])\([\s、，,;；:：/・]*\)")
_PAREN_LEAD = re.compile(r"([（(])\s*[、，,;；]+\s*")
_PAREN_TRAIL = re.compile(r"\s*[、，,;；]+\s*([）)])")
_SPACES = re.compile(r"[ \t]+")
_DEBRIS_LINE = re.compile(r"^[\s|!*#:;・、，,]*$")

def scrub_unparsed(text: str, hole: str = "") -> str:
    """Remove markup that mwparserfromhell left as text because it could not parse it: table
    blocks `{| ... |}` (a malformed table), orphan table rows `|-`, `|cell` (a table whose
    `{|` sits inside a dropped template), and balanced `{{ ... }}` spans (a template with a
    broken name, such as a parser function spread over lines), which become `hole`: the
    renderer passes HOLE, as the span's value is unknown. Prose never starts a line with
    `|`. Rare: 4 of the 198 articles of the real slice need it."""
    if "{|" in text or "\n|" in text or text.startswith("|"):
        lines, depth = [], 0
        for line in text.split("\n"):
            stripped = line.lstrip()
            if stripped.startswith("{|"):
                depth += 1
            elif depth and stripped.startswith("|}"):
                depth -= 1
            elif not depth and not stripped.startswith("|"):
                lines.append(line)
        text = "\n".join(lines)
    while "{{" in text:
        start = text.find("{{")
        depth, i = 0, start
        while i < len(text) - 1:
            pair = text[i:i + 2]
            if pair == "{{":
                depth, i = depth + 1, i + 2
            elif pair == "}}":
                depth, i = depth - 1, i + 2
                if depth == 0:
                    break
            else:
                i += 1
        text = text[:start] + (hole + text[i:] if depth == 0 else text[start + 2:])
    return text


def clean(text: str) -> str:
    """Tidy what the removed markup leaves behind: empty brackets, bold marks, blank runs."""
    text = scrub_unparsed(_MAGIC_WORDS.sub("", text))
    text = _QUOTE_MARKS.sub("", text)
    for _ in range(2):  # （、英: x） -> （英: x）; nested empties need a second pass
        text = _EMPTY_PARENS.sub("", text)
        text = _PAREN_LEAD.sub(r"\1", text)
        text = _PAREN_TRAIL.sub(r"\1", text)
    lines = []
    blank = False
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if _DEBRIS_LINE.match(line):
            blank = bool(lines)
            continue
        if blank:
            lines.append("")
            blank = False
        lines.append(line)
    return "\n".join(lines)
