"""What the cluster step decided for each duplicate, and the step that applies it.

The cluster step (`cluster.PriorityMinhashCluster`) writes one small parquet file per
signature task, `decisions/RRRRR.parquet`, with a row for every document that is a
duplicate or the survivor of a cluster. Documents are named as datatrove's dedup names
them, by (task, index in the task's stream), so the last pass must read the same files
with the same number of tasks as the signature pass. `DuplicateMarker` checks every
document id against the ids the signature pass read, in lockstep, and fails the task
loudly if they disagree (input changed between passes) instead of removing the wrong
documents.

`DuplicateMarker` only tags documents; the dropping is done by the BaseFilters in
`duplicate_filters`, so excluded documents go through an exclusion writer with a reason.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from filters.dedup.char_minhash import docs_table_path

EXACT = "exact_duplicate"
NEAR = "near_duplicate"
SURVIVOR = "survivor"
REASON_KEY = "dedup_reason"  # metadata tag read by duplicate_filters; removed before writing
JACCARD_FIGURE = "dedup_jaccard"  # metadata["figures"] key: estimated Jaccard with the survivor

DECISIONS_SCHEMA = pa.schema(
    [
        ("index", pa.uint32()),
        ("id", pa.string()),
        ("action", pa.string()),
        ("cluster_size", pa.int64()),
        ("duplicate_of", pa.string()),
        ("duplicate_of_source", pa.string()),
        ("jaccard", pa.float64()),
        ("duplicate_in", pa.string()),  # the earlier run whose index holds the survivor (`against`)
    ]
)


def decisions_path(rank: int) -> str:
    return f"decisions/{rank:05d}.parquet"


def write_decisions(folder, rank: int, rows: dict[str, list]) -> None:
    """`rows` holds DECISIONS_SCHEMA columns; written sorted by index."""
    table = pa.table(rows, schema=DECISIONS_SCHEMA).sort_by("index")
    with folder.open(decisions_path(rank), mode="wb") as f:
        pq.write_table(table, f)


def read_decisions(folder, rank: int) -> dict[int, dict]:
    if not folder.exists(decisions_path(rank)):
        return {}
    with folder.open(decisions_path(rank), mode="rb") as f:
        rows = pq.read_table(f).to_pylist()
    return {row["index"]: row for row in rows}


class DuplicateMarker(PipelineStep):
    """Tags each document with its dedup decision and `minhash_cluster_size` (1 when it
    has no duplicate), as FineWeb-2 keeps the cluster size on the survivor."""

    type = "🫂 - DEDUP"
    name = "🏷 dedup decisions"

    def __init__(self, work_folder: DataFolderLike, signatures_folder: DataFolderLike):
        super().__init__()
        self.work_folder = get_datafolder(work_folder)
        self.signatures_folder = get_datafolder(signatures_folder)

    def _signed_ids(self, rank: int):
        """The ids the signature pass read, in order, a batch at a time (memory stays flat)."""
        if not self.signatures_folder.exists(docs_table_path(rank)):
            return
        with self.signatures_folder.open(docs_table_path(rank), mode="rb") as f:
            for batch in pq.ParquetFile(f, pre_buffer=False).iter_batches(columns=["id"], batch_size=8192):
                yield from batch.column(0).to_pylist()

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        decisions = read_decisions(self.work_folder, rank)
        signed = self._signed_ids(rank)
        for index, doc in enumerate(data):
            expected = next(signed, None)
            if expected != str(doc.id):
                raise RuntimeError(
                    f"dedup task {rank}: document {index} is {doc.id!r} but the signature pass read {expected!r}; "
                    "the input changed between passes: rerun the stage with --force"
                )
            row = decisions.get(index)
            if row is None:
                doc.metadata["minhash_cluster_size"] = 1
            else:
                if row["cluster_size"] is not None:  # unknown for exact copies of unshingled texts
                    doc.metadata["minhash_cluster_size"] = int(row["cluster_size"])
                if row["action"] != SURVIVOR:
                    doc.metadata[REASON_KEY] = row["action"]
                    self.stat_update(row["action"])
                    if row["duplicate_of"] is not None:
                        doc.metadata["duplicate_of"] = row["duplicate_of"]
                        doc.metadata["duplicate_of_source"] = row["duplicate_of_source"]
                    if row.get("duplicate_in") is not None:
                        doc.metadata["duplicate_in"] = row["duplicate_in"]
                    if row["jaccard"] is not None:
                        figures = dict(doc.metadata.get("figures") or {})
                        figures[JACCARD_FIGURE] = float(row["jaccard"])
                        doc.metadata["figures"] = figures
                else:
                    self.stat_update("survivors")
            yield doc
        leftover = next(signed, None)
        if leftover is not None:
            raise RuntimeError(
                f"dedup task {rank}: the signature pass read more documents (next: {leftover!r}) than this pass; "
                "the input changed between passes: rerun the stage with --force"
            )
