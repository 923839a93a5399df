"""The survivors of a dedup run, kept as an index that a later run deduplicates against.

Crawls arrive one after another. A second crawl must lose the pages the first one already
kept, without the first crawl being read, hashed or deduplicated again. Swallow's doubri
does this with `doubri-self` (within a group, writing an index of MinHash values) and
`doubri-other` (another group against that index); FineWeb-2 and LLM-jp dedup within a
snapshot first and across snapshots second. Here the first level is an ordinary dedup run,
and its last pass writes `dedup/index/`: the survivors' signatures in the very formats the
signature pass writes, one part per signature task:

    index/index.json                   the MinHash and exact settings, parts, documents
    index/bucket_XXX/RRRRR.minhash.sig datatrove's band records of the survivors, sorted
    index/full/RRRRR.sig               whole signatures (to verify a candidate pair)
    index/docs/RRRRR.parquet           id, source, normalized characters
    index/exact/RRRRR.c4_idsig         exact-dedup records (hash, priority 65535, index, id)

Documents are numbered 0.. within each part, as datatrove numbers a task's documents.
A second run given `against: [RUN1/dedup]` links each part into its own
`work/signatures` (and `work/exact_signatures`) as one more task, numbered after its own
tasks. datatrove's bucket pass then pairs the new documents with the old survivors exactly
as it pairs new documents with each other, the exact finder keeps the old copy (priority
65535, above any source's), and the cluster step (`cluster.PriorityMinhashCluster`) always
picks an index member as a cluster's survivor and writes no decision for index tasks: the
first run's output is never touched. Cost on disk: about 1 kB per survivor (14 x 8 bands).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup.minhash import MinhashConfig

from filters.dedup.char_minhash import DOCS_SCHEMA, docs_table_path, full_signature_path
from filters.dedup.decisions import EXACT, NEAR, decisions_path
from filters.dedup.exact import EXACT_HASH, SIGNATURE_SUFFIX, _header, read_id_signatures

INDEX_DIR = "index"
MANIFEST = "index.json"
FORMAT = 1
INDEX_PRIORITY = 0xFFFF  # above every source's exact-dedup priority: the indexed copy stays


def bucket_path(band: int, part: int) -> str:
    return f"bucket_{band:03d}/{part:05d}.minhash.sig"


def exact_path(part: int) -> str:
    return f"exact/{part:05d}{SIGNATURE_SUFFIX}"


def settings(config: MinhashConfig, exact: bool) -> dict:
    """What must match between an index and a run that uses it."""
    return {"ngram_size": config.n_grams, "bands": config.num_buckets, "rows_per_band": config.hashes_per_bucket,
            "seed": config.seed, "minhash_hash": str(config.hash_config), "exact": exact,
            "exact_hash": str(EXACT_HASH)}


class SurvivorIndexWriter(PipelineStep):
    """Writes part RANK of the index from signature task RANK: its documents that the dedup
    decisions did not remove, renumbered 0.. in their order. Reads no document text."""

    type = "🫂 - DEDUP"
    name = "🗂 survivor index"

    def __init__(self, work_folder: DataFolderLike, signatures_folder: DataFolderLike,
                 exact_folder: DataFolderLike | None, index_folder: DataFolderLike, config: MinhashConfig,
                 kept_folder: DataFolderLike):
        super().__init__()
        self.work_folder = get_datafolder(work_folder)
        self.signatures_folder = get_datafolder(signatures_folder)
        self.exact_folder = get_datafolder(exact_folder) if exact_folder else None
        self.index_folder = get_datafolder(index_folder)
        self.kept_folder = get_datafolder(kept_folder)
        self.config = config

    def run(self, data=None, rank: int = 0, world_size: int = 1) -> None:
        with self.track_time():
            with self.signatures_folder.open(docs_table_path(rank), mode="rb") as f:
                docs = pq.read_table(f)
            removed = self._removed(rank)
            survivors = np.setdiff1d(np.arange(docs.num_rows, dtype=np.int64), removed)
            self._check_kept(rank, len(survivors))
            new_number = np.full(docs.num_rows, -1, dtype=np.int64)
            new_number[survivors] = np.arange(len(survivors))
            with self.index_folder.open(docs_table_path(rank), mode="wb") as f:
                pq.write_table(docs.take(survivors).cast(DOCS_SCHEMA), f)
            self._write_signatures(rank, survivors, new_number)
            if self.exact_folder is not None:
                self._write_exact(rank, new_number)
            self.stat_update("indexed", value=len(survivors))
            self.stat_update("not_indexed", value=docs.num_rows - len(survivors))

    def _removed(self, rank: int) -> np.ndarray:
        if not self.work_folder.exists(decisions_path(rank)):
            return np.empty(0, dtype=np.int64)
        with self.work_folder.open(decisions_path(rank), mode="rb") as f:
            table = pq.read_table(f, columns=["index", "action"])
        action = np.asarray(table.column("action").to_pylist(), dtype=object)
        index = table.column("index").to_numpy().astype(np.int64)
        return np.unique(index[(action == EXACT) | (action == NEAR)])

    def _check_kept(self, rank: int, survivors: int) -> None:
        """The index must hold exactly the documents this run kept: a disagreement means the
        passes read different inputs, and an index built from it would be wrong."""
        shard, kept = f"{rank:05d}.parquet", 0
        if self.kept_folder.exists(shard):
            with self.kept_folder.open(shard, mode="rb") as f:
                kept = pq.ParquetFile(f).metadata.num_rows
        if kept != survivors:
            raise RuntimeError(f"dedup index part {rank}: {survivors} survivors but {kept} kept documents; "
                               "rerun the stage with --force")

    def _write_signatures(self, rank: int, survivors: np.ndarray, new_number: np.ndarray) -> None:
        num_hashes = self.config.num_buckets * self.config.hashes_per_bucket
        with self.signatures_folder.open(full_signature_path(rank), mode="rb") as f:
            full = np.frombuffer(f.read(), dtype="<u4").reshape(-1, num_hashes)
        with self.index_folder.open(full_signature_path(rank), mode="wb") as f:
            f.write(full[survivors].astype("<u4").tobytes())
        width = self.config.hashes_per_bucket + 1
        for band in range(self.config.num_buckets):
            with self.signatures_folder.open(bucket_path(band, rank), mode="rb") as f:
                records = np.frombuffer(f.read(), dtype="<u4").reshape(-1, width).copy()
            number = new_number[records[:, -1].astype(np.int64)]
            records = records[number >= 0]
            records[:, -1] = number[number >= 0]  # renumbering keeps the (hashes, index) order
            with self.index_folder.open(bucket_path(band, rank), mode="wb") as f:
                f.write(records.astype("<u4").tobytes())

    def _write_exact(self, rank: int, new_number: np.ndarray) -> None:
        kept = []
        for path in self.exact_folder.list_files(glob_pattern=f"*/{rank:05d}{SIGNATURE_SUFFIX}"):
            for hash_value, _, doc_id, index in read_id_signatures(self.exact_folder.open(path, mode="rb"), EXACT_HASH):
                if new_number[index] >= 0:
                    kept.append((hash_value, doc_id, int(new_number[index])))
        kept.sort()  # (hash, id): one priority for all, so the finder's order is (hash, -priority, id)
        header = _header(EXACT_HASH)
        with self.index_folder.open(exact_path(rank), mode="wb") as f:
            for start in range(0, len(kept), 65536):
                f.write(b"".join(header.pack(h, INDEX_PRIORITY, n, len(i)) + i for h, i, n in kept[start:start + 65536]))


def write_manifest(index_dir: Path, config: MinhashConfig, exact: bool, parts: int, run_dir: Path) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    record = {"format": FORMAT, "settings": settings(config, exact), "parts": parts, "dedup_dir": str(run_dir)}
    tmp = index_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(index_dir / MANIFEST)


def index_dir_of(path: str | Path) -> Path:
    """An index folder, given it or the dedup stage directory that holds it."""
    path = Path(path)
    return path if (path / MANIFEST).is_file() or path.name == INDEX_DIR else path / INDEX_DIR


def check_index(path: str | Path, config: MinhashConfig, exact: bool) -> tuple[Path, dict]:
    """(index dir, manifest) of a finished index whose settings match this run's, or a
    ValueError saying what is wrong, in one line."""
    index_dir = index_dir_of(path)
    manifest_path = index_dir / MANIFEST
    if not manifest_path.is_file():
        raise ValueError(f"against: {path} holds no dedup index ({manifest_path} not found); "
                         "point it at a finished dedup stage directory (RUN/dedup)")
    manifest = json.loads(manifest_path.read_text())
    dedup_dir = index_dir.parent
    if not (dedup_dir / "report.json").is_file():
        raise ValueError(f"against: the dedup stage at {dedup_dir} has not finished; its index is incomplete")
    wanted = settings(config, exact)
    differing = [k for k in ("ngram_size", "bands", "rows_per_band", "seed", "minhash_hash")
                 if manifest["settings"].get(k) != wanted[k]]
    if exact and manifest["settings"].get("exact_hash") != wanted["exact_hash"]:
        differing.append("exact_hash")
    if differing:
        raise ValueError(f"against: {index_dir} was built with other settings ({', '.join(differing)}: "
                         f"{ {k: manifest['settings'].get(k) for k in differing} }); use the same options")
    return index_dir, manifest


def link_index(index_dir: Path, parts: int, first_task: int, signatures: Path, exact_signatures: Path | None,
               bands: int) -> list[int]:
    """Symlink each index part into this run's signature folders as task first_task + part;
    returns the task numbers. Re-linking is idempotent."""
    tasks = []
    for part in range(parts):
        task = first_task + part
        links = [(index_dir / bucket_path(b, part), signatures / bucket_path(b, task)) for b in range(bands)]
        links += [(index_dir / full_signature_path(part), signatures / full_signature_path(task)),
                  (index_dir / docs_table_path(part), signatures / docs_table_path(task))]
        if exact_signatures is not None and (index_dir / exact_path(part)).is_file():
            links.append((index_dir / exact_path(part), exact_signatures / "0000" / f"{task:05d}{SIGNATURE_SUFFIX}"))
        for target, link in links:
            link.parent.mkdir(parents=True, exist_ok=True)
            if link.is_symlink() or link.exists():
                link.unlink()
            os.symlink(os.path.abspath(target), link)
        tasks.append(task)
    return tasks


def index_part_documents(index_dir: Path, part: int) -> int:
    return pq.ParquetFile(index_dir / docs_table_path(part)).metadata.num_rows

