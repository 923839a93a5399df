"""Which document formats the stages read, how to read each, and a loud refusal of the rest.

The stages that read documents (filter, dedup, tokenizer, tokenize) take what users
already hold, not only our own shards: most Japanese text comes as jsonl(.gz/.zst) with a
`text` field (llm-jp-corpus, Swallow releases, FineWeb-2 exports), as Hugging Face parquet
with a `text` column, or as plain `.txt` files. A file none of the readers understands is
an error that names the file and the formats accepted, before any work starts: skipping
it would turn a typo into a run that silently did nothing.
"""

from __future__ import annotations

import io
import os
from typing import Literal

from pydantic import Field

from corpus.config import ConfigError, Strict

SHARD, PARQUET, JSONL, TXT = "shard", "parquet", "jsonl", "txt"
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
ACCEPTED = (
    "jacorpus parquet shards (text, id, metadata), parquet with a text column (Hugging Face exports), "
    ".jsonl / .jsonl.gz / .jsonl.zst with a text key, .txt"
)
# records looked at, at most, before deciding that a jsonl file has no text key at all
PEEK_RECORDS = 10
SHARD_COLUMNS = {"text", "id", "metadata"}


class TextFormat(Strict):
    """How to read records that are not our own shards (a manifest's `read:`, a stage's `input:`)."""

    text_key: str = Field("text", min_length=1, description="jsonl key / parquet column holding the text")
    id_key: str = Field("id", min_length=1, description="jsonl key / parquet column holding the document id; "
                                                        "records without it get `<file name>:<line>` (parquet: `#<row>`)")
    txt: Literal["file", "blocks"] = Field(
        "file", description=".txt files: one document per file, or one per block of lines separated by blank lines")
    source: str = Field(
        "text", min_length=1, description="metadata.source of these documents; the quality rules and clean-up apply "
                                          "to `web` by default, so `web` here puts this text through them")


class InputOptions(TextFormat):
    """A document stage's `input:` options: how to read files that are not our shards."""

    dataset: str | None = Field(None, description="metadata.dataset of documents read from such files (the source "
                                                  "name reports and the licence policy group by)")
    licence: str | None = Field(None, description="licence of such files when the records carry none, e.g. CC-BY-4.0")
    batch_size: int = Field(1000, ge=1, description="parquet rows read at once")


class UnsupportedInput(ConfigError):
    """An input file that no document reader understands."""


def _suffix_format(path: str) -> str | None:
    name = os.path.basename(path.split("?", 1)[0]).lower()
    if name.endswith(".parquet"):
        return PARQUET
    if name.endswith(JSONL_SUFFIXES):
        return JSONL
    if name.endswith(".txt"):
        return TXT
    return None


def line_reader(f):
    """A binary stream one can iterate by lines: zstandard's reader (what fsspec gives for
    .zst) has no readline, so it is wrapped in a buffered reader."""
    return f if isinstance(f, io.IOBase) else io.BufferedReader(f)


def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def parquet_kind(names: list[str], metadata_is_struct: bool, path: str, fmt: TextFormat) -> str:
    """SHARD for our schema, PARQUET for any schema with the text column; else refuse by name."""
    if SHARD_COLUMNS <= set(names) and metadata_is_struct:
        return SHARD
    if fmt.text_key in names:
        return PARQUET
    shown = ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
    raise UnsupportedInput(f"{path}: parquet without a '{fmt.text_key}' column (columns: {shown}); "
                           f"set input.text_key, or read.text_key in a source manifest")


def detect_format(path: str, fmt: TextFormat, peek: bool = True) -> str:
    """SHARD, PARQUET, JSONL or TXT; raises UnsupportedInput naming the file and what is accepted.

    `peek` reads a parquet footer, or a jsonl file's first records, to refuse a file whose
    text key is wrong before any work starts (remote files are judged by name only). A file
    of a known format that is broken is not refused here: the reader counts it, as
    `unreadable_file:<error>`, like any damaged input."""
    kind = _suffix_format(path)
    if kind is None:
        raise UnsupportedInput(f"{path}: no reader for this file; accepted: {ACCEPTED}")
    if not peek or _is_remote(path):
        return kind
    if kind == PARQUET:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException):
            return kind  # a broken parquet file (zero bytes, truncated): the reader counts it as unreadable
        is_struct = "metadata" in schema.names and pa.types.is_struct(schema.field("metadata").type)
        return parquet_kind(schema.names, is_struct, path, fmt)
    if kind == JSONL:
        _check_jsonl_key(path, fmt)
    return kind


def _check_jsonl_key(path: str, fmt: TextFormat) -> None:
    """Refuse a jsonl file whose first records are JSON objects that all lack the text key."""
    import orjson
    from datatrove.io import get_datafolder

    keys: set[str] = set()
    seen = 0
    folder = get_datafolder(os.path.dirname(path) or ".")
    try:
        with folder.open(os.path.basename(path), "rb", compression="infer") as f:
            for line in line_reader(f):
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError:
                    record = None
                if isinstance(record, dict):
                    if fmt.text_key in record:
                        return
                    keys.update(record)
                seen += 1
                if seen >= PEEK_RECORDS:
                    break
    except (OSError, EOFError, ValueError):
        return  # unreadable or corrupt: the reader counts what it can, and names the rest
    if keys:
        shown = ", ".join(sorted(keys)[:12])
        raise UnsupportedInput(f"{path}: no '{fmt.text_key}' key in its first {seen} records (keys: {shown}); "
                               f"set input.text_key, or read.text_key in a source manifest")


def check_inputs(paths: list[str], formats: dict[str, TextFormat], default: TextFormat) -> dict[str, str]:
    """path -> format for every input, or UnsupportedInput for the first file no reader understands."""
    return {p: detect_format(p, formats.get(p, default)) for p in paths}
