"""Text normalization for deduplication: one key for exact dedup, one code-point stream for MinHash.

Two copies of a page rarely differ in what a reader sees; they differ in full-width vs
half-width forms (`ＡＢＣ１２３` / `ABC123`, `ｶﾀｶﾅ` / `カタカナ`), line breaks, and
punctuation. Both normalizations start with NFKC for that reason.

- `exact_key`: NFKC with whitespace runs folded to one space, so a page pasted
  with different line breaks is still an exact duplicate.
- `minhash_codes`: NFKC, lower case, and whitespace, punctuation, symbols and control
  characters dropped (Unicode categories Z*, P*, S*, C*), returned as a numpy array of code
  points that `char_minhash` shingles into character n-grams. This follows datatrove's
  `simplify_text` (lowercase, no punctuation, folded whitespace) but keeps digits, and
  works on characters: Japanese has no spaces to split words on.

Python's `unicodedata.normalize("NFKC")` runs at about 30 MB/s on Japanese web text and
was the slowest part of a signature. Both functions map code points through tables built
once per process for the Basic Multilingual Plane, where NFKC and lower case act character
by character; a document holding a character for which that is not true (combining marks
and conjoining jamo that compose with their neighbour, final sigma, anything outside the
BMP) takes the exact `unicodedata` path. `tests/test_dedup_normalize.py` checks that both
paths agree, on real text and on the characters that make them differ.
"""

from __future__ import annotations

import unicodedata

import numpy as np

_BMP = 0x10000
_DROP = np.uint32(0xFFFFFFFF)  # table value: the character is dropped
_DROPPED_CATEGORIES = ("Z", "P", "S", "C")


def _dropped(char: str) -> bool:
    return unicodedata.category(char)[0] in _DROPPED_CATEGORIES


def _composes(char: str) -> bool:
    """Characters that NFKC may compose with the character before them."""
    m = ord(char)
    if unicodedata.category(char)[0] == "M" or unicodedata.combining(char):
        return True  # combining marks, including Mc vowel signs and the kana voicing marks
    return 0x1100 <= m <= 0x11FF or 0xA960 <= m <= 0xA97F or 0xD7B0 <= m <= 0xD7FF  # conjoining jamo


def _minhash_entry(cp: int, nfkc: str) -> int | None:
    """What `cp` becomes for MinHash on its own (a code point or _DROP), or None when only
    the exact path is right: it composes with a neighbour, lower-cases by context (final
    sigma), or expands to two or more kept characters (㎝ -> cm)."""
    mapped = nfkc.lower()
    if cp == 0x03A3 or any(_composes(ch) for ch in mapped):
        return None
    kept = [ch for ch in mapped if not _dropped(ch)]
    if len(kept) > 1:
        return None
    return ord(kept[0]) if kept else int(_DROP)  # … -> ... -> dropped; ℃ -> °c -> c


class _Tables:
    """Per-process lookup tables over the BMP (built in ~0.1 s on first use).

    MinHash: `minhash` (code point -> code point or _DROP) and `minhash_full` (the document
    needs the exact path). Exact key: `nfkc` (single-character NFKC), `expands` (NFKC gives
    several characters, `…` -> `...`: str.replace after the table), `composes` (exact path).
    """

    minhash: np.ndarray | None = None
    minhash_full: np.ndarray
    nfkc: np.ndarray
    expands: np.ndarray
    composes: np.ndarray
    translation: dict[int, str]  # code point -> its NFKC expansion

    @classmethod
    def build(cls) -> None:
        if cls.minhash is not None:
            return
        minhash = np.full(_BMP, _DROP, dtype=np.uint32)
        minhash_full = np.ones(_BMP, dtype=bool)
        nfkc = np.arange(_BMP, dtype=np.uint32)
        expands = np.zeros(_BMP, dtype=bool)
        composes = np.ones(_BMP, dtype=bool)
        translation: dict[int, str] = {}
        for cp in range(_BMP):
            if 0xD800 <= cp <= 0xDFFF:  # surrogates never appear in a decoded str
                continue
            mapped = unicodedata.normalize("NFKC", chr(cp))
            entry = _minhash_entry(cp, mapped)
            if entry is not None:
                minhash[cp], minhash_full[cp] = entry, False
            if any(_composes(ch) for ch in mapped):
                continue
            composes[cp] = False
            if len(mapped) == 1:
                nfkc[cp] = ord(mapped)
            else:
                translation[cp] = mapped
                expands[cp] = True
        cls.minhash_full, cls.nfkc, cls.expands, cls.composes = minhash_full, nfkc, expands, composes
        cls.translation = translation
        cls.minhash = minhash


def prepare() -> None:
    """Build the tables now, e.g. in a parent process before it forks its workers."""
    _Tables.build()


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), by table where that is exact."""
    _Tables.build()
    codes = _codes(text)
    if codes.size == 0:
        return text
    if int(codes.max()) >= _BMP or _Tables.composes[codes].any():
        return unicodedata.normalize("NFKC", text)
    out = _Tables.nfkc[codes].astype("<u4").tobytes().decode("utf-32-le")
    expanding = codes[_Tables.expands[codes]]
    for cp in np.unique(expanding).tolist() if expanding.size else ():
        out = out.replace(chr(cp), _Tables.translation[cp])  # … -> ..., ㈱ -> (株)
    return out


def exact_key(text: str) -> str:
    """The exact-dedup key: NFKC, whitespace runs folded to one space, ends stripped."""
    return " ".join(nfkc(text).split())  # str.split() splits on the same whitespace as re's \s


def _codes_exact(text: str) -> np.ndarray:
    normalized = unicodedata.normalize("NFKC", text).lower()
    return _codes("".join(ch for ch in normalized if not _dropped(ch)))


def minhash_codes(text: str) -> np.ndarray:
    """Code points (uint32) of NFKC + lower-cased text, without whitespace, punctuation,
    symbols or control characters: the characters that MinHash shingles."""
    _Tables.build()
    codes = _codes(text)
    if codes.size == 0:
        return codes
    if int(codes.max()) >= _BMP or _Tables.minhash_full[codes].any():
        return _codes_exact(text)
    mapped = _Tables.minhash[codes]
    return mapped[mapped != _DROP]


def minhash_text(text: str) -> str:
    """`minhash_codes` as a string: what the shingles are taken from (for tests and docs)."""
    return minhash_codes(text).astype("<u4").tobytes().decode("utf-32-le")
