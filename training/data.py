"""Token shards in, packed training batches out: memory-mapped, mixed, masked, resumable.

- `TokenShard` reads one Megatron MMIDIDX `.idx` + `.bin` pair (as written by datatrove's
  `MegatronTokenizedFile` and Megatron-LM's `IndexedDatasetBuilder`) with `np.memmap`, so
  a shard of any size costs page cache, not RAM.
- `TokenSource` is one source's documents (web, wiki, code...) over several shards, with a
  fixed held-out split for validation loss.
- `PackedBatches` packs documents into `seq_len + 1` windows and records a document id
  per position, so the model masks attention across documents. Sources are mixed in
  proportion to weight x tokens (weight 1.0 = natural share, 2.0 = seen twice as often,
  the "epochs" of Swallow's and LLM-jp's corpus tables, as the tokenize stage records) with Megatron's deterministic blending rule (`build_blending_indices`: pick the
  source furthest behind its target share), each rank walks its own slice of a seeded
  per-epoch permutation, and the whole position is a small dict: restoring it continues
  with exactly the next batch, without replaying any.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_HEADER = b"MMIDIDX\x00\x00"
# Megatron-LM megatron/core/datasets/indexed_dataset.py DType codes
_DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


class TokenShard:
    """One memory-mapped `.bin/.idx` pair; `document(i)` returns a read-only view."""

    def __init__(self, prefix: str | Path):
        self.prefix = str(prefix)
        index = Path(self.prefix + ".idx")
        with index.open("rb") as f:
            magic, version, code, n_seq, n_doc = struct.unpack("<9sQBQQ", f.read(34))
        if magic != _HEADER:
            raise ValueError(f"{index}: not a Megatron MMIDIDX index")
        if version != 1:
            raise ValueError(f"{index}: index version {version} (expected 1)")
        if code not in _DTYPES or code in (6, 7):
            raise ValueError(f"{index}: token dtype code {code} is not an integer type")
        self.dtype = np.dtype(_DTYPES[code])

        def view(dtype, count: int, offset: int) -> np.ndarray:
            return np.memmap(index, dtype, "r", offset, (count,)) if count else np.zeros(0, dtype)

        self.lengths = view(np.int32, n_seq, 34)
        self.pointers = view(np.int64, n_seq, 34 + 4 * n_seq)
        self.doc_index = view(np.int64, n_doc, 34 + 12 * n_seq)
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


def write_token_shard(prefix: str | Path, documents, vocab_size: int) -> None:
    """Write documents (token id sequences) as one Megatron `.bin/.idx` pair, byte for byte what
    datatrove's `MegatronTokenizedFile` writes (tests/test_train_data.py compares them).

    The pipeline's tokenize stage writes real shards with datatrove; this writer exists so
    tests and benchmarks make synthetic shards where only the `train` extra is installed
    (a GPU machine without the pipeline's dependencies).
    """
    dtype, code = (np.dtype(np.int32), 4) if vocab_size > 65535 else (np.dtype(np.uint16), 8)
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    lengths = []
    with open(str(prefix) + ".bin", "wb") as f:
        for doc in documents:
            tokens = np.asarray(doc, dtype=dtype)
            f.write(tokens.tobytes(order="C"))
            lengths.append(len(tokens))
    lengths_arr = np.array(lengths, dtype=np.int32)
    pointers = np.concatenate([[0], np.cumsum(lengths_arr[:-1], dtype=np.int64)]).astype(np.int64) * dtype.itemsize
    with open(str(prefix) + ".idx", "wb") as f:
        f.write(_HEADER + struct.pack("<Q", 1) + struct.pack("<B", code))
        f.write(struct.pack("<Q", len(lengths)) + struct.pack("<Q", len(lengths) + 1))
        f.write(lengths_arr.tobytes(order="C"))
        f.write(pointers[: len(lengths)].tobytes(order="C"))
        f.write(np.arange(len(lengths) + 1, dtype=np.int64).tobytes(order="C"))


def shard_prefixes(paths: list[str | Path]) -> list[str]:
    """`.idx`/`.bin` files, prefixes or directories -> sorted unique prefixes that have both files."""
    found = set()
    for p in map(Path, paths):
        if p.is_dir():
            found.update(str(f.with_suffix("")) for f in p.rglob("*.idx"))
        elif p.suffix in (".idx", ".bin"):
            found.add(str(p.with_suffix("")))
        elif Path(str(p) + ".idx").is_file():
            found.add(str(p))
    return sorted(f for f in found if Path(f + ".idx").is_file() and Path(f + ".bin").is_file())


def source_name(prefix: str) -> str:
    """`web_00000_tokens` -> `web` (datatrove's `{save_filename}_{rank:05d}_tokens`); a bare
    `00000` or `00000_tokens` takes its folder's name (`tokenize/wiki/00000` -> `wiki`)."""
    stem = re.sub(r"_?\d{5}(_tokens)?$", "", Path(prefix).name)
    return stem or Path(prefix).parent.name


class TokenSource:
    """One source's documents across shards, split once into training and held-out documents."""

    def __init__(self, name: str, shards: list[TokenShard], val_fraction: float = 0.0, seed: int = 0):
        self.name, self.shards = name, shards
        pairs = [(s, d) for s, shard in enumerate(shards) for d in range(len(shard))]
        lengths = np.concatenate([sh.document_lengths() for sh in shards]) if shards else np.zeros(0, np.int64)
        keep = lengths > 0
        self.docs = np.array(pairs, dtype=np.int64).reshape(-1, 2)[keep]
        self.n_documents = len(pairs)
        self.n_tokens = int(lengths.sum())
        order = np.random.default_rng([seed, 7]).permutation(len(self.docs))
        n_val = 0
        if val_fraction > 0 and len(self.docs) >= 2:
            n_val = min(max(1, round(val_fraction * len(self.docs))), len(self.docs) - 1)
        self.val = np.sort(order[len(order) - n_val:])
        self.train = np.sort(order[: len(order) - n_val])

    def tokens(self, doc: int) -> np.ndarray:
        shard, index = self.docs[doc]
        return self.shards[shard].document(int(index))


def load_sources(groups: dict[str, list[str]], val_fraction: float = 0.0, seed: int = 0) -> list[TokenSource]:
    return [TokenSource(name, [TokenShard(p) for p in prefixes], val_fraction, seed) for name, prefixes in sorted(groups.items())]


@dataclass
class Batch:
    input_ids: np.ndarray
    labels: np.ndarray
    doc_ids: np.ndarray
    sources: list[str]

    @property
    def tokens(self) -> int:
        return int(self.input_ids.size)


class PackedBatches:
    """Deterministic, exactly resumable stream of packed batches for one data-parallel rank."""

    def __init__(self, sources: list[TokenSource], seq_len: int, batch_size: int, weights: dict[str, float] | None = None,
                 seed: int = 0, rank: int = 0, world_size: int = 1):
        sources = [s for s in sources if len(s.train)]
        if not sources:
            raise ValueError("no training documents: every token shard is empty")
        self.sources, self.seq_len, self.batch_size = sources, seq_len, batch_size
        self.seed, self.rank, self.world_size = seed, rank, world_size
        weights = weights or {}
        raw = np.array([float(weights.get(s.name, 1.0)) * s.n_tokens for s in sources])
        if raw.sum() <= 0:
            raise ValueError("data weights sum to zero")
        self.weights = raw / raw.sum()
        self.samples = 0
        self.counts = np.zeros(len(sources), np.int64)
        self.cursors = [{"epoch": 0, "pos": 0, "offset": 0} for _ in sources]
        self._orders: dict[int, tuple[int, np.ndarray]] = {}

    def _order(self, i: int) -> np.ndarray:
        """This rank's document order for source i's current epoch (seeded; cached per epoch)."""
        epoch = self.cursors[i]["epoch"]
        if self._orders.get(i, (None,))[0] != epoch:
            perm = self.sources[i].train[np.random.default_rng([self.seed, i, epoch]).permutation(len(self.sources[i].train))]
            mine = perm[self.rank :: self.world_size]
            self._orders[i] = (epoch, mine if len(mine) else perm)
        return self._orders[i][1]

    def _next_source(self) -> int:
        # Megatron BlendedDataset: the source whose count lags its target share the most
        i = int(np.argmax(self.weights * (self.samples + 1) - self.counts))
        self.counts[i] += 1
        self.samples += 1
        return i

    def _pack(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        need = self.seq_len + 1
        tokens = np.empty(need, np.int64)
        docs = np.empty(need, np.int32)
        filled, segment = 0, 0
        cursor, source = self.cursors[i], self.sources[i]
        while filled < need:
            order = self._order(i)
            doc = source.tokens(int(order[cursor["pos"]]))
            take = min(need - filled, len(doc) - cursor["offset"])
            tokens[filled : filled + take] = doc[cursor["offset"] : cursor["offset"] + take]
            docs[filled : filled + take] = segment
            filled += take
            cursor["offset"] += take
            if cursor["offset"] >= len(doc):
                cursor["offset"], segment = 0, segment + 1
                cursor["pos"] += 1
                if cursor["pos"] >= len(order):
                    cursor["pos"], cursor["epoch"] = 0, cursor["epoch"] + 1
        return tokens, docs

    def next_batch(self) -> Batch:
        rows, segs, names = [], [], []
        for _ in range(self.batch_size):
            i = self._next_source()
            tokens, docs = self._pack(i)
            rows.append(tokens)
            segs.append(docs)
            names.append(self.sources[i].name)
        tokens, docs = np.stack(rows), np.stack(segs)
        return Batch(tokens[:, :-1], tokens[:, 1:], docs[:, :-1], names)

    def __iter__(self):
        while True:
            yield self.next_batch()

    def state_dict(self) -> dict:
        return {
            "version": 1, "seed": self.seed, "rank": self.rank, "world_size": self.world_size,
            "seq_len": self.seq_len, "batch_size": self.batch_size,
            "sources": [s.name for s in self.sources], "samples": self.samples,
            "counts": self.counts.tolist(), "cursors": [dict(c) for c in self.cursors],
        }

    def load_state_dict(self, state: dict) -> None:
        mine = self.state_dict()
        for key in ("seed", "world_size", "seq_len", "sources"):
            if state[key] != mine[key]:
                raise ValueError(f"cannot resume the data position: {key} was {state[key]!r}, now {mine[key]!r}")
        self.samples = int(state["samples"])
        self.counts = np.array(state["counts"], np.int64)
        self.cursors = [dict(c) for c in state["cursors"]]
        self._orders.clear()


def validation_batches(sources: list[TokenSource], seq_len: int, batch_size: int, max_batches: int) -> list[Batch]:
    """The same held-out batches every time, and on every rank (ranks split them when scoring):
    each source's validation documents packed in order."""
    rows: list[tuple[np.ndarray, np.ndarray, str]] = []
    need = seq_len + 1
    for source in sources:
        buf, seg = [], []
        for n, d in enumerate(source.val):
            t = source.tokens(int(d))
            buf.append(np.asarray(t, np.int64))
            seg.append(np.full(len(t), n, np.int32))
        if not buf:
            continue
        flat, flat_seg = np.concatenate(buf), np.concatenate(seg)
        for start in range(0, len(flat) - need + 1, need):
            rows.append((flat[start : start + need], flat_seg[start : start + need], source.name))
        if len(flat) < need:  # a short held-out set still yields one (shorter) window
            rows.append((flat, flat_seg, source.name))
    batches: list[Batch] = []
    group: list[tuple[np.ndarray, np.ndarray, str]] = []

    def close() -> None:
        tokens, docs = np.stack([g[0] for g in group]), np.stack([g[1] for g in group])
        batches.append(Batch(tokens[:, :-1], tokens[:, 1:], docs[:, :-1], [g[2] for g in group]))

    for row in rows:
        if len(row[0]) < 2:
            continue
        if group and (len(group) == batch_size or len(row[0]) != len(group[0][0])):
            close()
            group = []
        group.append(row)
    if group:
        close()
    return batches[:max_batches]
