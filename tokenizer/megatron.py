"""The token shard format on disk (Megatron-LM's indexed dataset) and a reader for it.

Written by datatrove's `MegatronTokenizedFile`, read by Megatron-LM's
`megatron.core.datasets.indexed_dataset.IndexedDataset` and by our trainer (through
`read_index` and `document_tokens` below, with memory maps: nothing is loaded whole).

One dataset is a pair of files with a common prefix, e.g. `RUN/tokenize/web/00000`:

`PREFIX.bin`: the tokens of every document, back to back, no header, little-endian
`dtype` (uint16 when the vocabulary has at most 65,536 entries, else int32). Each
document is `[bos] + tokens + [eos]` as recorded in `metadata.json` (`add_bos`, `add_eos`).

`PREFIX.idx` (all integers little-endian):

| offset | size | content |
|---|---|---|
| 0 | 9 | magic `b"MMIDIDX\\x00\\x00"` |
| 9 | 8 | version, uint64 = 1 |
| 17 | 1 | dtype code, uint8: 8 = uint16, 4 = int32 (Megatron's `DType` codes) |
| 18 | 8 | N = number of sequences (= documents), uint64 |
| 26 | 8 | M = number of document-index entries = N + 1, uint64 |
| 34 | 4·N | sequence lengths in tokens, int32 |
| 34+4N | 8·N | sequence start offsets in **bytes** into PREFIX.bin, int64 |
| 34+12N | 8·M | document index, int64: 0, 1, ..., N (document i is sequences doc_idx[i]..doc_idx[i+1]) |

Document i's tokens are therefore `bin[pointers[i] / itemsize : pointers[i] / itemsize + sizes[i]]`.
Next to each pair, `PREFIX.docs.parquet` lists the documents in the same order (`id`,
`licence`, `tokens`), so a licence subset can be cut from the shards later.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

MAGIC = b"MMIDIDX\x00\x00"
# Megatron-LM core/datasets/indexed_dataset.py DType codes
DTYPES: dict[int, type] = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}
_HEADER = struct.Struct("<9sQBQQ")  # magic, version, dtype code, sequences, document-index entries


def read_index(prefix: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.dtype]:
    """`(sizes, pointers, doc_idx, dtype)` of `PREFIX.idx`, as read-only memory maps.

    `sizes[i]`: tokens in sequence i; `pointers[i]`: its byte offset in `PREFIX.bin`;
    `doc_idx`: document boundaries in sequences (0..N); `dtype`: the token dtype of `.bin`.
    """
    path = Path(f"{prefix}.idx")
    with open(path, "rb") as f:
        magic, version, code, n_seq, n_doc = _HEADER.unpack(f.read(_HEADER.size))
    if magic != MAGIC:
        raise ValueError(f"{path}: not a Megatron index (magic {magic!r})")
    if version != 1:
        raise ValueError(f"{path}: unsupported index version {version}")
    if code not in DTYPES:
        raise ValueError(f"{path}: unknown dtype code {code}")
    offset = _HEADER.size
    sizes = np.memmap(path, dtype=np.int32, mode="r", offset=offset, shape=(n_seq,)) if n_seq else np.zeros(0, np.int32)
    offset += 4 * n_seq
    pointers = np.memmap(path, dtype=np.int64, mode="r", offset=offset, shape=(n_seq,)) if n_seq else np.zeros(0, np.int64)
    offset += 8 * n_seq
    doc_idx = np.memmap(path, dtype=np.int64, mode="r", offset=offset, shape=(n_doc,))
    return sizes, pointers, doc_idx, np.dtype(DTYPES[code])


def read_tokens(prefix: str | Path, dtype: np.dtype) -> np.ndarray:
    """All tokens of `PREFIX.bin` as one read-only memory map."""
    path = Path(f"{prefix}.bin")
    if path.stat().st_size == 0:
        return np.zeros(0, dtype)
    return np.memmap(path, dtype=dtype, mode="r")


def document_tokens(prefix: str | Path, index: int) -> np.ndarray:
    """Tokens of document `index` (a copy; for inspection and tests, not for training loops)."""
    sizes, pointers, _, dtype = read_index(prefix)
    tokens = read_tokens(prefix, dtype)
    start = int(pointers[index]) // dtype.itemsize
    return np.array(tokens[start:start + int(sizes[index])])


def dataset_prefixes(folder: str | Path) -> list[Path]:
    """Every `PREFIX` under `folder` that has a `.idx` (one per source per task), sorted."""
    return sorted(p.with_suffix("") for p in Path(folder).rglob("*.idx"))


def count(prefix: str | Path) -> tuple[int, int]:
    """(documents, tokens) of one dataset, from its index alone."""
    sizes, _, _, _ = read_index(prefix)
    return len(sizes), int(np.asarray(sizes, dtype=np.int64).sum())


def dtype_for_vocab(vocab_size: int) -> tuple[int, type]:
    """(bytes per token, numpy dtype) the writer uses: uint16 fits ids < 65,536."""
    return (2, np.uint16) if vocab_size <= 65536 else (4, np.int32)
