"""The reader of the boilerplate-counting pass: Japanese-looking HTML pages, a sample per
host, found without decoding anything else.

Host statistics (host_boilerplate.py) need only a sample of each Japanese host's pages, but
the counting pass reads every input a second time, and on a Common Crawl segment ~95% of the
pages are not Japanese. Decoding each of them (charset detection) would make the pass cost
half the stage again. So this reader decides on the raw bytes which pages to decode: a
Japanese marker that is ASCII in any encoding (`<html lang="ja">`, `content-language: ja`),
a Japanese legacy charset declared in the HTTP header or the page (Shift_JIS, CP932, EUC-JP,
ISO-2022-JP: a page written in one is Japanese), or UTF-8 kana in the `<title>`. Only those
are decoded (charset.py, as the main pass does, so block keys match) and counted; the rest
are skipped, and so are pages of a host whose sample is full. It is best effort, not an
account: a corrupt block ends the counting of that file (the main pass resynchronises and
counts every record), and nothing here is written to the excluded shards.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from datatrove.data import Document

from corpus.readers.path_list import PathListReader
from filters.web.charset import decode_body
from filters.web.host_boilerplate import DEFAULT_SAMPLE_PAGES, host_of
from filters.web.http_payload import HTML_TYPES, decode_content, is_binary, is_html, media_type
from filters.web.warc_stream import is_url, open_stream

# the head of a page holds its markers; 64 KiB covers pages with large inline scripts
HEAD_BYTES = 65_536
# each test first finds its anchor with a plain substring search on the lower-cased head
# (C memchr speed) and runs a regex only around it: an alternation scanned over 64 KiB of
# every foreign page would cost more than the whole counting pass
_HTML_LANG_JA = re.compile(rb"""\b(?:xml:)?lang\s*=\s*["']?\s*ja\b""")
_CONTENT_LANGUAGE_JA = re.compile(rb"""content-language["']?[^>]*?content\s*=\s*["']?\s*ja\b""")
_JA_CHARSET = re.compile(
    rb"""charset\s*=\s*["']?\s*(?:shift[_-]?jis|x-sjis|sjis|ms_kanji|csshiftjis|windows-31j|cp932|"""
    rb"""x-euc-jp|euc-jp|eucjp|iso-2022-jp|csiso2022jp)\b"""
)
# hiragana and katakana are U+3041-U+30FF: E3 81 81 .. E3 83 BF in UTF-8
_UTF8_KANA = re.compile(rb"\xe3[\x81-\x83][\x80-\xbf]")
TITLE_BYTES = 800


def _tag(head: bytes, name: bytes) -> bytes:
    start = head.find(name)
    if start < 0:
        return b""
    end = head.find(b">", start)
    return head[start:end if end > 0 else start + 1024]


def looks_japanese(body: bytes, content_type: str | None) -> bool:
    """A Japanese marker in the raw bytes of a page or in its Content-Type header."""
    if content_type and _JA_CHARSET.search(content_type.lower().encode("latin-1", "replace")):
        return True
    head = body[:HEAD_BYTES].lower()
    if _HTML_LANG_JA.search(_tag(head, b"<html")):
        return True
    for anchor, pattern in ((b"charset", _JA_CHARSET), (b"content-language", _CONTENT_LANGUAGE_JA)):
        at = head.find(anchor)
        while at >= 0:
            if pattern.match(head, at):
                return True
            at = head.find(anchor, at + 1)
    title = head.find(b"<title")
    return title >= 0 and _UTF8_KANA.search(head, title, title + TITLE_BYTES) is not None


class HostSampleReader(PathListReader):
    """Yields decoded Japanese-looking HTML pages (text and `url` only), at most
    `sample_pages` per host and task."""

    name = "🕷 WARC host sample"
    _requires_dependencies = ["fastwarc"]

    def __init__(self, paths: list[str], accept_types: tuple[str, ...] = HTML_TYPES,
                 max_payload_bytes: int = 4 * 1024 * 1024, sample_pages: int = DEFAULT_SAMPLE_PAGES):
        super().__init__(paths)
        self.accept_types = tuple(accept_types)
        self.max_payload_bytes = max_payload_bytes
        self.sample_pages = sample_pages

    def read_path(self, path: str) -> Iterator[Document]:
        from fastwarc.warc import ArchiveIterator, WarcRecordType

        seen: Counter = Counter()
        options = {"record_types": WarcRecordType.response, "parse_http": True, "auto_decode": "transfer",
                   "quirks_mode": True}
        if is_url(path):
            with open_stream(path, window=2 * self.max_payload_bytes) as stream:
                yield from self._sample(ArchiveIterator(stream, **options), path, seen)
        else:  # fastwarc's own buffered file reading is the fast path
            yield from self._sample(ArchiveIterator(path.removeprefix("file://"), **options), path, seen)

    def _sample(self, records, path: str, seen: Counter) -> Iterator[Document]:
        skipped = 0
        for record in records:
            url = (record.headers.get("WARC-Target-URI") or "").strip().strip("<>")
            host = host_of(url)
            http = record.http_headers
            if (host is None or seen[host] >= self.sample_pages or record.content_length > self.max_payload_bytes
                    or http is None or not 200 <= (http.status_code or 0) < 300):
                continue
            content_type, encoding = http.get("Content-Type"), http.get("Content-Encoding")
            # the markers are in the head: the rest of a page is read only when it is sampled
            # (a content-encoded body must be read whole to be decoded at all)
            raw = record.reader.read(self.max_payload_bytes + 1 if encoding else HEAD_BYTES)
            payload = decode_content(raw, encoding, self.max_payload_bytes)
            declared = media_type(record.headers.get("WARC-Identified-Payload-Type") or content_type)
            if (payload.anomaly in ("content_encoding_broken", "content_encoding_unsupported", "payload_too_large")
                    or not is_html(declared, payload.body, self.accept_types) or is_binary(payload.body)
                    or not looks_japanese(payload.body, content_type)):
                skipped += 1
                continue
            body = payload.body if encoding else raw + record.reader.read(self.max_payload_bytes + 1 - len(raw))
            seen[host] += 1
            self.stat_update("pages_sampled")
            yield Document(text=decode_body(body, content_type).text, id=f"{path}@{record.stream_pos}",
                           metadata={"url": url})
        self.stat_update("pages_skipped", value=skipped)  # once per file: datatrove's stats are not free
