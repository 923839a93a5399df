"""Exact deduplication on normalized text: datatrove's ExactDedup stages 1 and 2, with the
document id as the last tie-break.

datatrove's `ExactDedupSignature` hashes whatever `content_getter` returns and keeps, of
each set of equal hashes, the document with the highest `document_priority`;
`ExactFindDedups` merges the sorted signature files of all tasks and writes which
documents to remove. Between copies of equal priority its survivor is the one with the
lower index *within its task* (then whichever task's file the heap popped first), so
which copy survives changes with the number of tasks; its record (hash, 16-bit priority,
index) has no room for anything that names a document across tasks.

The two steps here keep datatrove's design and change only the record: each signature
also carries the document id (UTF-8), each task's file is sorted by (hash, -priority, id),
and the finder's k-way merge compares the same key, so of equal priority the smallest id
survives, as in the MinHash clusters (`cluster.PriorityMinhashCluster`). Everything else
is datatrove's: the `ExactDedupConfig` (content getter, priority in [1, 65535], hash
function), the hashing (`ExactDedupSignature.get_hashes`), the split of the hash range
over `finder_workers`, and the finder's output (`RRRRR/SSSSS.c4_dup` indexes and
`.c4_counts`), which datatrove's `ExactDedupFilter` and our cluster step read unchanged.

We give it the NFKC, whitespace-folded text (`normalize.exact_key`) and our survivor priority; the
removal itself happens in the last pass (`decisions.DuplicateMarker` +
`duplicate_filters.ExactDuplicateFilter`), so removed copies reach the excluded shards
with a reason.
"""

from __future__ import annotations

import heapq
import struct
from array import array
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig, ExactDedupSignature, ExactFindDedups
from datatrove.utils.hashing import HashConfig
from datatrove.utils.typeshelper import ExtensionHelperSD, StatHints

from filters.dedup.normalize import exact_key
from filters.dedup.priority import SourcePriority

# sha1 ships with Python; datatrove's default xxhash is an extra dependency. With 64 bits,
# 10^9 documents have about a 3% chance that any two different texts share a hash (n^2/2^65).
EXACT_HASH = HashConfig(precision=64, hash_fc="sha1")

# not datatrove's `.c4_sig`: the record differs, so datatrove's finder must not pick these up
SIGNATURE_SUFFIX = ".c4_idsig"
_PRIORITY_MAX = 0xFFFF  # datatrove's contract: priority in [1, 65535]


def exact_content(doc: Document) -> str:
    """What exact dedup compares: NFKC text with whitespace runs folded."""
    return exact_key(doc.text)


def exact_dedup_config(priority: SourcePriority) -> ExactDedupConfig:
    return ExactDedupConfig(content_getter=exact_content, document_priority=priority, hash_config=EXACT_HASH)


def _header(hash_config: HashConfig) -> struct.Struct:
    """Record header: hash, priority, index in the task, byte length of the id that follows."""
    return struct.Struct(f"<{hash_config.struct_format}HII")


def read_id_signatures(
    file: BinaryIO, hash_config: HashConfig, buffer_bytes: int = 1 << 16
) -> Iterator[tuple[int, int, bytes, int]]:
    """(hash, -priority, id, index) per record, in file order, reading `buffer_bytes` at a
    time, so a merge over many files holds one buffer per file."""
    header = _header(hash_config)
    size = header.size
    pending = b""
    with file as f:
        while True:
            chunk = f.read(buffer_bytes)
            if not chunk:
                break
            buf = pending + chunk if pending else chunk
            pos, end = 0, len(buf)
            while pos + size <= end:
                hash_value, priority, index, id_len = header.unpack_from(buf, pos)
                if pos + size + id_len > end:
                    break
                yield hash_value, -priority, buf[pos + size : pos + size + id_len], index
                pos += size + id_len
            pending = buf[pos:]
    if pending:
        raise ValueError(f"{getattr(file, 'path', file)}: truncated exact-dedup signature file")


