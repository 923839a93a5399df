"""Keyword lists matched with one Aho-Corasick automaton (pyahocorasick).

HojiChar and LLM-jp compile each list into one big regex alternation and scan once per
list; an automaton finds every keyword of every list in one pass over the text, however
long the lists grow. Lists are plain text files (one expression per line, `#` starts a
comment), so a user replaces them by pointing the options at another file.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

_KATAKANA = {chr(c) for c in range(0x30A1, 0x30FB)} | {"ー", "ヽ", "ヾ"}
_BUILT = 2  # ahocorasick.AHOCORASICK: the automaton is built (an empty list leaves it EMPTY)


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

    def __getstate__(self) -> dict:
        # rebuilt lazily in each worker; keeps the pickled pipeline small
        return {**self.__dict__, "_automaton": None}

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

    def count(self, text: str) -> dict[str, tuple[int, int]]:
        """list name -> (matches, characters inside matches)."""
        counts = {name: [0, 0] for name in self.paths}
        automaton = self.automaton
        if automaton.kind != _BUILT:
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
