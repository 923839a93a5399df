"""MeCab pre-segmentation of training sentences, so that no piece crosses a word boundary.

LLM-jp's tokenizers (llm-jp-tokenizer v2+) are trained on text pre-split into MeCab words:
the vocabulary then holds words and sub-words, never "の日本" spanning two words. We do
the same with fugashi + unidic-lite and SentencePiece's `pretokenization_delimiter`: the
trainer never merges across the delimiter, and at encode time the delimiter is not used,
so encoding needs no MeCab at all (the `.model` and `tokenizer.json` stay self-contained).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# U+2063 INVISIBLE SEPARATOR: never meaningful in Japanese text; stripped from the input
# before segmenting so that the only occurrences are the ones we insert.
DELIMITER = "\u2063"


class MecabSegmenter:
    """Joins MeCab words with `DELIMITER`; whitespace between words is kept on the right word."""

    def __init__(self, delimiter: str = DELIMITER):
        import fugashi  # imported here: only training with pre_segment needs MeCab

        self.tagger = fugashi.Tagger()
        self.delimiter = delimiter

    def segment(self, sentence: str) -> str:
        sentence = sentence.replace(self.delimiter, "")
        words = [word.white_space + word.surface for word in self.tagger(sentence)]
        joined = self.delimiter.join(words)
        # MeCab may drop characters it cannot represent; never train on altered text
        return joined if joined.replace(self.delimiter, "") == sentence else sentence

    def segment_all(self, sentences: Iterable[str]) -> Iterator[str]:
        for sentence in sentences:
            yield self.segment(sentence)
