"""datatrove's JsonlReader and ParquetReader (and a plain-text reader in their mould),
adapted to our schema and to the rule that nothing is lost without a count.

The stock readers skip what they cannot use: a line that is not JSON, a record without
text, the rest of a file after a bad byte, all with at most a log line. These subclasses
keep datatrove's file opening (fsspec, `compression="infer"` for .gz/.zst), its
`adapter` and `text_key`/`id_key` conventions, and turn each such record into an excluded
document with a named reason (`invalid_json`, `invalid_utf8`, `missing_text`,
`empty_text`...) that `ExcludeMarked` then writes to the excluded shards. The dispatching
reader (`corpus.readers.document_reader`) builds one of these per input file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from datatrove.data import Document
from datatrove.pipeline.readers import JsonlReader, ParquetReader
from datatrove.pipeline.readers.base import BaseDiskReader

from corpus.readers.input_formats import TextFormat, line_reader
from corpus.formats.parquet_rows import iter_rows
from corpus.readers.path_list import excluded_document
from corpus.readers.record_adapter import fallback_id, record_adapter


@dataclass(frozen=True)
class InputSettings:
    """How to read some input files, and the metadata every document from them starts with."""

    fmt: TextFormat = field(default_factory=TextFormat)
    metadata: dict[str, Any] = field(default_factory=dict)
    batch_size: int = 1000


class _Records:
    """Mixin for datatrove disk readers: a record becomes a document or an excluded one, never None."""

    def _settings_init(self, settings: InputSettings) -> None:
        self.settings = settings

    def path_of(self, filepath: str) -> str:
        return self.data_folder.resolve_paths(filepath)

    def bad(self, filepath: str, where: str, reason: str, text: str = "", detail: str = "",
            doc_id: Any = None) -> Document:
        path = self.path_of(filepath)
        ident = str(doc_id) if doc_id not in (None, "") else fallback_id(path, where)
        meta = dict(self.settings.metadata)
        if detail:
            meta["detail"] = detail
        return excluded_document(self.name, ident, reason, path, text, **meta)

    def document(self, data: dict, filepath: str, where: str) -> Document:
        path = self.path_of(filepath)
        parsed = self.adapter(data, path, where)
        text, meta = parsed["text"], {**self.settings.metadata, **parsed["metadata"]}
        reason = None
        if text is None:
            reason = "missing_text"
        elif not isinstance(text, str):
            reason, text = "text_not_a_string", str(text)[:1000]
        elif not text.strip():
            reason = "empty_text"
        if reason:
            meta.update(excluded_by=self.name, reason=reason)
        return Document(text=text or "", id=parsed["id"], metadata=meta)


class JsonlDocuments(_Records, JsonlReader):
    """One document per line of a .jsonl / .jsonl.gz / .jsonl.zst file."""

    name = "🐿 jsonl"

    def __init__(self, folder: str, settings: InputSettings):
        super().__init__(folder, compression="infer", adapter=record_adapter, text_key=settings.fmt.text_key,
                         id_key=settings.fmt.id_key, add_file_path=False)
        self._settings_init(settings)

    def read_file(self, filepath: str) -> Iterator[Document]:
        import orjson

        with self.data_folder.open(filepath, "rb", compression=self.compression) as f:
            for line_no, raw in enumerate(line_reader(f), 1):
                if not raw.strip():
                    continue  # a blank line is no record
                where = f":{line_no}"
                raw = raw.rstrip(b"\r\n")
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    yield self.bad(filepath, where, "invalid_utf8", raw.decode("utf-8", errors="replace"), str(err))
                    continue
                try:
                    data = orjson.loads(line)
                except orjson.JSONDecodeError as err:
                    yield self.bad(filepath, where, "invalid_json", line, str(err))
                    continue
                if not isinstance(data, dict):
                    yield self.bad(filepath, where, "not_a_json_object", line)
                    continue
                yield self.document(data, filepath, where)


class ParquetDocuments(_Records, ParquetReader):
    """One document per row of a parquet file in any schema with a text column (Hugging Face
    exports), read batch by batch; a row with invalid UTF-8 is one excluded document."""

    name = "📒 parquet"

    def __init__(self, folder: str, settings: InputSettings):
        super().__init__(folder, adapter=record_adapter, text_key=settings.fmt.text_key, id_key=settings.fmt.id_key,
                         batch_size=settings.batch_size)
        self._settings_init(settings)

    def read_file(self, filepath: str) -> Iterator[Document]:
        with self.data_folder.open(filepath, "rb") as f:
            for row in iter_rows(f, batch_size=self.batch_size):
                where = f"#{row.index}"
                if row.reason:
                    text = row.values.get(self.text_key)
                    yield self.bad(filepath, where, row.reason, text if isinstance(text, str) else "", row.detail,
                                   doc_id=row.values.get(self.id_key))
                else:
                    yield self.document(row.values, filepath, where)


class TextFileDocuments(_Records, BaseDiskReader):
    """Plain UTF-8 text: the whole file as one document, or (`txt: blocks`) one document per
    block of lines separated by blank lines, streamed line by line. A BOM is dropped and line
    ends become `\\n`. Bytes that are not UTF-8 exclude their document as `invalid_utf8`
    (convert with `iconv -f cp932 -t utf-8` first)."""

    name = "📄 txt"

    def __init__(self, folder: str, settings: InputSettings):
        super().__init__(folder, adapter=record_adapter, text_key=settings.fmt.text_key,
                         id_key=settings.fmt.id_key, add_file_path=False)
        self._settings_init(settings)

    def read_file(self, filepath: str) -> Iterator[Document]:
        with self.data_folder.open(filepath, "rb") as f:
            if self.settings.fmt.txt == "file":
                yield self._text(f.read().removeprefix(b"\xef\xbb\xbf"), filepath, "")
                return
            block: list[bytes] = []
            start = 0
            for line_no, raw in enumerate(f, 1):
                line = raw.rstrip(b"\r\n")
                if line_no == 1:
                    line = line.removeprefix(b"\xef\xbb\xbf")
                if line.decode("utf-8", errors="replace").strip():
                    start = start or line_no
                    block.append(line)
                elif block:
                    yield self._text(b"\n".join(block), filepath, f":{start}")
                    block, start = [], 0
            if block:
                yield self._text(b"\n".join(block), filepath, f":{start}")

    def _text(self, data: bytes, filepath: str, where: str) -> Document:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            return self.bad(filepath, where, "invalid_utf8", data.decode("utf-8", errors="replace"), str(err))
        return self.document({self.text_key: text.replace("\r\n", "\n").replace("\r", "\n")}, filepath, where)
