"""Finding the WARC records that a wrong Content-Length hides, and where to read on.

A WARC parser trusts each record's Content-Length to find the next record. When a length
overstates its block, the records after it are read as this record's payload: in a
gzip-per-record file the decompressor runs straight on into the next members, in a plain
file the parser simply reads on, and a request or metadata record (whose block nobody
reads) hides the response behind it without a trace. FastWARC and warcio both do this.

Every block is therefore checked for a record header inside it: a blank line (the end of
a real block, WARC 1.1 §5) followed by a `WARC/1.x` version line and header lines that
name `WARC-Type` and `Content-Length`. A block that holds one is cut there, and reading
restarts at the hidden record's own header in the file: the next gzip member (or `WARC/`
line) after the liar whose bytes begin as the hidden header does. A single-gzip-stream
WARC has no such point; the hidden record is then counted, not recovered.

Blocks too large to keep (`page_too_large`) are scanned in chunks as they stream past,
so a lying length that claims gigabytes cannot hide the rest of the file either.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

_MARKER = re.compile(rb"\r?\n\r?\n(WARC/(?:1\.[01]|0\.1[78])\r?\n)")
_BLANK = re.compile(rb"\r?\n\r?\n")
_FIELD_LINE = re.compile(rb"[!-9;-~]+:")  # a header field name (RFC 9110 token) and its colon
HEADER_PROBE = 8192
"""Bytes after a version line in which its header must end (real ones take a few hundred)."""
PREFIX_BYTES = 256
"""Bytes of a hidden header compared at a candidate sync point (the record id is in them)."""
_RESYNC_CHUNK = 1 << 20
_SCAN_CHUNK = 64 << 10  # small: most blocks scanned this way are request and metadata records of a few kB


@dataclass(frozen=True, slots=True)
class Hidden:
    """A record header found inside another record's block."""

    cut: int  # offset in the block where the block really ended (the blank line before the header)
    prefix: bytes  # the hidden header's first bytes, to recognise it at its own position

    @property
    def record_id(self) -> str | None:
        match = re.search(rb"(?i)\nWARC-Record-ID:\s*<?([^\r\n>]+)", self.prefix)
        return match.group(1).decode("ascii", "replace").strip() if match else None


def _is_warc_header(head: bytes, complete: bool) -> bool:
    """Header lines after the version line: all field lines; a complete header names the
    record's type and length, a cut one (the block ends inside it) needs only look right."""
    lines = head.split(b"\n")[1:]
    if not complete:
        lines = lines[:-1]  # the last line may be cut anywhere
    if not all(_FIELD_LINE.match(line.lstrip()) or line.startswith((b" ", b"\t")) for line in lines if line.strip()):
        return False
    if not complete:
        return True
    lowered = head.lower()
    return b"\nwarc-type:" in lowered and b"\ncontent-length:" in lowered


def find_hidden(block: bytes, complete: bool = True) -> tuple[Hidden | None, int]:
    """(the first record header hidden in `block`, offset before which no later call can find
    one). With `complete`, `block` is the whole block, and a header cut by its end counts:
    that is where a length overstated by a few bytes ends."""
    if b"WARC/" not in block:  # memchr-fast: almost every block stops here
        return None, max(0, len(block) - 16)
    for match in _MARKER.finditer(block):
        head_start = match.start(1)
        probe = block[head_start: head_start + HEADER_PROBE]
        end = _BLANK.search(probe)
        if end is None and len(probe) < HEADER_PROBE and not complete:
            return None, match.start()  # undecided: the header may end in the next chunk
        if end is None and len(probe) >= HEADER_PROBE:
            continue
        head = probe[: end.start()] if end is not None else probe
        if _is_warc_header(head, complete=end is not None):
            return Hidden(match.start(), probe[: min(PREFIX_BYTES, len(head))]), len(block)
    return None, max(0, len(block) - 16)  # a marker is at most 16 bytes before its header


def hidden_in_stream(read, head: bytes = b"") -> Hidden | None:
    """Scan a block read through `read(n)`, after the `head` already read, for a hidden
    record (offset from the start of `head`); memory stays at about one chunk."""
    window, offset = head, 0
    while True:
        data = read(_SCAN_CHUNK)
        window += data
        hit, keep_from = find_hidden(window, complete=not data)
        if hit is not None:
            return Hidden(offset + hit.cut, hit.prefix)
        if not data:
            return None
        window = window[keep_from:]
        offset += keep_from


def next_sync_point(stream, after: int, gzipped: bool) -> int | None:
    """Offset of the next gzip member (or `WARC/` line) after `after`, or None. A streamed
    input is searched from the oldest byte it still holds if `after` has left its window."""
    needle = b"\x1f\x8b\x08" if gzipped else b"\nWARC/"
    pos = max(after + 1, getattr(stream, "earliest", 0))
    while True:
        stream.seek(pos)
        chunk = stream.read(_RESYNC_CHUNK)
        if not chunk:
            return None
        i = chunk.find(needle)
        if i >= 0:
            return pos + i + (0 if gzipped else 1)
        if len(chunk) <= len(needle):
            return None
        pos += len(chunk) - len(needle)


def _starts_with(stream, offset: int, gzipped: bool, prefix: bytes) -> bool:
    stream.seek(offset)
    if not gzipped:
        return stream.read(len(prefix)) == prefix
    try:
        return zlib.decompressobj(31).decompress(stream.read(64 << 10), len(prefix)) == prefix
    except zlib.error:
        return False


def hidden_record_offset(stream, record_start: int, hidden: Hidden, gzipped: bool) -> tuple[int | None, bool]:
    """(where the hidden record starts in the file, whether any sync point lies in reach).

    The offset is the first sync point after the liar's own start whose bytes begin with
    the hidden header, searched no further than the block's cut allows (compressed data is
    never much larger than the data). No match but other sync points in reach means the
    "header" was text inside a real payload (a crawled WARC file); no sync point at all
    means a single-gzip-stream file, where the hidden record cannot be reached."""
    bound = record_start + (hidden.cut + (1 << 20)) * 11 // 10
    pos, any_point = record_start, False
    while (candidate := next_sync_point(stream, pos, gzipped)) is not None and candidate <= bound:
        if _starts_with(stream, candidate, gzipped, hidden.prefix):
            return candidate, True
        pos, any_point = candidate, True
    return None, any_point
