"""fugashi (MeCab + unidic-lite) for the rules that need words: one part-of-speech pass.

fugashi ships its dictionary in a wheel and is ~50x faster than the spaCy/SudachiPy
tokenizer datatrove assigns to Japanese (docs/filter.md). No pipeline step uses datatrove's
word tokenizers; the benchmark that runs datatrove's quality filters as a baseline gives
them fugashi itself (benchmarks/baselines.py).

The part-of-speech pass for the noun-ratio rule asks MeCab for one short field per token
(an output format defined in a four-line rc file) and counts the lines, which is about
three times faster than building fugashi's node objects.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from functools import lru_cache

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
