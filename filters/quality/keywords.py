"""Keyword lists matched with one Aho-Corasick automaton (pyahocorasick).

HojiChar and LLM-jp compile each list into one big regex alternation and scan once per
list; an automaton finds every keyword of every list in one pass over the text, however
long the lists grow. Lists are plain text files (one expression per line, `#` starts a
comment), so a user replaces them by pointing the options at another file.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np

_KATAKANA = {chr(c) for c in range(0x30A1, 0x30FB)} | {"ー", "ヽ", "ヾ"}
_BUILT = 2  # ahocorasick.AHOCORASICK: the automaton is built (an empty list leaves it EMPTY)
_MAX_PROBES = 64  # more prefilter hits than this on one page: just run the automaton


def read_list(path: str | Path) -> list[str]:
    """Expressions of one list file, NFKC-normalized like the text they are matched against."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(unicodedata.normalize("NFKC", line))
    return out


class KeywordMatcher:
    """Counts matches and matched characters per list in one pass.

    Matches are the longest non-overlapping ones. With `katakana_boundary`, a keyword
    written only in katakana counts only when it is not part of a longer katakana word
    (HojiChar's `ignore_confused`: アス must not fire inside アスパラガス).
    """

    def __init__(self, lists: dict[str, str | Path], katakana_boundary: bool = True):
        self.paths = {name: str(path) for name, path in lists.items()}
        self.katakana_boundary = katakana_boundary
        self._automaton = None
        self._prefilter: tuple[int, dict[str, tuple[str, ...]], np.ndarray] | None = None

    def __getstate__(self) -> dict:
        # rebuilt lazily in each worker; keeps the pickled pipeline small
        return {**self.__dict__, "_automaton": None, "_prefilter": None}

    @property
    def automaton(self):
        if self._automaton is None:
            import ahocorasick

            entries: dict[str, set[str]] = {}
            for name, path in self.paths.items():
                for keyword in read_list(path):
                    entries.setdefault(keyword, set()).add(name)
            automaton = ahocorasick.Automaton()
            for keyword, names in entries.items():
                is_katakana = all(ch in _KATAKANA for ch in keyword)
                automaton.add_word(keyword, (len(keyword), is_katakana, tuple(sorted(names))))
            if entries:
                automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def count(self, text: str, codepoints: np.ndarray | None = None) -> dict[str, tuple[int, int]]:
        """list name -> (matches, characters inside matches).

        With the text's code points (the shared analysis has them), a page in which no
        keyword occurs is answered without running the automaton: most pages hold none,
        and the automaton's scan costs 10-16 ns a character."""
        counts = {name: [0, 0] for name in self.paths}
        automaton = self.automaton
        if automaton.kind != _BUILT or (codepoints is not None and not self._may_match(text, codepoints)):
            return {name: (0, 0) for name in self.paths}
        last = len(text) - 1
        for end, (length, is_katakana, names) in automaton.iter_long(text):
            start = end - length + 1
            if is_katakana and self.katakana_boundary and (
                (start > 0 and text[start - 1] in _KATAKANA) or (end < last and text[end + 1] in _KATAKANA)
            ):
                continue
            for name in names:
                counts[name][0] += 1
                counts[name][1] += length
        return {name: (c, chars) for name, (c, chars) in counts.items()}

    def _may_match(self, text: str, codepoints: np.ndarray) -> bool:
        """False only when no keyword occurs anywhere in the text (then every count is 0).

        Positions whose first `width` characters (1 or 2) begin some keyword are found
        through a 65,536-entry table of hashed prefixes, then the keywords with that prefix
        are compared there with `str.startswith`: a hash collision costs a comparison,
        never a missed match."""
        if self._prefilter is None:
            keywords = list(self.automaton.keys())
            width = 2 if all(len(k) >= 2 for k in keywords) else 1
            by_prefix: dict[str, list[str]] = {}
            for keyword in keywords:
                by_prefix.setdefault(keyword[:width], []).append(keyword)
            table = np.zeros(0x10000, dtype=bool)
            for prefix in by_prefix:
                table[_prefix_hash(np.array([ord(c) for c in prefix], dtype=np.uint32), width)] = True
            self._prefilter = (width, {p: tuple(k) for p, k in by_prefix.items()}, table)
        width, by_prefix, table = self._prefilter
        if codepoints.size < width:
            return False
        hits = np.flatnonzero(table[_page_prefix_hash(codepoints, width)])
        if hits.size > _MAX_PROBES:
            return True
        for i in hits.tolist():
            keywords = by_prefix.get(text[i : i + width])
            if keywords and text.startswith(keywords, i):
                return True
        return False


_LAST_PAGE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _page_prefix_hash(codepoints: np.ndarray, width: int) -> np.ndarray:
    """`_prefix_hash`, computed once for the page that every matcher of a chain looks at in
    turn (NG lists, then ads): the last page's array is kept and recognized by identity."""
    last = _LAST_PAGE.get(width)
    if last is not None and last[0] is codepoints:
        return last[1]
    hashes = _prefix_hash(codepoints, width)
    _LAST_PAGE[width] = (codepoints, hashes)
    return hashes


def _prefix_hash(codepoints: np.ndarray, width: int) -> np.ndarray:
    """16-bit hash of the `width` characters starting at each position (as many as fit)."""
    if width == 1:
        return codepoints & np.uint32(0xFFFF)
    return (codepoints[:-1] * np.uint32(0x9E37) + codepoints[1:]) & np.uint32(0xFFFF)
