"""What an HTTP response payload in a WARC record really is: its media type, its
content encoding, and whether it is text at all.

Servers and crawlers lie in small ways that must not crash a run or let binary data into a
text corpus: `Content-Type: text/html` on a JPEG, `Content-Encoding: gzip` on a body that a
crawler already decompressed (Common Crawl renames the header to `X-Crawler-Content-Encoding`,
older crawls do not), no Content-Type at all. Each case here has a name, so the reader can
count it.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

HTML_TYPES = ("text/html", "application/xhtml+xml")

# types that say nothing about the body: we look at the bytes instead
_UNSPECIFIC_TYPES = {"", "application/octet-stream", "text/plain", "unknown/unknown", "application/unknown"}

# magic numbers of formats that are not text, seen behind `text/html` on the web
_BINARY_MAGIC = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF", b"PK\x03\x04", b"\x1f\x8b",
    b"RIFF", b"\x00\x00\x01\x00", b"BM", b"OggS", b"ID3", b"\x7fELF", b"MZ", b"wOFF", b"wOF2",
    b"\x28\xb5\x2f\xfd", b"Rar!", b"7z\xbc\xaf",
)
_SNIFF_BYTES = 1024
# share of control bytes (other than tab, LF, CR, FF, ESC) above which a body is binary; UTF-16
# text is caught by its BOM before this test runs (charset.py)
MAX_CONTROL_SHARE = 0.10
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


@dataclass(frozen=True, slots=True)
class Payload:
    """A response body after content decoding, with what was found on the way."""

    body: bytes
    anomaly: str | None = None  # e.g. "content_encoding_not_applied": counted, not fatal


def media_type(content_type: str | None) -> str:
    """`text/html; charset=x` -> `text/html`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def looks_like_html(body: bytes) -> bool:
    """The start of the body is an HTML document (doctype, <html>, <head> or <body>)."""
    head = body[:_SNIFF_BYTES].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<!--")) or b"<html" in head or b"<body" in head


def is_binary(body: bytes) -> bool:
    """Known binary magic numbers, NUL bytes, or many control bytes in the first KiB."""
    head = body[:_SNIFF_BYTES]
    if head.startswith(_BINARY_MAGIC):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with a BOM: text, decoded by charset.py
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL))
    return bool(head) and controls / len(head) > MAX_CONTROL_SHARE


def is_html(declared_type: str, body: bytes, accepted: tuple[str, ...] = HTML_TYPES) -> bool:
    """An accepted media type, or an unspecific one whose bytes start like HTML."""
    if declared_type in accepted:
        return True
    return declared_type in _UNSPECIFIC_TYPES and looks_like_html(body)


def decode_content(body: bytes, content_encoding: str | None, max_bytes: int) -> Payload:
    """Undo `Content-Encoding` (gzip, deflate, br) when the body really is encoded.

    A body that claims an encoding but does not carry it (already decompressed by the
    crawler) is used as it is and marked `content_encoding_not_applied`; one that carries
    it but cannot be decoded is marked `content_encoding_broken`, and the caller excludes it.
    Decompression stops at `max_bytes`, so a zip bomb cannot fill memory.
    """
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity", "none", "utf-8", "utf8", "binary", "8bit"):
        return Payload(body)
    if encoding in ("gzip", "x-gzip", "deflate"):
        if encoding != "deflate" and not body.startswith(b"\x1f\x8b"):
            return Payload(body, "content_encoding_not_applied")
        try:
            wbits = 16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS
            try:
                out = _bounded_inflate(body, wbits, max_bytes)
            except zlib.error:
                if encoding != "deflate":
                    raise
                out = _bounded_inflate(body, -zlib.MAX_WBITS, max_bytes)  # raw deflate, as IIS sends
        except (zlib.error, EOFError, gzip.BadGzipFile):
            if encoding == "deflate" and (looks_like_html(body) or not is_binary(body)):
                return Payload(body, "content_encoding_not_applied")
            return Payload(body, "content_encoding_broken")
        if out is None:
            return Payload(b"", "payload_too_large")
        return Payload(out)
    if encoding == "br":
        try:
            import brotli
        except ImportError:
            return Payload(body, "content_encoding_unsupported")
        try:
            out = brotli.decompress(body)
        except brotli.error:
            if looks_like_html(body):
                return Payload(body, "content_encoding_not_applied")
            return Payload(body, "content_encoding_broken")
        if len(out) > max_bytes:
            return Payload(b"", "payload_too_large")
        return Payload(out)
    return Payload(body, "content_encoding_unsupported" if not looks_like_html(body) else "content_encoding_not_applied")


def _bounded_inflate(body: bytes, wbits: int, max_bytes: int) -> bytes | None:
    d = zlib.decompressobj(wbits)
    out = d.decompress(body, max_bytes + 1)
    if len(out) > max_bytes:
        return None
    return out
