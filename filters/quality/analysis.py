"""The one analysis of a document that every quality rule reads.

Character classes, paragraphs, sentences, character n-gram repetition and (only when a
rule asks for it) one fugashi/MeCab pass are computed at most once per text and shared
by all rules, so adding a rule never adds another scan or another tokenization. Each
part is computed on first use, so a chain that only checks length pays only for length.

The analysis is a function of the text alone, so it is cached by text: the cache hands
the same object to every rule that looks at the same document (datatrove's Document has
`__slots__`, so it cannot carry the analysis itself, and metadata would be written to
the shards). When a step changes the text (clean-up, PII masking), the next lookup
simply computes a fresh analysis.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Callable
from functools import cached_property
from itertools import compress

import numpy as np

from filters.quality.char_ngrams import ngram_repetition

# --- character classes -----------------------------------------------------------------
OTHER, SPACE, HIRAGANA, KATAKANA, KANJI, JA_PUNCT, LATIN, DIGIT, SYMBOL, REPLACEMENT = range(10)
CLASS_NAMES = ("other", "space", "hiragana", "katakana", "kanji", "ja_punct", "latin", "digit", "symbol", "replacement")

# (first code point, class) for consecutive ranges; a range lasts until the next entry
_RANGES: list[tuple[int, int]] = [
    (0x00, OTHER), (0x09, SPACE), (0x0E, OTHER), (0x20, SPACE), (0x21, SYMBOL), (0x30, DIGIT), (0x3A, SYMBOL),
    (0x41, LATIN), (0x5B, SYMBOL), (0x61, LATIN), (0x7B, SYMBOL), (0x7F, OTHER), (0x85, SPACE), (0x86, OTHER),
    (0xA0, SPACE), (0xA1, SYMBOL), (0xC0, LATIN), (0x250, OTHER),
    (0x2000, SPACE), (0x200B, OTHER), (0x2010, SYMBOL), (0x2028, SPACE), (0x202A, OTHER), (0x2030, SYMBOL),
    (0x2070, OTHER), (0x2100, SYMBOL), (0x2C00, OTHER),
    (0x3000, SPACE), (0x3001, JA_PUNCT), (0x3005, KANJI), (0x3008, JA_PUNCT), (0x3040, HIRAGANA),
    (0x30A0, KATAKANA), (0x3100, OTHER), (0x31F0, KATAKANA), (0x3200, OTHER),
    (0x3400, KANJI), (0x4DC0, OTHER), (0x4E00, KANJI), (0xA000, OTHER),
    (0xF900, KANJI), (0xFB00, OTHER), (0xFF01, JA_PUNCT), (0xFF10, DIGIT), (0xFF1A, JA_PUNCT),
    (0xFF21, LATIN), (0xFF3B, JA_PUNCT), (0xFF41, LATIN), (0xFF5B, JA_PUNCT), (0xFF66, KATAKANA),
    (0xFFA0, OTHER), (0xFFFD, REPLACEMENT), (0xFFFE, OTHER),
    (0x20000, KANJI), (0x31350, OTHER),
]
_STARTS = np.array([start for start, _ in _RANGES], dtype=np.uint32)
_CLASSES = np.array([cls for _, cls in _RANGES], dtype=np.uint8)
# the same ranges as one table over the BMP: a lookup per character instead of a binary search
_BMP_CLASSES = _CLASSES[np.searchsorted(_STARTS, np.arange(0x10000, dtype=np.uint32), side="right") - 1]

# --- sentences ---------------------------------------------------------------------------
TERMINALS = "。！？!?"
# a sentence runs to a run of terminal punctuation (plus closing brackets) or to a line end
SENTENCE = re.compile(r"[^\n。！？!?]*[。！？!?]+[」』）)】〉》”’\"']*|[^\n。！？!?]+")
_CLOSERS = "」』）)】〉》”’\"'"
_TERMINAL_BMP = np.zeros(0x10000, dtype=bool)
_TERMINAL_BMP[[ord(c) for c in TERMINALS]] = True


class TextAnalysis:
    """Everything the rules measure, each part computed on first use."""

    def __init__(self, text: str):
        self.text = text
        self._memo: dict[object, object] = {}

    def figure(self, measure: Callable[[TextAnalysis], float]) -> float:
        """A rule's value, measured once per text however many steps ask for it."""
        try:
            return self._memo[measure]  # type: ignore[return-value]
        except KeyError:
            value = self._memo[measure] = float(measure(self))
            return value

    def memo(self, key: object, compute: Callable[[TextAnalysis], object]) -> object:
        """Any per-text result, keyed by the function (or bound method, or a tuple) that owns it."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute(self)
            return value

    # characters
    @cached_property
    def codepoints(self) -> np.ndarray:
        return np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)

    @cached_property
    def char_classes(self) -> np.ndarray:
        codepoints = self.codepoints
        if not codepoints.size or codepoints.max() < 0x10000:
            return _BMP_CLASSES[codepoints]
        classes = _BMP_CLASSES[np.minimum(codepoints, 0xFFFF)]
        beyond = np.flatnonzero(codepoints >= 0x10000)
        classes[beyond] = _CLASSES[np.searchsorted(_STARTS, codepoints[beyond], side="right") - 1]
        return classes

    @cached_property
    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.char_classes, minlength=len(CLASS_NAMES))
        return {name: int(counts[i]) for i, name in enumerate(CLASS_NAMES)}

    @cached_property
    def letters(self) -> int:
        """Characters that are not whitespace: Swallow counts these, not bytes."""
        return len(self.text) - self.class_counts["space"]

    def fraction(self, *classes: str) -> float:
        """Share of the non-whitespace characters that fall in the given classes."""
        if not self.letters:
            return 0.0
        return sum(self.class_counts[c] for c in classes) / self.letters

    @cached_property
    def compact_codepoints(self) -> np.ndarray:
        """Code points without whitespace: what character n-grams run over."""
        return self.codepoints[self.char_classes != SPACE]

    # structure
    @cached_property
    def lines(self) -> list[str]:
        """All lines, as split by newline (empty ones included)."""
        return self.text.split("\n")

    @cached_property
    def paragraphs(self) -> list[str]:
        """Non-empty lines, stripped: extracted web text puts one paragraph per line."""
        return list(filter(None, map(str.strip, self.lines)))

    @cached_property
    def sentences(self) -> list[str]:
        """Sentences ended by 。！？!? (with closing brackets) or by a line break."""
        return list(filter(None, map(str.strip, SENTENCE.findall(self.text))))

    @cached_property
    def prose_sentences(self) -> list[str]:
        """The sentences that end in 。！？!? (closing brackets after it allowed): the page's prose.

        Headings, list items, menu and table lines, captions and titles end without one,
        so rules about sentences and script mix can be measured on the prose alone and
        lists judged by how much of the page they are (`prose_fraction`)."""
        return list(compress(self.sentences, self._prose_flags))

    @cached_property
    def _prose_flags(self) -> list[bool]:
        return [s[-1] in TERMINALS or (s[-1] in _CLOSERS and s.rstrip(_CLOSERS)[-1:] in TERMINALS) for s in self.sentences]

    @cached_property
    def prose_fraction(self) -> float:
        """Characters in prose sentences / characters in all sentences (0 for an empty page)."""
        total = sum(map(len, self.sentences))
        return sum(map(len, self.prose_sentences)) / total if total else 0.0

    @cached_property
    def prose(self) -> TextAnalysis:
        """The analysis of the prose sentences alone, one per line."""
        return TextAnalysis("\n".join(self.prose_sentences))

    @cached_property
    def terminal_runs(self) -> int:
        """Sentence-ending punctuation runs (「。」」 counts once): the kuten density of LLM-jp/Swallow.

        Counted on the code points (a run starts where a terminal follows a non-terminal),
        which costs a few array operations instead of a regex scan of the text."""
        terminal = _TERMINAL_BMP[np.minimum(self.codepoints, 0xFFFF)]  # U+FFFF is no terminal
        if not terminal.size:
            return 0
        return int(terminal[0]) + int(np.count_nonzero(terminal[1:] > terminal[:-1]))

    @cached_property
    def prose_and_repeated_lines(self) -> TextAnalysis:
        """The prose sentences and, of the other sentences (headings, list lines, fragments), the
        ones that occur more than once, every copy, in page order, one per line.

        What duplicate n-grams are measured on by default: a works list names its magazine and
        publisher on every line (structure, like a field name), which says nothing about spam,
        while a pasted sentence, paragraph or line is still here in every copy. Analyses already
        made are reused: the page itself when every sentence is kept (the sentences hold all its
        non-whitespace characters), `prose` when no other sentence repeats."""
        others = [s for s, is_prose in zip(self.sentences, self._prose_flags) if not is_prose]
        if not others:
            return self
        counts = Counter(others)
        if len(counts) == len(others):
            return self.prose
        kept = [s for s, is_prose in zip(self.sentences, self._prose_flags) if is_prose or counts[s] > 1]
        return self if len(kept) == len(self.sentences) else TextAnalysis("\n".join(kept))

    # repetition
    @cached_property
    def _ngrams(self) -> tuple[dict[int, float], dict[int, float]]:
        return ngram_repetition(self.compact_codepoints, top_ns=(2, 3, 4), dup_ns=(5, 6, 7, 8, 9, 10))

    @cached_property
    def _top_ngrams(self) -> dict[int, float]:
        if "_ngrams" in self.__dict__:  # already measured in the full pass
            return self._ngrams[0]
        return ngram_repetition(self.compact_codepoints, top_ns=(2, 3, 4), dup_ns=())[0]

    def top_ngram_fraction(self, n: int, with_dups: bool = True) -> float:
        """With `with_dups`, in one pass with the page's duplicate n-grams (cheaper when the page's
        are measured too); without, a pass of its own that skips them (the same numbers, exact)."""
        tops = self._ngrams[0] if with_dups else self._top_ngrams
        return tops[n] if n in tops else ngram_repetition(self.compact_codepoints, (n,), ())[0][n]

    def dup_ngram_fraction(self, n: int) -> float:
        return self._ngrams[1][n] if n in self._ngrams[1] else ngram_repetition(self.compact_codepoints, (), (n,))[1][n]

    def windowed_dup_ngram_fraction(self, n: int, window: int) -> float:
        """`dup_ngram_fraction` within windows: the text (without whitespace) is split evenly
        into round(length / window) parts, at least one, and the parts' shares are averaged
        weighted by their length. A text under 1.5 windows is one window (the plain share)."""
        codepoints = self.compact_codepoints
        parts = max(1, round(codepoints.size / window))
        if parts == 1:
            return self.dup_ngram_fraction(n)
        shares = self.memo(("dup_windows", window), lambda a: _windowed_dup_shares(a.compact_codepoints, parts))
        return shares[n] if n in shares else _windowed_dup_shares(codepoints, parts, (n,))[n]  # type: ignore[index]

    # words (only when a rule needs them)
    @cached_property
    def pos_counts(self) -> dict[str, int]:
        """Tokens per top-level UniDic part of speech, from one MeCab pass (fugashi, unidic-lite)."""
        from filters.quality.word_tokenizer import pos_counts

        return pos_counts(self.text)


def _windowed_dup_shares(codepoints: np.ndarray, parts: int, ns: tuple[int, ...] = (5, 6, 7, 8, 9, 10)) -> dict[int, float]:
    edges = np.linspace(0, codepoints.size, parts + 1).astype(np.int64)
    totals = dict.fromkeys(ns, 0.0)
    for begin, end in zip(edges[:-1].tolist(), edges[1:].tolist()):
        shares = ngram_repetition(codepoints[begin:end], top_ns=(), dup_ns=ns)[1]
        for n in ns:
            totals[n] += shares[n] * (end - begin)
    return {n: total / codepoints.size for n, total in totals.items()}


class AnalysisCache:
    """A few recent analyses keyed by text; a datatrove pipeline streams one document at a time."""

    def __init__(self, size: int = 8):
        self.size = size
        self._items: OrderedDict[str, TextAnalysis] = OrderedDict()

    def get(self, text: str) -> TextAnalysis:
        found = self._items.get(text)
        if found is not None:
            self._items.move_to_end(text)
            return found
        analysis = TextAnalysis(text)
        self._items[text] = analysis
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return analysis


_CACHE = AnalysisCache()


def analysis_of(text: str) -> TextAnalysis:
    """The shared analysis of `text` (computed now, or reused from an earlier step)."""
    return _CACHE.get(text)
