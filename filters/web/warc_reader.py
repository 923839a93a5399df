"""WARC files -> one document per HTTP response, decoded with the right charset.

FastWARC (resiliparse's WARC parser, C++) rather than warcio, which datatrove's stock
WarcReader uses: on the shared WARCs it reads 2.3-3.5x faster (benchmarks/ingest_web.py
prints both), and its quirks mode reads LF-only header lines that warcio also accepts.
What neither library does, and this reader adds:

- every record type is counted (`record_request`, `record_metadata`, ...) and only
  `response` records become documents; `resource`/`conversion` records are not HTTP;
- every response is a document: kept, or excluded here with a named reason (`not_html`,
  `binary_payload`, `truncated_record`, `page_too_large`, `http_status_not_ok`, ...);
- a corrupt gzip member or garbage between records ends fastwarc's iteration; we record a
  `corrupt_record` exclusion and resynchronise at the next gzip member or `WARC/` line, so
  one bad block costs one record, not the rest of the file;
- a Content-Length that overstates its block would hide the records after it inside it;
  every block (of every record type) is checked for a record header inside it, cut there,
  and reading restarts at that record's own header (`warc_resync.py`);
- an empty file or a file that is not a WARC is one excluded document (`empty_file`,
  `not_warc`), never an exception;
- a URL (`http(s)://`, `s3://`, ...) is streamed, never stored: read forward once, with
  the bytes since the last good record kept in memory for resynchronisation
  (`warc_stream.py`), so a corrupt block in a remote WARC costs what it costs locally.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from collections.abc import Iterator
from datetime import timezone

from datatrove.data import Document

from corpus.readers.file_names import writable
from corpus.readers.path_list import PathListReader, excluded_document
from corpus.readers.unique_ids import unique_documents, unique_inputs
from filters.web import charset as charset_mod
from filters.web.http_payload import (
    HTML_TYPES,
    decode_content,
    is_binary,
    is_html,
    media_type,
)
from filters.web.warc_resync import Hidden, find_hidden, hidden_in_stream, hidden_record_offset, next_sync_point
from filters.web.warc_stream import is_url, open_stream

# Common Crawl truncates payloads at 1 MiB (WARC-Truncated: length); 4x that leaves room for
# other crawlers while one 50 MB page can no longer stall a task or fill memory
DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024
# types whose bytes we still decode for the excluded shards (feeds, plain text), so a
# reader of the exclusions sees what was passed over; other types keep no text
_TEXT_TYPES_PREFIX = ("text/", "application/xml", "application/rss", "application/atom", "application/json")
# how far back a streamed (remote) WARC can be re-read after a corrupt block: the bytes
# since the last good record, which is at most a page over max_payload_bytes plus
# FastWARC's read-ahead; at least this much
MIN_STREAM_WINDOW = 16 << 20


def _sniff_start(stream) -> bytes | None:
    """The first bytes of the (decompressed) input, to tell WARC from anything else; the
    stream is left at offset 0."""
    try:
        head = stream.read(4)
        stream.seek(0)
        if head.startswith(b"\x1f\x8b"):
            return gzip.GzipFile(fileobj=stream).read(64)
        if head.startswith(b"BZh"):
            return b"BZh"  # fastwarc reads gzip, zstd and lz4, not bzip2
        if head.startswith(b"\x28\xb5\x2f\xfd"):
            return b"WARC/"  # zstd: fastwarc reads it; trust the magic number
        return stream.read(64)
    except (OSError, EOFError):
        return None  # not even the first bytes decompress
    finally:
        stream.seek(0)


def stream_problem(stream) -> str | None:
    """`empty_file`, `corrupt_file` (the start does not decompress), `not_warc` or
    `unsupported_compression` when we cannot read WARC records from the input, else None."""
    start = _sniff_start(stream)
    if start is None:
        return "corrupt_file"
    if not start:
        return "empty_file"
    if start == b"BZh":
        return "unsupported_compression"
    return None if start.lstrip(b"\r\n\t ").startswith(b"WARC/") else "not_warc"


def file_problem(path: str) -> str | None:
    """`stream_problem` of a local file."""
    with open(path, "rb") as f:
        return stream_problem(f)


def _iso_date(record) -> str | None:
    when = record.record_date
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class WarcReader(PathListReader):
    """Reads WARC files or URLs (.warc, .warc.gz; WARC/1.0, 1.1 and the older 0.17/0.18) with FastWARC."""

    name = "🕷 WARC"
    _requires_dependencies = ["fastwarc"]

    def __init__(
        self,
        paths: list[str],
        datasets: dict[str, str] | None = None,
        accept_types: tuple[str, ...] = HTML_TYPES,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        excerpt_chars: int | None = 4096,
        limit: int = -1,
    ):
        paths, self._repeated_inputs = unique_inputs(paths)  # one file listed twice is read once
        super().__init__(paths, limit=limit)
        self.excerpt_chars = excerpt_chars  # text kept for excluded non-HTML text records (feeds)
        self.datasets = datasets or {}
        self.accept_types = tuple(accept_types)
        self.max_payload_bytes = max_payload_bytes
        self._locate = None  # (record start, Hidden) -> (offset, any sync point), per file
        self._restart: int | None = None  # where a record hidden in the last block starts
        self._unreachable: Hidden | None = None  # a hidden record with nowhere to restart

    def excluded(self, doc_id: str, reason: str, path: str, text: str = "", **metadata) -> Document:
        """A record this reader passes over; `excluded_by` names the step as the filters do."""
        return excluded_document("warc_reader", writable(doc_id), reason, writable(path), text, **metadata)

    # -- files -----------------------------------------------------------------------------

    def _open(self, path: str):
        """A local file, or a URL read forward with a window to step back in (warc_stream.py)."""
        if is_url(path):
            return open_stream(path, window=max(MIN_STREAM_WINDOW, 2 * self.max_payload_bytes))
        return open(path.removeprefix("file://"), "rb")

    def read_path(self, path: str) -> Iterator[Document]:
        if self._repeated_inputs.get(path):
            self.stat_update("duplicate_inputs", value=self._repeated_inputs[path])
        yield from unique_documents(self._read_file(path), lambda n: self.stat_update("duplicate_ids", value=n))

    def _read_file(self, path: str) -> Iterator[Document]:
        dataset = self.datasets.get(path, "cli")
        with self._open(path) as stream:
            problem = stream_problem(stream)
            if problem:
                yield self.excluded(f"web/{os.path.basename(path)}#file", problem, path, source="web", dataset=dataset)
                return
            gzipped = stream.read(2) == b"\x1f\x8b"
            yield from self._read_records(path, stream, gzipped, dataset)

    def _read_records(self, path: str, stream, gzipped: bool, dataset: str) -> Iterator[Document]:
        offset, resyncing = 0, False

        def locate(start: int, hidden: Hidden) -> tuple[int | None, bool]:
            here = stream.tell()  # fastwarc may be reading this stream: leave it where it was
            try:
                return hidden_record_offset(stream, start, hidden, gzipped)
            except (OSError, io.UnsupportedOperation):  # left a streamed input's window
                return None, True
            finally:
                stream.seek(here)

        self._locate = locate
        while offset is not None:
            last, progressed, truncated_at, restart = offset, False, None, None
            try:
                for record in self._records(path, stream, offset):
                    last, progressed = max(last, record.stream_pos), True
                    self._restart = self._unreachable = None
                    doc = self._guarded(record, path, dataset)
                    if doc is not None:
                        if doc.metadata.get("reason") == "truncated_record":
                            truncated_at = record.stream_pos
                        yield doc
                    if self._unreachable is not None:
                        yield self._unreachable_document(self._unreachable, record.stream_pos, path, dataset)
                    if self._restart is not None:
                        restart = self._restart
                        break
                if restart is not None:  # the records a lying length hid are read from their own header
                    resyncing, offset = False, restart
                    continue
                if truncated_at is None:
                    return
                # a Content-Length that overstates the block swallows the records after it:
                # look for them inside the "truncated" block (at the end of a file: nothing)
                resyncing, offset = True, next_sync_point(stream, truncated_at, gzipped)
                continue
            except OSError as err:
                # fastwarc stops at a corrupt member or garbage: that block becomes one excluded
                # document and reading goes on at the next sync point; a sync point that is
                # itself garbage (a false gzip magic) is skipped without another document
                if progressed or not resyncing:
                    self.stat_update("resync")
                    yield self.excluded(
                        f"web/{os.path.basename(path)}@{last}", "corrupt_record", path, text=str(err)[:200],
                        source="web", dataset=dataset,
                    )
                resyncing = True
                offset = next_sync_point(stream, last, gzipped)

    def _hidden_record(self, record, hidden: Hidden | None) -> bool:
        """Is `hidden` (a header found in this record's block) a record the block's length
        hid? Then the block ends at `hidden.cut` and reading restarts at that record."""
        if hidden is None or self._locate is None:
            return False
        offset, any_point = self._locate(record.stream_pos, hidden)
        if offset is None and any_point:
            self.stat_update("warc_header_in_payload")  # text of a crawled WARC file, not a lie
            return False
        self.stat_update("content_length_overstated")
        if offset is None:
            self._unreachable = hidden
        else:
            self._restart = offset
        return True

    def _unreachable_document(self, hidden: Hidden, at: int, path: str, dataset: str) -> Document:
        """A record hidden in a single-gzip-stream file: it has no position to read it from."""
        self.stat_update("unreachable_record")
        doc_id = f"web/{hidden.record_id}" if hidden.record_id else f"web/{os.path.basename(path)}@{at}#hidden"
        return self.excluded(doc_id, "unreachable_record", path, text=hidden.prefix.decode("utf-8", "replace"),
                             source="web", dataset=dataset)

    def _records(self, path: str, stream, offset: int):
        from fastwarc.warc import ArchiveIterator, WarcRecordType

        options = {"record_types": WarcRecordType.any_type, "parse_http": True, "auto_decode": "transfer", "quirks_mode": True}
        if offset == 0 and not is_url(path) and writable(path) == path:  # fastwarc opens UTF-8 names only
            yield from ArchiveIterator(path.removeprefix("file://"), **options)  # fastwarc's own buffered file reading
            return
        stream.seek(offset)
        yield from ArchiveIterator(stream, **options)

    # -- records ---------------------------------------------------------------------------

    def _guarded(self, record, path: str, dataset: str) -> Document | None:
        """One record -> a document (kept or excluded), or None for non-response records."""
        try:
            return self._record_to_document(record, path, dataset)
        except OSError:
            raise  # a broken stream: read_path resynchronises
        except Exception as err:  # one odd record must not end the task; it is counted and kept visible
            self.stat_update("malformed_record")
            return self.excluded(
                f"web/{os.path.basename(path)}@{record.stream_pos}", "malformed_record", path,
                text=f"{type(err).__name__}: {err}"[:200], source="web", dataset=dataset,
            )

    def _record_to_document(self, record, path: str, dataset: str) -> Document | None:
        from fastwarc.warc import WarcRecordType

        rtype = record.record_type
        if rtype != WarcRecordType.response:
            self.stat_update(f"record_{getattr(rtype, 'name', str(rtype))}")
            self._hidden_record(record, hidden_in_stream(record.reader.read))  # no one reads this block
            return None
        self.stat_update("record_response")

        headers = record.headers
        url = (headers.get("WARC-Target-URI") or "").strip().strip("<>") or None
        date = _iso_date(record)
        if date is None:
            self.stat_update("bad_warc_date")
        record_id = (headers.get("WARC-Record-ID") or "").strip().strip("<>")
        meta = {"source": "web", "dataset": dataset, "url": url, "date": date}

        def doc_id(body: bytes = b"") -> str:
            if record_id:
                return f"web/{record_id}"
            digest = headers.get("WARC-Payload-Digest") or f"sha1:{hashlib.sha1(body).hexdigest()}"
            return f"web/{digest}"

        if record.content_length > self.max_payload_bytes:
            self._hidden_record(record, hidden_in_stream(record.reader.read))  # read past, not kept
            return self.excluded(doc_id(), "page_too_large", path, bytes=record.content_length, **meta)
        # parsed by the iterator: fastwarc 2.0's later parse_http() loses the body of LF-only records
        http = record.http_headers
        if http is None or http.status_code is None:
            self._hidden_record(record, hidden_in_stream(record.reader.read))
            return self.excluded(doc_id(), "malformed_http", path, **meta)
        status = http.status_code
        meta["http_status"] = status
        if headers.get("WARC-Truncated"):
            self.stat_update("warc_truncated_by_crawler")
            meta["warc_truncated"] = headers.get("WARC-Truncated")

        declared_length = record.content_length
        raw = record.reader.read(self.max_payload_bytes + 1)
        hidden, _ = find_hidden(raw)  # the whole block: its length is within max_payload_bytes
        if self._hidden_record(record, hidden):
            raw = raw[: hidden.cut]
            meta["content_length_overstated"] = True
        elif len(raw) < declared_length:
            return self.excluded(doc_id(raw), "truncated_record", path, bytes=len(raw), **meta)
        if not 200 <= status < 300:
            return self.excluded(doc_id(raw), "http_status_not_ok", path, **meta)

        content_type = http.get("Content-Type")
        payload = decode_content(raw, http.get("Content-Encoding"), self.max_payload_bytes)
        if payload.anomaly:
            self.stat_update(payload.anomaly)
            if payload.anomaly == "payload_too_large":
                return self.excluded(doc_id(raw), "page_too_large", path, **meta)
            if payload.anomaly in ("content_encoding_broken", "content_encoding_unsupported"):
                return self.excluded(doc_id(raw), payload.anomaly, path, **meta)
        body = payload.body
        if not body.strip():
            return self.excluded(doc_id(raw), "empty_payload", path, **meta)

        # Common Crawl's own identification (Tika) is better than what the server claimed
        declared_type = media_type(headers.get("WARC-Identified-Payload-Type") or content_type)
        meta["content_type"] = declared_type or None
        if not is_html(declared_type, body, self.accept_types):
            text = ""
            if declared_type.startswith(_TEXT_TYPES_PREFIX) and not is_binary(body):
                decoded = charset_mod.decode_body(body, content_type)
                text = decoded.text if self.excerpt_chars is None else decoded.text[: self.excerpt_chars]
                meta.update(charset=decoded.charset, charset_source=decoded.source)
            return self.excluded(doc_id(raw), "not_html", path, text=text, **meta)
        if is_binary(body):  # an image or archive served as text/html
            return self.excluded(doc_id(raw), "binary_payload", path, **meta)

        decoded = charset_mod.decode_body(body, content_type)
        self.stat_update(f"charset_{decoded.source}")
        meta.update(charset=decoded.charset, charset_source=decoded.source)
        if decoded.declared and charset_mod.normalize_label(decoded.declared) != charset_mod.normalize_label(decoded.charset):
            meta["charset_declared"] = decoded.declared
        if decoded.replaced:
            self.stat_update("charset_replacement_chars")
        return Document(text=decoded.text, id=doc_id(raw), metadata={**meta, "path": writable(path)})

