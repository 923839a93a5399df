"""fugashi (MeCab + unidic-lite) as the Japanese word tokenizer, for our rules and for datatrove's.

datatrove assigns Japanese to spaCy's tokenizer, which needs SudachiPy and its
dictionary and ran at about 0.06 MB/s per core on real web text here (see
docs/filter.md). fugashi ships its dictionary in a wheel and is ~50x faster. Call
`register_japanese_word_tokenizer()` once and datatrove's own steps that take a
`language` (GopherQualityFilter, MinhashDedupSignature, the stats blocks...) use fugashi
for `ja` / `jpn` / `jpn_Jpan`. Delete the registration when datatrove ships a fast
Japanese tokenizer of its own.

The part-of-speech pass for the noun-ratio rule asks MeCab for one short field per token
(an output format defined in a four-line rc file) and counts the lines, which is about
three times faster than building fugashi's node objects.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from functools import lru_cache

from datatrove.utils.word_tokenizers import WordTokenizer

from filters.quality.analysis import SENTENCE

JAPANESE_CODES = ("ja", "jpn", "jpn_Jpan", "ja_Jpan")

# MeCab output formats, one token per line, nothing for BOS/EOS: a dictionary word prints
# its left context id (a number, mapped to its POS through left-id.def: cheaper for MeCab
# than formatting a feature), an unknown word its POS itself (its context id is shared
# across POS: 〓 has a noun's id but is 記号)
_POS_RC = "node-format-pos = %phl\\n\nunk-format-pos = %f[0]\\n\nbos-format-pos = \neos-format-pos = \n"


@lru_cache(maxsize=1)
def _dicdir() -> str:
    import unidic_lite

    return unidic_lite.DICDIR


@lru_cache(maxsize=1)
def _wakati_tagger():
    import fugashi

    return fugashi.Tagger("-Owakati")


@lru_cache(maxsize=1)
def _pos_tagger():
    import fugashi

    rc_dir = tempfile.mkdtemp(prefix="jacorpus_mecab_")
    rc_path = os.path.join(rc_dir, "pos.rc")
    with open(rc_path, "w", encoding="utf-8") as f:
        f.write(_POS_RC)
    return fugashi.GenericTagger(f"-r {rc_path} -d {_dicdir()} -Opos")


@lru_cache(maxsize=1)
def _left_id_pos() -> dict[str, str]:
    """Left context id -> top-level POS, from the dictionary's left-id.def."""
    out = {}
    with open(os.path.join(_dicdir(), "left-id.def"), encoding="utf-8") as f:
        for line in f:
            number, features = line.rstrip("\n").split(" ", 1)
            out[number] = features.split(",", 1)[0]
    return out


MAX_PIECE = 20_000  # characters per MeCab call: a single 1M-character "sentence" crashes MeCab


def _pieces(text: str, size: int = MAX_PIECE):
    """The text in pieces of at most `size` characters, cut at line breaks where there are any."""
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut + 1 if cut > 0 else size
        yield text[:cut]
        text = text[cut:]
    if text:
        yield text


def pos_counts(text: str) -> dict[str, int]:
    """Tokens per top-level UniDic POS (名詞, 助詞, 補助記号, 空白, ...) in one MeCab pass."""
    if not text:
        return {}
    by_id: Counter = Counter()
    for piece in _pieces(text):
        try:
            parsed = _pos_tagger().parse(piece)
        except UnicodeEncodeError:  # lone surrogates from a broken decoder: MeCab needs UTF-8
            parsed = _pos_tagger().parse(piece.encode("utf-8", "replace").decode("utf-8"))
        by_id.update(parsed.split("\n"))
    by_id.pop("", None)
    pos_of = _left_id_pos()
    counts: Counter = Counter()
    for key, n in by_id.items():
        counts[pos_of.get(key, key)] += n
    return dict(counts)


class FugashiWordTokenizer(WordTokenizer):
    """datatrove WordTokenizer over fugashi; sentences are split like our quality rules split them."""

    def __init__(self):
        super().__init__("ja")

    def word_tokenize(self, text: str) -> list[str]:
        return _wakati_tagger().parse(text).split()

    def sent_tokenize(self, text: str) -> list[str]:
        return [s for s in (m.strip() for m in SENTENCE.findall(text)) if s]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
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


def register_japanese_word_tokenizer() -> None:
    """Make datatrove's `load_word_tokenizer("ja")` (and jpn, jpn_Jpan) return fugashi."""
    from datatrove.utils import word_tokenizers

    factories = word_tokenizers.load_tokenizer_assignments()  # lru-cached dict: mutate in place
    for code in JAPANESE_CODES:
        factories[code] = FugashiWordTokenizer
    word_tokenizers.load_word_tokenizer.cache_clear()
