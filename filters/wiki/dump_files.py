"""Opening dump files as a stream of decompressed bytes, whole or by multistream byte range.

Wikimedia publishes `pages-articles` as one bzip2 stream (`...-pages-articles.xml.bz2`)
and as a *multistream* file (`...-pages-articles-multistream.xml.bz2`): a concatenation
of bzip2 streams of 100 pages each, plus an index (`...-multistream-index.txt.bz2`,
lines `offset:page_id:title`) giving each stream's byte offset. With the index a task can
seek to any stream and decompress only its share, so one 4 GB dump splits across as many
tasks as it has streams (https://meta.wikimedia.org/wiki/Data_dumps/Dump_format).

Truncated compressed input raises EOFError from the iterators here; the page scanner turns
that into a counted `truncated_dump` record after the last complete page.
"""

from __future__ import annotations

import bz2
import os
import re
import zlib
from collections.abc import Iterator

CHUNK = 1 << 20  # bytes read at a time; memory stays a few chunks whatever the dump size

_INDEX_NAME = re.compile(r"-multistream-index\d*\.txt")


def is_index_file(path: str) -> bool:
    """`...-multistream-index.txt.bz2` and the split form `...-multistream-index1.txt-p1p2.bz2`."""
    return bool(_INDEX_NAME.search(os.path.basename(path)))


def index_name_for(dump_path: str) -> str | None:
    """The index file name Wikimedia gives a multistream dump, or None for other dumps.

    `jawiki-20240101-pages-articles-multistream.xml.bz2` ->
    `jawiki-20240101-pages-articles-multistream-index.txt.bz2`, and the split files
    `...-multistream1.xml-p1p114794.bz2` -> `...-multistream-index1.txt-p1p114794.bz2`.
    """
    name = os.path.basename(dump_path)
    if "-multistream" not in name or ".xml" not in name or not name.endswith(".bz2") or is_index_file(name):
        return None
    index = name.replace("-multistream", "-multistream-index", 1).replace(".xml", ".txt", 1)
    return os.path.join(os.path.dirname(dump_path), index)


def read_stream_offsets(index_path: str) -> list[int]:
    """Sorted distinct stream offsets of a multistream index (bz2 or plain text).

    Raises ValueError on a line that is not `offset:page_id:title`, so a damaged index is
    noticed rather than silently splitting the dump at wrong places.
    """
    opener = bz2.open if index_path.endswith(".bz2") else open
    offsets: set[int] = set()
    with opener(index_path, "rb") as f:
        for number, line in enumerate(f, 1):
            head, sep, _ = line.partition(b":")
            if not sep or not head.isdigit():
                if line.strip():
                    raise ValueError(f"{index_path}:{number}: not an index line: {line[:80]!r}")
                continue
            offsets.add(int(head))
    return sorted(offsets)


def split_ranges(offsets: list[int], parts: int) -> list[tuple[int, int | None]]:
    """Split the page streams into at most `parts` contiguous byte ranges `[start, end)`.

    The last range runs to the end of the file (`end=None`) so that it also reads the final
    stream holding `</mediawiki>`; contiguous ranges keep each task's reads sequential.
    """
    if not offsets:
        return [(0, None)]
    parts = max(1, min(parts, len(offsets)))
    bounds = [offsets[(i * len(offsets)) // parts] for i in range(parts)]
    return [(start, bounds[i + 1] if i + 1 < parts else None) for i, start in enumerate(bounds)]


def iter_bz2_range(path: str, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
    """Decompressed bytes of the bzip2 streams lying in `[start, end)` of a file.

    Handles any number of concatenated streams (what `bz2.open` does for a whole file), but
    starting and stopping at byte offsets. Raises EOFError when the data ends inside a
    stream and OSError on corrupt data.
    """
    with open(path, "rb") as raw:
        raw.seek(start)
        remaining = None if end is None else end - start
        decompressor = bz2.BZ2Decompressor()
        started = False
        while True:
            size = chunk if remaining is None else min(chunk, remaining)
            data = raw.read(size) if size > 0 else b""
            if not data:
                break
            if remaining is not None:
                remaining -= len(data)
            while data:
                if decompressor.eof:
                    if not data.startswith(b"BZh") and not data.strip(b"\0"):
                        data = b""  # zero padding after the last stream
                        break
                    decompressor = bz2.BZ2Decompressor()
                out = decompressor.decompress(data)
                started = True
                data = decompressor.unused_data if decompressor.eof else b""
                if out:
                    yield out
        if started and not decompressor.eof:
            raise EOFError("compressed data ended before the end-of-stream marker")


def iter_plain(path: str, opener=open, chunk: int = CHUNK) -> Iterator[bytes]:
    with opener(path, "rb") as f:
        while data := f.read(chunk):
            yield data


def iter_gzip(path: str, chunk: int = CHUNK) -> Iterator[bytes]:
    """Decompressed bytes of a gzip file, member after member, yielded as they come.

    `gzip.open(...).read(n)` raises EOFError on a truncated file and throws away what it
    decompressed in that call, losing the last complete pages; a decompressor object hands
    over everything up to the cut, then we raise EOFError like the bz2 reader does.
    """
    with open(path, "rb") as raw:
        decompressor, fed = zlib.decompressobj(wbits=31), False
        while block := raw.read(chunk):
            while block:
                fed = True
                out = decompressor.decompress(block, chunk)  # bounded: a 100 MB line comes in pieces
                if out:
                    yield out
                block = decompressor.unconsumed_tail
                if decompressor.eof:  # a next member, if any, starts in unused_data
                    block = decompressor.unused_data
                    decompressor, fed = zlib.decompressobj(wbits=31), False
        if fed and not decompressor.eof:
            raise EOFError("compressed data ended before the end-of-stream marker")


def iter_dump_bytes(path: str, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
    """Decompressed bytes of a dump file (.bz2, .gz or plain XML); byte ranges for bz2 only."""
    if path.endswith(".bz2"):
        return iter_bz2_range(path, start, end, chunk)
    if start or end is not None:
        raise ValueError(f"byte ranges need a bzip2 multistream dump, not {path}")
    if path.endswith(".gz"):
        return iter_gzip(path, chunk)
    return iter_plain(path, open, chunk)
