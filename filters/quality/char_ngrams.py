"""Character n-gram repetition figures, all n at once, in numpy.

Gopher's repetition rules (Rae et al. 2021, Table A1) count *word* n-grams; Japanese has
no spaces, so Swallow applies them to characters. Done naively (a Counter per n over
Python substrings) that is the slowest part of a quality chain. Here n-grams are exact
integer keys, so there are no hash collisions to reason about, and the default n = 2..10
cost a typical page (up to ~16k characters, ~1,000 distinct ones) two sorts:

1. The characters get dense ids 1..V (a page uses a few hundred distinct characters, so
   an id takes ~10 bits) and k of them are packed into one 64-bit key together with the
   position. One sort of those keys groups the positions by every n-gram for n <= k at
   once, because a key sorts by its leading characters first; and since the position is
   the last field, the first position of each group is the first occurrence.
2. Longer n-grams (up to 2k) are pairs of k-gram ranks, (rank at i, rank at i + n - k),
   and can only repeat where the k-grams at i and i + 1 both repeat. Those few candidate
   positions are sorted once more, one row per n. Beyond 2k the same step repeats with
   the 2k-gram ranks (long pages with big alphabets fit fewer characters in a key, k < 5,
   and take one more round).

Per-call overhead, not arithmetic, is what costs on pages of a few thousand characters,
so every step works on whole arrays and the rows of step 2 are handled together.

Definitions (characters are the text with whitespace removed):
- top n-gram fraction: occurrences of the most frequent n-gram x n / characters
  (Gopher "top n-gram character fraction");
- duplicate n-gram fraction: characters covered by an n-gram occurrence that already
  occurred earlier in the document / characters (Gopher "duplicate n-gram character
  fraction"; first occurrences are not counted, as in datatrove's port).
"""

from __future__ import annotations

import numpy as np

_U64 = np.uint64


