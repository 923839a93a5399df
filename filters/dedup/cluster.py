"""MinHash stage 3: verified clusters with a chosen survivor.

datatrove's `MinhashDedupCluster` unions every candidate pair from stage 2 and keeps
whichever member ends up as the union-find root. We keep its input (the `.dups` pair files
of the stock `MinhashDedupBuckets`) and its single-task design, and change three things:

- **verify**: a pair becomes an edge only if the Jaccard estimated on the whole signature
  (the fraction of equal MinHash values, from `char_minhash`'s `full/` files) reaches
  `min_jaccard`. LSH alone merges a pair at J = 0.5 with probability 0.053 at 14 x 8;
  after verification at 0.7 this is below 1e-6 (see `s_curve`).
- **priority**: the survivor of a cluster is its best member by `SourcePriority`
  (source order, then length, then smallest id), never a copy that exact dedup removed.
- **exact**: the exact finder's output (`exact.ExactFindDedupsById`, datatrove's
  `.c4_dup` / `.c4_counts` files) says which documents are exact copies; they are reported
  as `exact_duplicate` and the rest of the cluster as `near_duplicate`.

Output: `decisions/RRRRR.parquet` per signature task (see `decisions`). Memory grows with
the number of candidate pairs (16 bytes each) and clustered documents, not with the corpus;
documents without duplicates never reach this step.
"""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.dedup.minhash import SENTINEL, MinhashConfig, MinhashDedupCluster
from datatrove.utils.typeshelper import ExtensionHelperSD

from filters.dedup.char_minhash import docs_table_path, full_signature_path
from filters.dedup.decisions import DECISIONS_SCHEMA, EXACT, NEAR, SURVIVOR, write_decisions
from filters.dedup.priority import SourcePriority

_SHIFT = np.uint64(32)


