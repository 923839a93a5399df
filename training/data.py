"""Token shards in, packed training batches out: memory-mapped, mixed, masked, resumable.

- `corpus.formats.megatron_format.TokenShard` reads one Megatron MMIDIDX `.idx` + `.bin` pair (as
  written by datatrove's `MegatronTokenizedFile` and Megatron-LM's `IndexedDatasetBuilder`)
  with `np.memmap`, so a shard of any size costs page cache, not RAM.
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

from dataclasses import dataclass

import numpy as np

from corpus.formats.megatron_format import TokenShard


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
