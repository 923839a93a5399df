"""The one place that says what a document row looks like on disk.

Every stage writes and reads parquet with this fixed schema. datatrove infers a parquet
schema from the first document it sees, which breaks as soon as a web page and a wiki
article carry different metadata; a fixed schema keeps web, wiki and code shards
readable together and lets `jacorpus report` and the tokenizer read any stage's output.
Metadata keys that are not listed here are kept, JSON-encoded, in `extra`, so nothing a
step records is lost.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from datatrove.data import Document

from corpus.formats.shard_files import unpack_metadata

SOURCES = ("web", "wiki", "code")

# name -> (pyarrow type, what it means)
METADATA_FIELDS: dict[str, tuple[pa.DataType, str]] = {
    "source": (pa.string(), "web | wiki | code"),
    "dataset": (pa.string(), "name of the source-manifest entry the document came from"),
    "url": (pa.string(), "page or article URL"),
    "path": (pa.string(), "file path (code) or input file the record came from"),
    "title": (pa.string(), "page or article title"),
    "licence": (pa.string(), "SPDX or CC id, `unknown` when no evidence was found"),
    "licence_evidence": (pa.string(), "where the licence came from (link, meta tag, LICENSE file...)"),
    "lang": (pa.string(), "language id"),
    "lang_score": (pa.float64(), "language id confidence"),
    "charset": (pa.string(), "charset the bytes were decoded with"),
    "date": (pa.string(), "crawl or revision date, ISO 8601"),
    "pii": (pa.map_(pa.string(), pa.int64()), "masked PII spans by type"),
    "minhash_cluster_size": (pa.int64(), "size of the near-duplicate cluster this survivor stood for"),
    "figures": (pa.map_(pa.string(), pa.float64()), "per-rule measured values"),
    "excluded_by": (pa.string(), "step that excluded the document (excluded shards only)"),
    "reason": (pa.string(), "stable snake_case exclusion reason (excluded shards only)"),
    "extra": (pa.string(), "JSON object of any other metadata"),
}

METADATA_TYPE = pa.struct([pa.field(k, t) for k, (t, _) in METADATA_FIELDS.items()])
SCHEMA = pa.schema([pa.field("text", pa.string()), pa.field("id", pa.string()), pa.field("metadata", METADATA_TYPE)])

_MAP_FIELDS = {k for k, (t, _) in METADATA_FIELDS.items() if pa.types.is_map(t)}
_INT_FIELDS = {k for k, (t, _) in METADATA_FIELDS.items() if pa.types.is_integer(t)}
_FLOAT_FIELDS = {k for k, (t, _) in METADATA_FIELDS.items() if pa.types.is_floating(t)}


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def document_to_row(document: Document) -> dict:
    """Adapter for datatrove writers: Document -> one row of SCHEMA."""
    meta = document.metadata
    row_meta: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in meta.items():
        if key == "extra":
            continue
        if key not in METADATA_FIELDS:
            extra[key] = value
        elif value is None:
            row_meta[key] = None
        elif key in _MAP_FIELDS:
            cast = int if key in _INT_FIELDS or key == "pii" else float
            row_meta[key] = [(str(k), cast(v)) for k, v in value.items()]
        elif key in _INT_FIELDS:
            row_meta[key] = int(value)
        elif key in _FLOAT_FIELDS:
            row_meta[key] = float(value)
        else:
            row_meta[key] = str(value)
    if isinstance(meta.get("extra"), str) and meta["extra"]:
        extra = {**json.loads(meta["extra"]), **extra}
    row_meta["extra"] = json.dumps(extra, ensure_ascii=False, default=_json_default) if extra else None
    return {"text": document.text, "id": str(document.id), "metadata": row_meta}


def row_to_document(row: dict) -> Document:
    """Inverse of document_to_row; `extra` is unpacked back into metadata."""
    return Document(text=row.get("text") or "", id=str(row.get("id")), metadata=unpack_metadata(row.get("metadata")))


def writer_adapter(_writer, document: Document) -> dict:
    """datatrove's writers call `adapter(self, document)`."""
    return document_to_row(document)