def ngram_repetition(
    codepoints: np.ndarray,
    top_ns: tuple[int, ...] = (2, 3, 4),
    dup_ns: tuple[int, ...] = (5, 6, 7, 8, 9, 10),
) -> tuple[dict[int, float], dict[int, float]]:
    """Top-n-gram and duplicate-n-gram character fractions of a code point array.

    Returns `(top, dup)`, two dicts keyed by n (n >= 2). An n longer than the text gives 0.0.
    """
    total = int(codepoints.shape[0])
    top: dict[int, float] = {n: 0.0 for n in top_ns}
    dup: dict[int, float] = {n: 0.0 for n in dup_ns}
    wanted = set(top_ns) | set(dup_ns)
    if total == 0 or not wanted:
        return top, dup
    n_max = max(wanted)

    # step 1: k characters + the position in one key. k stops at the smallest duplicate n,
    # because only for n == k does "first in its group" mean "first occurrence".
    ids, alphabet = _dense_ids(codepoints)
    b = alphabet.bit_length()
    p_bits = max(1, (total - 1).bit_length())
    k = max(1, min(n_max, (64 - p_bits) // b, min(dup_ns, default=n_max)))
    padded = np.zeros(total + k - 1, dtype=np.uint64)  # id 0 past the end: such n-grams are all unique
    padded[:total] = ids
    key = padded[:total].copy()
    for j in range(1, k):
        key <<= _U64(b)
        key |= padded[j : total + j]
    key <<= _U64(p_bits)
    key |= np.arange(total, dtype=np.uint64)
    key.sort()
    order = (key & _U64((1 << p_bits) - 1)).astype(np.intp)  # positions in sorted order

    new = np.empty(total + 1, dtype=bool)  # new[i]: sorted entry i starts a group (new[total]: sentinel)
    new[0] = new[total] = True
    for n in sorted(x for x in wanted if x <= k):
        prefix = key >> _U64(p_bits + b * (k - n))
        np.not_equal(prefix[1:], prefix[:-1], out=new[1:total])
        if n in top:
            top[n] = _largest_group(new) * n / total
        if n in dup:
            dup[n] = _covered(order[~new[:total]], n) / total
    if n_max <= k:
        return _finish(top, total), dup

    if k not in wanted:
        prefix = key >> _U64(p_bits)
        np.not_equal(prefix[1:], prefix[:-1], out=new[1:total])
    rank = np.empty(total, dtype=np.uint64)  # group number of the k-gram at each position
    rank[order] = np.cumsum(new[:total])
    repeats = np.empty(total, dtype=bool)
    repeats[order] = ~(new[:total] & new[1:])

    # step 2: n-grams of length m < n <= 2m as pairs of m-gram ranks, at the candidate positions only
    m = k
    while m < n_max:
        hi = min(2 * m, n_max)
        cand = np.flatnonzero(repeats[:-1] & repeats[1:])
        if cand.size == 0:
            break
        width = cand.size
        ns = np.arange(m + 1, hi + 1)
        r_bits = (2 * total + 1).bit_length()
        w_bits = max(1, (width - 1).bit_length())
        # a candidate's (rank at i + n - m) is in range: the m-gram at i + 1 is a whole one, and n <= 2m
        rows = (rank[cand] << _U64(r_bits))[None, :] | rank[cand[None, :] + (ns - m)[:, None]]
        if 2 * r_bits + w_bits <= 64:
            rows <<= _U64(w_bits)
            rows |= np.arange(width, dtype=np.uint64)
            rows.sort(axis=1)
            at = (rows & _U64((1 << w_bits) - 1)).astype(np.intp)
            rows >>= _U64(w_bits)
        else:  # documents of millions of characters: no room for the index in the key
            at = np.argsort(rows, axis=1, kind="stable")
            rows = np.take_along_axis(rows, at, axis=1)
        new2 = np.empty((ns.size, width + 1), dtype=bool)
        new2[:, 0] = new2[:, width] = True
        np.not_equal(rows[:, 1:], rows[:, :-1], out=new2[:, 1:width])
        dup_rows = []
        for r, n in enumerate(ns.tolist()):
            if n in top:
                top[n] = _largest_group(new2[r]) * n / total
            if n in dup:
                dup_rows.append(r)
        if dup_rows:
            lengths = ns[dup_rows]
            # later occurrences of all these rows together, as row * width + index into cand, in position order
            tagged = (at[dup_rows] + (np.arange(len(dup_rows)) * width)[:, None])[~new2[dup_rows, :width]]
            tagged.sort()
            row = tagged // width
            for n, covered in zip(lengths.tolist(), _covered_per_row(row, cand[tagged - row * width], lengths).tolist()):
                dup[n] = covered / total
        if hi == n_max:
            break
        # ranks of the hi-grams: groups among the candidates, a unique number everywhere else
        where = cand[at[-1]]
        rank = np.arange(total + 1, 2 * total + 1, dtype=np.uint64)
        rank[where] = np.cumsum(new2[-1, :width])
        repeats = np.zeros(total, dtype=bool)
        repeats[where] = ~(new2[-1, :width] & new2[-1, 1:])
        m = hi
    return _finish(top, total), dup


def _dense_ids(codepoints: np.ndarray) -> tuple[np.ndarray, int]:
    """Ids 1..V in code point order, and V."""
    ordered = np.sort(codepoints)
    first = np.empty(ordered.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    width = np.uint16 if ordered.size < 0x10000 else np.uint32  # V <= characters: 16 bits mostly suffice
    ranks = np.cumsum(first, dtype=width)
    if ordered[-1] < 0x10000:  # a table lookup beats a binary search per character
        table = np.empty(0x10000, dtype=width)
        table[ordered] = ranks
        return table[codepoints], int(ranks[-1])
    return np.searchsorted(ordered[first], codepoints) + 1, int(ranks[-1])


def _largest_group(new: np.ndarray) -> int:
    starts = new.nonzero()[0]
    return int((starts[1:] - starts[:-1]).max())


def _finish(top: dict[int, float], total: int) -> dict[int, float]:
    for n, value in top.items():
        if total - n + 1 <= 0:  # no n-gram at all
            top[n] = 0.0
        elif value == 0.0:  # n-grams that never repeat still occur once each
            top[n] = n / total
    return top


def _covered(starts: np.ndarray, n: int) -> int:
    """Characters inside the union of the windows [s, s+n) for s in starts.

    Windows all have length n, so once sorted each adds min(n, gap to the next start).
    """
    if starts.size == 0:
        return 0
    ordered = np.sort(starts)
    gaps = ordered[1:] - ordered[:-1]
    return int(np.minimum(gaps, n, out=gaps).sum()) + n


def _covered_per_row(row: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`_covered` for several rows at once: `row` ascending, `starts` ascending within a row,
    row r's windows of length lengths[r]."""
    if starts.size == 0:
        return np.zeros(lengths.size, dtype=np.int64)
    gaps = starts[1:] - starts[:-1]
    np.minimum(gaps, lengths[row[1:]], out=gaps)
    gaps[row[1:] != row[:-1]] = 0  # the last start of a row adds its full length below
    inner = np.bincount(row[1:], weights=gaps, minlength=lengths.size).astype(np.int64)  # exact: sums < 2^53
    return inner + lengths * (np.bincount(row, minlength=lengths.size) > 0)
