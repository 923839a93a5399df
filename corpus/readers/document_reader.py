"""The first step of every stage that reads documents: any mix of our shards, jsonl, Hugging
Face parquet and plain text, each file read by the reader for its format.

`--input` is a path list, possibly of several formats, split across tasks by file as
everywhere (`PathListReader`); each file goes to our shard reader or to one of the
datatrove-based readers of `corpus.readers.format_readers`, with the settings of the source it
belongs to (a manifest's `kind: text` entry: its name, licence and `read:` options) or the
stage's `input:` options. `document_reader(ctx)` first checks every input, so a file no
reader understands stops the stage before any work, with its name and the formats accepted.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterator

from datatrove.data import Document

from corpus.readers.format_readers import InputSettings, JsonlDocuments, ParquetDocuments, TextFileDocuments
from corpus.readers.input_formats import (
    JSONL, PARQUET, SHARD, TXT, InputOptions, check_inputs, detect_format, parquet_kind,
)
from corpus.readers.path_list import PathListReader
from corpus.formats.shards import shard_documents
from corpus.readers.unique_ids import unique_documents

if TYPE_CHECKING:
    from corpus.sources.manifest import Source
    from corpus.run.stage import StageContext

RECORD_READERS = {PARQUET: ParquetDocuments, JSONL: JsonlDocuments, TXT: TextFileDocuments}


def settings_from_options(options: InputOptions) -> InputSettings:
    """A stage's `input:` options: files not named by a source manifest."""
    meta = {"source": options.source}
    if options.dataset:
        meta["dataset"] = options.dataset
    if options.licence:
        meta.update(licence=options.licence, licence_evidence="input.licence option")
    return InputSettings(options, meta, options.batch_size)  # InputOptions is a TextFormat


def settings_from_source(source: Source) -> InputSettings:
    """A manifest's `kind: text` source: its documents carry its name and licence."""
    fmt = source.read
    meta = {"source": fmt.source, "dataset": source.name}
    if source.licence:
        meta.update(licence=source.licence, licence_evidence=f"source manifest: {source.name}")
    return InputSettings(fmt, meta)


class DocumentReader(PathListReader):
    """Reads every input file in its own format; counts `documents_in` and `files_<format>`."""

    name = "📖 documents"

    def __init__(self, paths: list[str], default: InputSettings | None = None,
                 per_file: dict[str, InputSettings] | None = None, limit: int = -1):
        super().__init__(paths, limit=limit)
        self.default = default or InputSettings()
        self.per_file = per_file or {}

    def read_path(self, path: str) -> Iterator[Document]:
        settings = self.per_file.get(path, self.default)
        kind = detect_format(path, settings.fmt, peek=False)
        if kind == PARQUET:
            kind = self._parquet_kind(path, settings)
        self.stat_update(f"files_{kind}")
        if kind == SHARD:
            documents = shard_documents(path, self.name, settings.batch_size)
        else:
            documents = RECORD_READERS[kind](os.path.dirname(path) or ".", settings).read_file(os.path.basename(path))
        # an id repeated within the file becomes `<id>#dup<n>` in line order (corpus.readers.unique_ids)
        yield from unique_documents(documents, lambda n: self.stat_update("duplicate_ids", value=n))

    @staticmethod
    def _parquet_kind(path: str, settings: InputSettings) -> str:
        import pyarrow as pa
        import pyarrow.parquet as pq
        from datatrove.io import get_datafolder

        with get_datafolder(os.path.dirname(path) or ".").open(os.path.basename(path), "rb") as f:
            schema = pq.read_schema(f)
        is_struct = "metadata" in schema.names and pa.types.is_struct(schema.field("metadata").type)
        return parquet_kind(schema.names, is_struct, path, settings.fmt)


def document_reader(ctx: StageContext, check: bool = True) -> DocumentReader:
    """The reader for a stage's inputs; `check` refuses (UnsupportedInput, one line) a file
    that no reader understands before anything runs. Stages that read their inputs twice
    (dedup) check once."""
    options = getattr(ctx.options, "input", None) or InputOptions()
    default = settings_from_options(options)
    per_file = {path: settings_from_source(source) for source, files in ctx.sources
                if source.kind == "text" for path in files}
    if check:
        check_inputs(ctx.inputs, {p: s.fmt for p, s in per_file.items()}, default.fmt)
    return DocumentReader(ctx.inputs, default, per_file)
