"""Writers and the reader for our parquet shards, all on datatrove's own classes.

Kept documents go to `<stage>/shards/`, excluded ones to `<stage>/excluded/`, both with
the fixed schema of `corpus.formats.schema`, so any stage can read any other stage's output.
"""

from __future__ import annotations

import os
from typing import Iterator

from datatrove.data import Document
from datatrove.pipeline.writers import ParquetWriter

from corpus.readers.input_formats import SHARD_COLUMNS
from corpus.formats.parquet_rows import iter_rows
from corpus.readers.path_list import PathListReader, excluded_document
from corpus.formats.schema import SCHEMA, row_to_document, writer_adapter


class ShardWriter(ParquetWriter):
    """Kept documents of a stage, one parquet file per task.

    Files are written under a `.partial` name and renamed only when the task ends
    cleanly, so a killed task never leaves a file that a later stage or a user could
    take for a complete shard; the rerun of that task overwrites the partial file.
    """

    name = "💾 shards"
    PARTIAL = ".partial"
    # a batch is held as Python strings, then as an Arrow batch, then encoded: about three times
    # its size at the flush; 8 MB keeps that flat whether a stage writes 1k or 1M documents
    # (wiki ingest peaked 1.35x higher at 4x input with 32 MB batches, benchmarks/memory.py)
    MAX_BUFFERED_BYTES = 8 << 20

    def __init__(self, output_folder: str, output_filename: str = "${rank}.parquet", batch_size: int = 1000):
        super().__init__(
            output_folder,
            output_filename=output_filename + self.PARTIAL,
            adapter=writer_adapter,
            schema=SCHEMA,
            batch_size=batch_size,
            use_content_defined_chunking=False,
            max_file_size=-1,  # one file per task: names stay ${rank}.parquet
        )
        self._opened: set[str] = set()
        self._buffered: dict[str, int] = {}

    def run(self, data, rank: int = 0, world_size: int = 1):
        # a task that keeps nothing still leaves an (empty) file, so a reader of this stage
        # sees every task's output and an empty stage is visibly empty rather than missing
        with self:
            self._ensure_file(rank)
            for document in data:
                with self.track_time():
                    self.write(document, rank)
                yield document

    def _ensure_file(self, rank: int) -> None:
        import pyarrow.parquet as pq

        filename = self.output_filename.substitute(rank=str(rank).zfill(5))
        if filename not in self._writers:
            handler = self.output_mg.get_file(filename)
            self._writers[filename] = pq.ParquetWriter(handler, schema=SCHEMA, compression=self.compression)
            self._opened.add(filename)

    def _write(self, document: dict, file_handler, filename: str):
        self._opened.add(filename)
        super()._write(document, file_handler, filename)
        # flush by bytes as well as by count: 1000 long articles can hold hundreds of MB
        size = self._buffered.get(filename, 0) + len(document.get("text") or "") * 3
        if size >= self.MAX_BUFFERED_BYTES and self._batches.get(filename):
            self._write_batch(filename)
            size = 0
        self._buffered[filename] = size if self._batches.get(filename) else 0

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
        if exc_type is None:
            for name in sorted(self._opened):
                self.output_folder.mv(name, name[: -len(self.PARTIAL)])
        self._opened.clear()


class ExclusionWriter(ShardWriter):
    """Where one step sends the documents it drops, tagged with the step and the reason.

    datatrove's BaseFilter writes `filter_reason`; we rename it to `reason` and add
    `excluded_by` so that the excluded shards say who dropped what and why.
    """

    name = "🗑 excluded"

    def __init__(self, output_folder: str, step_name: str):
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in step_name)
        super().__init__(output_folder, output_filename=f"{safe}_${{rank}}.parquet")
        self.step_name = step_name

    def write(self, document: Document, rank: int = 0, **kwargs) -> None:
        meta = document.metadata
        reason = meta.pop("filter_reason", None) or meta.get("reason") or "unspecified"
        meta["reason"] = reason
        meta.setdefault("excluded_by", self.step_name)
        super().write(document, rank, **kwargs)


def shard_documents(path: str, step: str, batch_size: int = 1000) -> Iterator[Document]:
    """Every row of one of our shards as a Document, in order; a row that cannot be read
    (invalid UTF-8, a broken row group) is one excluded document, not the end of the file."""
    import pyarrow.parquet as pq
    from datatrove.io import get_datafolder

    folder = get_datafolder(os.path.dirname(path) or ".")
    with folder.open(os.path.basename(path), "rb") as f:
        names = pq.read_schema(f).names
        missing = SHARD_COLUMNS - set(names)
        if missing:  # refuse the whole file, by name, rather than read empty rows from it
            raise ValueError(f"{path} is not a jacorpus shard: no column(s) {', '.join(sorted(missing))}")
        f.seek(0)
        for row in iter_rows(f, columns=["text", "id", "metadata"], batch_size=batch_size):
            if row.reason is None:
                yield row_to_document(row.values)
                continue
            doc_id = row.values.get("id") or f"{path}#{row.index}"
            text = row.values.get("text") or ""
            yield excluded_document(step, str(doc_id), row.reason, path, text, detail=row.detail, row=row.index)


class ShardReader(PathListReader):
    """Reads parquet shards of our schema (any previous stage's output) back into Documents.

    Takes an explicit file list, so one stage can read several stages' shards. Every row
    becomes a document, also rows with empty text: datatrove's base reader skips those
    silently, which would break in = kept + excluded downstream. Stages read through
    `corpus.readers.document_reader.DocumentReader`, which also takes jsonl, any parquet and text.
    """

    name = "📖 shards"

    def __init__(self, paths: list[str], batch_size: int = 1000, limit: int = -1):
        super().__init__([p for p in paths if str(p).endswith(".parquet")], limit=limit)
        self.batch_size = batch_size

    def read_path(self, path: str) -> Iterator[Document]:
        yield from shard_documents(path, self.name, self.batch_size)
