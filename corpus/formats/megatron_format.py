"""The token shard format on disk (Megatron-LM's indexed dataset): the one reader and writer.

Written by datatrove's `MegatronTokenizedFile` (the tokenize stage), read by Megatron-LM's
`megatron.core.datasets.indexed_dataset.IndexedDataset`, by the tokenize stage's report and
by our trainer, all through `TokenShard` below, with memory maps: nothing is loaded whole.
numpy only: the trainer imports it on GPU machines where datatrove is not installed.

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

Prefixes are named `{source}_{rank:05d}_tokens` (datatrove's `save_filename`) or
`{source}/{rank:05d}` (the tokenize stage's folders); `source_name` reads either.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from pathlib import Path

import numpy as np

MAGIC = b"MMIDIDX\x00\x00"
# Megatron-LM megatron/core/datasets/indexed_dataset.py DType codes
DTYPES: dict[int, type] = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64,
                           7: np.float32, 8: np.uint16}
_HEADER = struct.Struct("<9sQBQQ")  # magic, version, dtype code, sequences, document-index entries


def read_index(prefix: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.dtype]:
    """`(sizes, pointers, doc_idx, dtype)` of `PREFIX.idx`, as read-only memory maps.

    `sizes[i]`: tokens in sequence i; `pointers[i]`: its byte offset in `PREFIX.bin`;
    `doc_idx`: document boundaries in sequences (0..N); `dtype`: the token dtype of `.bin`.
    """
    path = Path(f"{prefix}.idx")
    with open(path, "rb") as f:
        head = f.read(_HEADER.size)
    if len(head) < _HEADER.size or head[:9] != MAGIC:
        raise ValueError(f"{path}: not a Megatron index (magic {head[:9]!r})")
    _, version, code, n_seq, n_doc = _HEADER.unpack(head)
    if version != 1:
        raise ValueError(f"{path}: unsupported index version {version} (expected 1)")
    if code not in DTYPES or code in (6, 7):
        raise ValueError(f"{path}: token dtype code {code} is not an integer type")

    def view(dtype, count: int, offset: int) -> np.ndarray:
        return np.memmap(path, dtype, "r", offset, (count,)) if count else np.zeros(0, dtype)

    offset = _HEADER.size
    sizes = view(np.int32, n_seq, offset)
    pointers = view(np.int64, n_seq, offset + 4 * n_seq)
    doc_idx = view(np.int64, n_doc, offset + 12 * n_seq)
    return sizes, pointers, doc_idx, np.dtype(DTYPES[code])


class TokenShard:
    """One memory-mapped `.bin/.idx` pair; `document(i)` returns a read-only view.

    The `.bin` must hold exactly the tokens the index counts: a pair from two different
    writes (a killed task, a copy cut short) is refused rather than read out of step."""

    def __init__(self, prefix: str | Path):
        self.prefix = str(prefix)
        self.lengths, self.pointers, self.doc_index, self.dtype = read_index(self.prefix)
        size = Path(self.prefix + ".bin").stat().st_size
        expected = int(self.lengths.sum(dtype=np.int64)) * self.dtype.itemsize
        if size != expected:
            raise ValueError(f"{self.prefix}.bin: {size} bytes, index says {expected}")
        self.tokens = np.memmap(self.prefix + ".bin", self.dtype, "r") if size else np.zeros(0, self.dtype)

    def __len__(self) -> int:
        """Documents (Megatron's document index groups sequences; datatrove writes one per document)."""
        return max(len(self.doc_index) - 1, 0)

    def document(self, i: int) -> np.ndarray:
        first, last = int(self.doc_index[i]), int(self.doc_index[i + 1])
        if last == first:
            return self.tokens[:0]
        start = int(self.pointers[first]) // self.dtype.itemsize
        end = int(self.pointers[last - 1]) // self.dtype.itemsize + int(self.lengths[last - 1])
        return self.tokens[start:end]

    def document_lengths(self) -> np.ndarray:
        ends = np.concatenate([[0], np.cumsum(self.lengths, dtype=np.int64)])
        return ends[self.doc_index[1:]] - ends[self.doc_index[:-1]]

    @property
    def n_tokens(self) -> int:
        return int(np.asarray(self.lengths, dtype=np.int64).sum())


def count(prefix: str | Path) -> tuple[int, int]:
    """(documents, tokens) of one dataset, from its index alone."""
    sizes, _, doc_idx, _ = read_index(prefix)
    return max(len(doc_idx) - 1, 0), int(np.asarray(sizes, dtype=np.int64).sum())


def dtype_for_vocab(vocab_size: int) -> tuple[int, type]:
    """(bytes per token, numpy dtype) the writer uses: uint16 fits ids < 65,536."""
    return (2, np.uint16) if vocab_size <= 65536 else (4, np.int32)


def write_token_shard(prefix: str | Path, documents: Iterable, vocab_size: int) -> None:
    """Write documents (token id sequences) as one Megatron `.bin/.idx` pair, byte for byte what
    datatrove's `MegatronTokenizedFile` writes (tests/test_megatron_format.py compares them).

    The pipeline's tokenize stage writes real shards with datatrove; this writer exists so
    tests and benchmarks make synthetic shards where only the `train` extra is installed
    (a GPU machine without the pipeline's dependencies).
    """
    itemsize, np_dtype = dtype_for_vocab(vocab_size)
    dtype = np.dtype(np_dtype)
    code = next(c for c, t in DTYPES.items() if np.dtype(t) == dtype)
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    lengths = []
    with open(str(prefix) + ".bin", "wb") as f:
        for doc in documents:
            tokens = np.asarray(doc, dtype=dtype)
            f.write(tokens.tobytes(order="C"))
            lengths.append(len(tokens))
    lengths_arr = np.array(lengths, dtype=np.int32)
    pointers = np.concatenate([[0], np.cumsum(lengths_arr[:-1], dtype=np.int64)]).astype(np.int64) * itemsize
    with open(str(prefix) + ".idx", "wb") as f:
        f.write(_HEADER.pack(MAGIC, 1, code, len(lengths), len(lengths) + 1))
        f.write(lengths_arr.tobytes(order="C"))
        f.write(pointers[: len(lengths)].tobytes(order="C"))
        f.write(np.arange(len(lengths) + 1, dtype=np.int64).tobytes(order="C"))


def shard_prefixes(paths: Iterable[str | Path]) -> list[str]:
    """`.idx`/`.bin` files, prefixes or directories (searched recursively) -> sorted unique
    prefixes that have both files."""
    found = set()
    for p in map(Path, paths):
        if p.is_dir():
            found.update(str(f.with_suffix("")) for f in p.rglob("*.idx"))
        elif p.suffix in (".idx", ".bin"):
            found.add(str(p.with_suffix("")))
        elif Path(str(p) + ".idx").is_file():
            found.add(str(p))
    return sorted(f for f in found if Path(f + ".idx").is_file() and Path(f + ".bin").is_file())


def source_name(prefix: str | Path) -> str:
    """`web_00000_tokens` -> `web` (datatrove's `{save_filename}_{rank:05d}_tokens`); a bare
    `00000` or `00000_tokens` takes its folder's name (`tokenize/wiki/00000` -> `wiki`)."""
    stem = re.sub(r"_?\d{5}(_tokens)?$", "", Path(prefix).name)
    return stem or Path(prefix).parent.name


def group_shards(paths: Iterable[str | Path]) -> dict[str, list[str]]:
    """Shard prefixes among `paths` by source name, as the trainer mixes them."""
    groups: dict[str, list[str]] = {}
    for prefix in shard_prefixes(paths):
        groups.setdefault(source_name(prefix), []).append(prefix)
    return groups