class ExactDedupSignatureWithId(ExactDedupSignature):
    """datatrove's exact-dedup stage 1, with the document id in each record so that ties
    in priority go to the smallest id whatever the task split. A terminal step, like
    the parent."""

    name = "💥 exact-deduplication stage 1 (with ids)"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> None:
        hashes, priorities, indexes, ids = array("Q"), array("i"), array("I"), []
        for doc_idx, doc in enumerate(data):
            with self.stats.time_stats:
                self.stat_update(StatHints.total)
                for hash_value, priority, index in self.get_hashes(doc, doc_idx):
                    hashes.append(hash_value)
                    priorities.append(priority)
                    indexes.append(index)
                    ids.append(str(doc.id).encode("utf-8", "surrogatepass"))
        with self.stats.time_stats:
            self.save_id_hashes(rank, hashes, priorities, indexes, ids)

    def save_id_hashes(self, rank: int, hashes: array, priorities: array, indexes: array, ids: list[bytes]) -> None:
        """Sort by (hash, -priority, id) and write one file per finder worker's hash range."""
        hash_arr = np.frombuffer(hashes, dtype=np.uint64) if len(hashes) else np.empty(0, np.uint64)
        prio_arr = np.frombuffer(priorities, dtype=np.int32) if len(priorities) else np.empty(0, np.int32)
        if prio_arr.size and (prio_arr.min() < 1 or prio_arr.max() > _PRIORITY_MAX):
            raise ValueError(f"priority must be between 1 and {_PRIORITY_MAX}")
        order = np.lexsort((-prio_arr, hash_arr))
        # only copies that tie on (hash, priority) need the id; sort those runs in Python
        sorted_hash, sorted_prio = hash_arr[order], prio_arr[order]
        new_key = np.r_[True, (sorted_hash[1:] != sorted_hash[:-1]) | (sorted_prio[1:] != sorted_prio[:-1])]
        starts = np.flatnonzero(new_key)
        stops = np.r_[starts[1:], len(order)]
        tied = np.flatnonzero(stops - starts > 1)
        if tied.size:
            order = order.tolist()
            for start, stop in zip(starts[tied].tolist(), stops[tied].tolist()):
                order[start:stop] = sorted(order[start:stop], key=ids.__getitem__)
            order = np.asarray(order, dtype=np.int64)
        header = _header(self.config.hash_config)
        hashes_per_worker = self.config.hash_config.max // self.finder_workers
        left = 0
        for worker in range(self.finder_workers):
            if worker == self.finder_workers - 1:
                right = len(order)
            else:  # datatrove's split: worker i takes hashes up to (i + 1) * max // finder_workers
                right = int(np.searchsorted(sorted_hash, np.uint64((worker + 1) * hashes_per_worker), side="right"))
            with self.output_folder.open(f"{worker:04d}/{rank:05d}{SIGNATURE_SUFFIX}", mode="wb") as f:
                for start in range(left, right, 65536):
                    f.write(b"".join(
                        header.pack(hashes[i], priorities[i], indexes[i], len(ids[i])) + ids[i]
                        for i in order[start : min(right, start + 65536)].tolist()
                    ))
            left = right


class ExactFindDedupsById(ExactFindDedups):
    """datatrove's exact-dedup stage 2 on `ExactDedupSignatureWithId` files: a k-way merge
    of the per-task sorted files (one read buffer per file, nothing else held), keeping per
    hash the first record by (-priority, id). Writes datatrove's `.c4_dup` / `.c4_counts`.
    No `index_folder`: deduplicating against a prebuilt index is not used here."""

    name = "💥 exact-deduplication stage 2 (ties by id)"

    def __init__(
        self, data_folder: DataFolderLike, output_folder: DataFolderLike, config: ExactDedupConfig,
        buffer_bytes: int = 1 << 16,
    ):
        super().__init__(data_folder, output_folder, config)
        self.buffer_bytes = buffer_bytes

    def signature_files(self, rank: int, world_size: int) -> list[str]:
        if world_size == 1:
            files = self.data_folder.list_files(glob_pattern="*/*" + SIGNATURE_SUFFIX)
            if any(not f.startswith("0000/") for f in files):
                raise ValueError(f"{world_size=} but found sig files for different hash buckets. Set tasks=finder_workers")
            return files
        return self.data_folder.list_files(subdirectory=f"{rank:04d}", glob_pattern=SIGNATURE_SUFFIX)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> None:
        files = self.signature_files(rank, world_size)
        if not files and self.data_folder.list_files(glob_pattern="*/*" + ExtensionHelperSD.stage_1_signature):
            raise ValueError(f"{self.data_folder.path} holds datatrove's id-less exact signatures (an older run): "
                             "rerun the stage with --force")
        stems = [f.rsplit("/", 1)[-1].removesuffix(SIGNATURE_SUFFIX) for f in files]

        def tagged(file_id: int, file) -> Iterator[tuple[int, int, bytes, int, int]]:
            for hash_value, neg_priority, doc_id, index in read_id_signatures(
                file, self.config.hash_config, self.buffer_bytes
            ):
                yield hash_value, neg_priority, doc_id, file_id, index

        readers = [tagged(i, f) for i, f in enumerate(self.data_folder.open_files(files))]
        dup_packer, count_packer = struct.Struct("<I"), struct.Struct("<II")
        duplicates = self.output_folder.get_output_file_manager(mode="wb")
        counts = self.output_folder.get_output_file_manager(mode="wb")
        with self.stats.time_stats:
            last_hash, survivor, copies = None, None, 0
            for hash_value, _, _, file_id, index in heapq.merge(*readers):
                if hash_value == last_hash:
                    duplicates.write(f"{rank:05d}/{stems[file_id]}{ExtensionHelperSD.stage_2_duplicates}",
                                     dup_packer.pack(index))
                    copies += 1
                    continue
                if copies:
                    self._write_count(counts, count_packer, rank, stems, survivor, copies)
                last_hash, survivor, copies = hash_value, (file_id, index), 0
            if copies:
                self._write_count(counts, count_packer, rank, stems, survivor, copies)
        duplicates.close()
        counts.close()

    def _write_count(self, counts, packer: struct.Struct, rank: int, stems: list[str],
                     survivor: tuple[int, int], copies: int) -> None:
        file_id, index = survivor
        counts.write(f"{rank:05d}/{stems[file_id]}{ExtensionHelperSD.stage_2_counts}", packer.pack(index, copies))
        self.stat_update("exact_duplicates", value=copies)
        self.stat_update("exact_survivors_with_copies")
