"""Offset-preserving width folding, so one ASCII regex serves every Japanese writing.

Japanese web text writes the same phone number as `03-1234-5678`, `０３－１２３４－５６７８`
or `03ー1234ー5678` (katakana long-vowel mark as a dash). NFKC would unify these, but it
changes lengths (`㈱` -> `(株)`) and so breaks the offsets the masker needs. Every
replacement here is one character for one character: a span found in the folded text
is the same span in the original.
"""

from __future__ import annotations

import re

_TABLE: dict[int, str] = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}  # ！..～ -> !..~
_TABLE[0x3000] = " "  # ideographic space
for _dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d":  # ‐‑‒–—―−﹣－
    _TABLE[ord(_dash)] = "-"
_FOLD = str.maketrans(_TABLE)

# ー/ｰ are real letters in katakana words; only between digits do they stand for a dash.
_DIGIT_LONG_VOWEL = re.compile(r"(?<=[0-9])[ーｰ](?=[0-9])")


def fold(text: str) -> str:
    """Full-width ASCII to ASCII, dash variants to `-`, same length as `text`."""
    folded = text.translate(_FOLD)
    if "ー" in folded or "ｰ" in folded:
        folded = _DIGIT_LONG_VOWEL.sub("-", folded)
    return folded