def _keys(files: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """(task, index) -> one uint64, the node id used throughout."""
    return (files.astype(np.uint64) << _SHIFT) | docs.astype(np.uint64)


def _split(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (keys >> _SHIFT).astype(np.int64), (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)


def connected_components(edges_a: np.ndarray, edges_b: np.ndarray, n: int) -> np.ndarray:
    """Union-find with path halving; returns each node's component label (its smallest node)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(edges_a.tolist(), edges_b.tolist()):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.fromiter((find(i) for i in range(n)), dtype=np.int64, count=n)


class PriorityMinhashCluster(MinhashDedupCluster):
    """Stage 3 of MinHash dedup on `char_minhash` signatures; one task."""

    name = "🎯 MinHash clusters (verified, by priority)"

    def __init__(
        self,
        input_folder: DataFolderLike,
        output_folder: DataFolderLike,
        signatures_folder: DataFolderLike,
        config: MinhashConfig,
        priority: SourcePriority,
        exact_folder: DataFolderLike | None = None,
        min_jaccard: float = 0.7,
        chunk_pairs: int = 65536,
        index_tasks: dict[int, str] | None = None,
    ):
        super().__init__(input_folder, output_folder, config=config)
        # signature tasks that are an earlier run's survivor index (survivor_index), and that
        # run's name: their members always survive, and get no decision (that run is done)
        self.index_tasks = dict(index_tasks or {})
        self.signatures_folder = get_datafolder(signatures_folder)
        self.exact_folder = get_datafolder(exact_folder) if exact_folder else None
        self.priority = priority
        self.min_jaccard = min_jaccard
        self.chunk_pairs = chunk_pairs
        self.num_hashes = config.num_buckets * config.hashes_per_bucket
        self._signatures: dict[int, np.ndarray] = {}

    # -- inputs ------------------------------------------------------------------------

    def read_pairs(self) -> np.ndarray:
        """Unique candidate pairs as (key_a, key_b) with key_a < key_b."""
        chunks = []
        for path in self.input_folder.list_files(glob_pattern="*.dups"):
            with self.input_folder.open(path, mode="rb") as f:
                raw = np.frombuffer(f.read(), dtype="<u4").reshape(-1, 4)
            chunks.append(raw[raw[:, 0] != SENTINEL])  # index matches: no index is used here
        if not chunks:
            return np.empty((0, 2), dtype=np.uint64)
        raw = np.concatenate(chunks)
        a, b = _keys(raw[:, 0], raw[:, 1]), _keys(raw[:, 2], raw[:, 3])
        pairs = np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)
        return np.unique(pairs, axis=0) if len(pairs) else pairs

    def signatures_of(self, task: int) -> np.ndarray:
        if task not in self._signatures:
            path = full_signature_path(task)
            if self.signatures_folder.is_local():
                sigs = np.memmap(self.signatures_folder.resolve_paths(path), dtype="<u4", mode="r")
            else:
                with self.signatures_folder.open(path, mode="rb") as f:
                    sigs = np.frombuffer(f.read(), dtype="<u4")
            self._signatures[task] = sigs.reshape(-1, self.num_hashes)
        return self._signatures[task]

    def estimate_jaccard(self, keys_a: np.ndarray, keys_b: np.ndarray) -> np.ndarray:
        """Fraction of equal MinHash values of each pair, from the full signatures."""
        out = np.zeros(len(keys_a), dtype=np.float64)
        if not len(keys_a):
            return out
        fa, da = _split(keys_a)
        fb, db = _split(keys_b)
        groups = np.unique(np.stack([fa, fb], axis=1), axis=0)
        for task_a, task_b in groups.tolist():
            where = np.flatnonzero((fa == task_a) & (fb == task_b))
            sig_a, sig_b = self.signatures_of(task_a), self.signatures_of(task_b)
            for start in range(0, len(where), self.chunk_pairs):
                part = where[start : start + self.chunk_pairs]
                out[part] = (sig_a[da[part]] == sig_b[db[part]]).mean(axis=1)
        return out

    def read_exact(self) -> tuple[np.ndarray, dict[int, int]]:
        """Keys the exact finder removed (sorted), and survivor key -> number of copies."""
        if self.exact_folder is None:
            return np.empty(0, dtype=np.uint64), {}
        removed, counts = [], {}
        for path in self.exact_folder.list_files(glob_pattern="*/*" + ExtensionHelperSD.stage_2_duplicates):
            task = int(path.rsplit("/", 1)[-1].removesuffix(ExtensionHelperSD.stage_2_duplicates))
            with self.exact_folder.open(path, mode="rb") as f:
                docs = np.frombuffer(f.read(), dtype="<u4")
            removed.append(_keys(np.full(len(docs), task), docs))
        for path in self.exact_folder.list_files(glob_pattern="*/*" + ExtensionHelperSD.stage_2_counts):
            task = int(path.rsplit("/", 1)[-1].removesuffix(ExtensionHelperSD.stage_2_counts))
            with self.exact_folder.open(path, mode="rb") as f:
                rows = np.frombuffer(f.read(), dtype="<u4").reshape(-1, 2)
            for key, count in zip(_keys(np.full(len(rows), task), rows[:, 0]).tolist(), rows[:, 1].tolist()):
                counts[key] = counts.get(key, 0) + count
        keys = np.unique(np.concatenate(removed)) if removed else np.empty(0, dtype=np.uint64)
        return keys, counts

    def document_facts(self, keys: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(ids, sources, characters) of the given documents, read from the docs tables."""
        tasks, docs = _split(keys)
        ids: list[str] = [""] * len(keys)
        sources = np.empty(len(keys), dtype=object)
        chars = np.zeros(len(keys), dtype=np.int64)
        for task in np.unique(tasks).tolist():
            where = np.flatnonzero(tasks == task)
            with self.signatures_folder.open(docs_table_path(task), mode="rb") as f:
                table = pq.read_table(f).take(docs[where])
            for i, doc_id in zip(where.tolist(), table.column("id").to_pylist()):
                ids[i] = doc_id
            sources[where] = table.column("source").to_pylist()
            chars[where] = table.column("chars").to_numpy()
        return ids, sources, chars

    # -- the decision ----------------------------------------------------------------------

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if world_size != 1:
            raise ValueError("the MinHash cluster step runs as one task")
        with self.track_time():
            pairs = self.read_pairs()
            jaccard = self.estimate_jaccard(pairs[:, 0], pairs[:, 1])
            edges = pairs[jaccard >= self.min_jaccard]
            self.stat_update("candidate_pairs", value=len(pairs))
            self.stat_update("verified_pairs", value=len(edges))
            self.stat_update("rejected_pairs", value=len(pairs) - len(edges))
            exact_removed, exact_counts = self.read_exact()
            rows = self.decide(edges, exact_removed, exact_counts)
            self.write(rows)

    def decide(self, edges: np.ndarray, exact_removed: np.ndarray, exact_counts: dict[int, int]) -> dict[str, list]:
        nodes, inverse = np.unique(edges.reshape(-1), return_inverse=True)
        labels = connected_components(inverse[0::2], inverse[1::2], len(nodes))
        ids, sources, chars = self.document_facts(nodes)
        is_exact = np.isin(nodes, exact_removed)
        in_index = self.in_index(nodes)
        scores, lengths = self.priority.rank_columns(sources, chars)
        # best member first within each component: non-exact, in an earlier run's index, source,
        # length, then the smallest document id, so the survivor of a tie does not depend on how
        # inputs were split into tasks
        id_rank = np.unique(np.asarray(ids, dtype=object).astype(str), return_inverse=True)[1].reshape(-1)
        order = np.lexsort((id_rank, -lengths, -scores, ~in_index, is_exact, labels))
        first = np.r_[True, labels[order][1:] != labels[order][:-1]] if len(order) else np.zeros(0, bool)
        survivor_of = dict(zip(labels[order][first].tolist(), order[first].tolist()))
        survivor = np.array([survivor_of[label] for label in labels.tolist()], dtype=np.int64)
        _, compact = np.unique(labels, return_inverse=True)
        size = np.bincount(compact)[compact] if len(compact) else np.zeros(0, np.int64)
        jaccard = self.estimate_jaccard(nodes, nodes[survivor]) if len(nodes) else np.zeros(0)

        rows: dict[str, list] = {name: [] for name in DECISIONS_SCHEMA.names}
        rows["key"] = []
        for i, key in enumerate(nodes.tolist()):
            s = int(survivor[i])
            if is_exact[i]:
                action = EXACT
            elif s == i:
                action = SURVIVOR
                self.stat_update("clusters")
                self.stat_update("cluster_size", value=int(size[i]), unit="cluster")
            else:
                action = NEAR
            no_survivor = action == SURVIVOR or is_exact[s]
            self._add(rows, key, ids[i], action, int(size[i]), None if no_survivor else ids[s],
                      None if no_survivor else sources[s], None if action == SURVIVOR else float(jaccard[i]),
                      None if no_survivor else self.index_tasks.get(int(nodes[s]) >> 32))
        clustered = set(rows["key"])
        # exact copies of documents too short to shingle never reach a MinHash cluster
        extra = [k for k in exact_removed.tolist() if k not in clustered]
        extra += [k for k in exact_counts if k not in clustered]  # survivors: never also removed
        if extra:
            extra_keys = np.array(extra, dtype=np.uint64)
            extra_ids, _, _ = self.document_facts(extra_keys)
            removed = set(exact_removed.tolist())
            for key, doc_id in zip(extra, extra_ids):
                if key in removed:
                    self._add(rows, key, doc_id, EXACT, None, None, None, 1.0)
                else:
                    self._add(rows, key, doc_id, SURVIVOR, 1 + exact_counts[key], None, None, None)
        own = ~self.in_index(np.array(rows["key"], dtype=np.uint64))
        for action in (EXACT, NEAR):
            self.stat_update(action, value=int(np.sum(own & (np.array(rows["action"], dtype=object) == action))))
        return rows

    def in_index(self, keys: np.ndarray) -> np.ndarray:
        tasks, _ = _split(keys)
        return np.isin(tasks, list(self.index_tasks)) if self.index_tasks else np.zeros(len(keys), dtype=bool)

    @staticmethod
    def _add(rows, key, doc_id, action, size, dup_of, dup_source, jaccard, dup_in=None) -> None:
        rows["duplicate_in"].append(dup_in)
        rows["key"].append(key)
        rows["id"].append(doc_id)
        rows["action"].append(action)
        rows["cluster_size"].append(size)
        rows["duplicate_of"].append(dup_of)
        rows["duplicate_of_source"].append(dup_source)
        rows["jaccard"].append(jaccard)

    def write(self, rows: dict[str, list]) -> None:
        keys = np.array(rows.pop("key"), dtype=np.uint64)
        tasks, docs = _split(keys)
        rows["index"] = docs.tolist()
        for task in np.unique(tasks).tolist():
            if task in self.index_tasks:
                continue
            where = np.flatnonzero(tasks == task).tolist()
            write_decisions(self.output_folder, task, {name: [rows[name][i] for i in where] for name in rows})
