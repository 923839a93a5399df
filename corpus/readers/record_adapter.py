"""Maps a user's record (a jsonl line, a parquet row) onto our document schema.

It is the `adapter` datatrove's readers take (`adapter(self, data, path, id_in_file)`),
written for corpora we did not make. Fields we have a column for (`url`, `title`, `date`,
`lang`, `licence`...) are taken when they have the column's type; fields the pipeline
itself writes (`source`, `reason`, `pii`, `minhash_cluster_size`...) are kept as
`input_<key>`, so a record's own `reason` cannot mark it excluded and FineWeb's
`minhash_cluster_size` cannot pass for ours; every other field is kept as it is (it lands
in the `extra` JSON column). Nothing the record held is dropped.
"""

from __future__ import annotations

import os
from typing import Any

# our metadata keys a record may set, with the Python type the value must have
TAKEN: dict[str, type | tuple[type, ...]] = {
    "url": str, "title": str, "licence": str, "licence_evidence": str, "lang": str,
    "lang_score": (int, float), "charset": str, "date": str,
}
# keys only the pipeline writes; a record's own value is kept under `input_<key>`
OWNED = ("source", "dataset", "path", "pii", "figures", "minhash_cluster_size", "excluded_by", "reason", "extra")
# spellings of licence in the wild (Hugging Face datasets use `license`)
LICENCE_ALIASES = ("license",)


def fallback_id(path: str, where: str) -> str:
    """`<file name>:<line>` (jsonl, txt) or `<file name>#<row>` (parquet): `where` is `:12` or `#11`."""
    return f"{os.path.basename(path)}{where}"


def _metadata(record: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    nested = record.pop("metadata", None)  # datatrove's own jsonl keeps metadata nested
    if isinstance(nested, dict):
        record = {**nested, **record}
    elif nested is not None:
        record["input_metadata"] = nested
    for key, value in record.items():
        if key in OWNED:
            meta[f"input_{key}"] = value
        elif key in TAKEN:
            wanted = TAKEN[key]
            if isinstance(value, wanted) and not isinstance(value, bool):
                meta[key] = value
            elif value is not None:
                meta[f"input_{key}"] = value
        else:
            meta[key] = value
    for alias in LICENCE_ALIASES:
        value = meta.get(alias)
        if isinstance(value, str) and value.strip() and "licence" not in meta:
            meta["licence"] = value.strip()
            meta.setdefault("licence_evidence", f"record field {alias}")
    if "licence" in meta:
        meta.setdefault("licence_evidence", "record field licence")
    return meta


def record_adapter(reader, data: dict[str, Any], path: str, where: str) -> dict[str, Any]:
    """datatrove adapter: {text, id, metadata} of one record. `text` is the raw value (None
    when the key is absent); the reader decides what a record without string text becomes."""
    record = dict(data)
    text = record.pop(reader.text_key, None)
    raw_id = record.pop(reader.id_key, None)
    doc_id = str(raw_id) if raw_id is not None and str(raw_id) != "" else fallback_id(path, where)
    meta = _metadata(record)
    meta["path"] = path
    return {"text": text, "id": doc_id, "metadata": meta}
