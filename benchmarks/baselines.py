"""The baselines our benchmarks run beside us, configured as fairly as datatrove allows.

A speed ratio says something only against the baseline doing the same work. Two datatrove
settings make its steps do our work on Japanese:

- `CharacterTokenizer`: datatrove's `MinhashDedupSignature` hashes n-grams of the words its
  `word_tokenizer` returns. Given one that returns every non-space character as a word, it
  hashes character n-grams, the shingles our MinHash uses (Swallow's doubri, the project
  design), instead of SudachiPy word n-grams. It is an attribute of the step, so setting it
  on one instance changes nothing else (`datatrove_char_minhash`).
- `FugashiWordTokenizer`: datatrove's quality filters call `load_word_tokenizer(language)`
  for every document, and its table assigns Japanese to spaCy over SudachiPy, a slow
  tokenizer. `register_japanese_word_tokenizer()` puts fugashi (MeCab, the tokenizer our
  rules use) in that table for `ja`/`jpn`/`jpn_Jpan`, after checking the table still has the
  shape it is written against. It changes datatrove's process-wide state, which is why it
  lives here, with the benchmarks, and no pipeline step calls it.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

from datatrove.utils.word_tokenizers import WordTokenizer

JAPANESE_CODES = ("ja", "jpn", "jpn_Jpan", "ja_Jpan")


class CharacterTokenizer(WordTokenizer):
    """Every non-space character is one "word", so datatrove's word n-grams are character n-grams."""

    def __init__(self):
        super().__init__("ja")

    def word_tokenize(self, text: str) -> list[str]:
        return [c for c in text if not c.isspace()]

    def sent_tokenize(self, text: str) -> list[str]:
        return [line for line in text.splitlines() if line.strip()]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        spans, start = [], 0
        for line in text.splitlines(keepends=True):
            if line.strip():
                spans.append((start, start + len(line.rstrip())))
            start += len(line)
        return spans


def datatrove_char_minhash(output_folder: str, config):
    """datatrove's own `MinhashDedupSignature`, hashing character n-grams like ours."""
    from datatrove.pipeline.dedup.minhash import MinhashDedupSignature

    step = MinhashDedupSignature(output_folder, config, language="jpn")
    step.word_tokenizer = CharacterTokenizer()
    return step


@lru_cache(maxsize=1)
def _wakati_tagger():
    import fugashi

    return fugashi.Tagger("-Owakati")


class FugashiWordTokenizer(WordTokenizer):
    """datatrove WordTokenizer over fugashi; sentences are split as our quality rules split them."""

    def __init__(self):
        super().__init__("ja")

    def word_tokenize(self, text: str) -> list[str]:
        return _wakati_tagger().parse(text).split()

    def sent_tokenize(self, text: str) -> list[str]:
        from filters.quality.analysis import SENTENCE

        return [s for s in (m.strip() for m in SENTENCE.findall(text)) if s]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        from filters.quality.analysis import SENTENCE

        spans = []
        for match in SENTENCE.finditer(text):
            start, end = match.span()
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
        return spans


def register_japanese_word_tokenizer() -> bool:
    """Make datatrove's `load_word_tokenizer("ja")` (and jpn, jpn_Jpan) return fugashi in this
    process; False, with a warning, when datatrove's assignment table is not the lru-cached
    dict of factories this was written against (datatrove 0.10)."""
    from datatrove.utils import word_tokenizers

    assignments = getattr(word_tokenizers, "load_tokenizer_assignments", None)
    factories = assignments() if callable(assignments) else None
    if not isinstance(factories, dict) or not hasattr(word_tokenizers.load_word_tokenizer, "cache_clear"):
        warnings.warn("datatrove's word tokenizer table has changed: the fugashi baseline is not registered",
                      RuntimeWarning, stacklevel=2)
        return False
    for code in JAPANESE_CODES:
        factories[code] = FugashiWordTokenizer  # the cached dict itself: every later lookup sees it
    word_tokenizers.load_word_tokenizer.cache_clear()
    return True
