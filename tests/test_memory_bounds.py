"""What keeps a stage's memory flat as its input grows (benchmarks/memory.py measures the
stages themselves): shard writers flush by bytes, and a stage's report reads its shards one
row group at a time, giving Arrow's freed memory back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from datatrove.data import Document

from corpus.formats.shards import ShardWriter

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "谷戸の自然観察会では、見つけた植物や昆虫の名前を記録しています。"


def test_shard_writer_writes_a_row_group_per_eight_megabytes_of_text(tmp_path):
    writer = ShardWriter(str(tmp_path))
    text = SENTENCE * 30_000  # ~1M characters: 3 MB of UTF-8 as the writer counts it
    with writer:
        for i in range(30):
            writer.write(Document(text=text, id=f"web/{i}", metadata={"source": "web"}), rank=0)
    meta = pq.ParquetFile(tmp_path / "00000.parquet").metadata
    rows = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    assert sum(rows) == 30
    # a batch holds at most 8 MB and one document more (with 32 MB batches: 11 documents)
    assert max(rows) * len(text) * 3 <= ShardWriter.MAX_BUFFERED_BYTES + len(text) * 3


SUMMARIZE = """
import resource, sys
from pathlib import Path
from corpus.run.accounting import summarize_shards
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
summary = summarize_shards(Path(sys.argv[1]))
print(summary["documents"], (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_summarizing_a_long_shard_costs_about_one_row_group(tmp_path):
    """40 row groups of 4 MB of text: reading them whole-file would keep ~190 MB (measured),
    one row group at a time costs a few row groups at most."""
    import pyarrow as pa

    from corpus.formats.schema import SCHEMA, document_to_row

    text = SENTENCE * 4_000  # ~130 kB UTF-8
    with pq.ParquetWriter(tmp_path / "00000.parquet", SCHEMA) as out:
        for group in range(40):
            rows = [document_to_row(Document(text=text + str(i), id=f"web/{group}/{i}", metadata={"source": "web"}))
                    for i in range(30)]
            out.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
    done = subprocess.run([sys.executable, "-c", SUMMARIZE, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True)
    documents, grown_mb = (int(x) for x in done.stdout.split())
    assert documents == 1200
    assert grown_mb < 60, f"summarizing grew RSS by {grown_mb} MB"
