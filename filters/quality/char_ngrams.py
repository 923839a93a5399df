"""Character n-gram repetition figures, all n at once, in numpy.

Gopher's repetition rules (Rae et al. 2021, Table A1) count *word* n-grams; Japanese has
no spaces, so Swallow applies them to characters. Done naively (a Counter per n over
Python substrings) that is the slowest part of a quality chain. Here every n-gram is a
64-bit polynomial hash computed from the (n-1)-gram hashes in one vector operation, and
each level only sorts the positions that can still hold a repeat: an n-gram can occur
twice only if both (n-1)-grams inside it occur twice, so the candidate set shrinks fast
on real prose and the cost stays close to one pass over the text.

Definitions (characters are the text with whitespace removed):
- top n-gram fraction: occurrences of the most frequent n-gram x n / characters
  (Gopher "top n-gram character fraction");
- duplicate n-gram fraction: characters covered by an n-gram occurrence that already
  occurred earlier in the document / characters (Gopher "duplicate n-gram character
  fraction"; first occurrences are not counted, as in datatrove's port).

A hash collision can only make two different n-grams look equal; with 64-bit hashes the
chance in a document is ~L^2 / 2^64, i.e. nil.
"""

from __future__ import annotations

import numpy as np

_P = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier (golden ratio); arithmetic wraps mod 2^64
_INVALID = np.uint64(1 << 63)  # + position: a unique "hash" for n-grams that would run past the end


def ngram_repetition(
    codepoints: np.ndarray,
    top_ns: tuple[int, ...] = (2, 3, 4),
    dup_ns: tuple[int, ...] = (5, 6, 7, 8, 9, 10),
) -> tuple[dict[int, float], dict[int, float]]:
    """Top-n-gram and duplicate-n-gram character fractions of a code point array.

    Returns `(top, dup)`, two dicts keyed by n. An n longer than the text gives 0.0.
    Small n are done one level at a time (their top counts need every position); once
    only the duplicate fractions are left, the few remaining candidate positions are
    hashed for all larger n at once and sorted in one call.
    """
    total = int(codepoints.shape[0])
    top: dict[int, float] = {n: 0.0 for n in top_ns}
    dup: dict[int, float] = {n: 0.0 for n in dup_ns}
    wanted = set(top_ns) | set(dup_ns)
    if total == 0 or not wanted:
        return top, dup
    n_max = max(wanted)
    chars = codepoints.astype(np.uint64)
    n_split = max(min(dup_ns, default=n_max + 1) - 1, max(top_ns, default=1), 1)

    hashes, pos = chars, np.arange(total)  # candidates: start positions and their n-gram hashes
    for n in range(2, n_split + 1):
        keep = pos <= total - n
        pos = pos[keep]
        if pos.size == 0:
            break
        hashes = hashes[keep] * _P + chars[pos + (n - 1)]
        order = np.argsort(hashes)
        starts, sizes = _groups(hashes[order])
        pos_sorted = pos[order]
        if n in top:
            top[n] = int(sizes.max()) * n / total
        if n in dup:
            first = np.repeat(np.minimum.reduceat(pos_sorted, starts), sizes)
            dup[n] = _covered(pos_sorted[pos_sorted != first], n) / total
        # an (n+1)-gram can repeat only where the n-grams at i and i+1 both repeat
        repeated = np.zeros(total + 1, dtype=bool)
        repeated[pos_sorted[np.repeat(sizes >= 2, sizes)]] = True
        nxt = repeated[pos] & repeated[pos + 1]
        pos, hashes = pos[nxt], hashes[nxt]

    rest = list(range(n_split + 1, n_max + 1))
    if rest and pos.size:
        width = pos.size
        rows = np.empty((len(rest), width), dtype=np.uint64)
        h = hashes
        for k, n in enumerate(rest):
            h = h * _P + chars[np.minimum(pos + (n - 1), total - 1)]
            rows[k] = np.where(pos <= total - n, h, _INVALID + pos.astype(np.uint64))
        order = np.argsort(rows, axis=1)
        flat = np.take_along_axis(rows, order, axis=1).ravel()
        pos_sorted = pos[order].ravel()
        starts, sizes = _groups(flat, row_starts=np.arange(0, flat.size, width))
        first = np.repeat(np.minimum.reduceat(pos_sorted, starts), sizes)
        later = (pos_sorted != first).reshape(len(rest), width)
        pos_sorted = pos_sorted.reshape(len(rest), width)
        group_row = starts // width
        for k, n in enumerate(rest):
            if n in dup:
                dup[n] = _covered(pos_sorted[k][later[k]], n) / total
            if n in top:
                top[n] = int(sizes[group_row == k].max()) * n / total

    for n in top_ns:  # n-grams that never repeat still occur once each
        if top[n] == 0.0 and total - n + 1 > 0:
            top[n] = n / total
    return top, dup


def _groups(sorted_keys: np.ndarray, row_starts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Start index and size of each run of equal keys (a new row always starts a run)."""
    new_group = np.empty(sorted_keys.size, dtype=bool)
    new_group[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new_group[1:])
    if row_starts is not None:
        new_group[row_starts] = True
    starts = np.flatnonzero(new_group)
    return starts, np.diff(np.append(starts, sorted_keys.size))


def _covered(starts: np.ndarray, n: int) -> int:
    """Characters inside the union of the windows [s, s+n) for s in starts.

    Windows all have length n, so once sorted each adds min(n, gap to the next start).
    """
    if starts.size == 0:
        return 0
    ordered = np.sort(starts)
    return int(np.minimum(np.diff(ordered), n).sum()) + n
