"""File names that are not UTF-8, turned into text a shard can hold.

Linux file names and tar member names are bytes. Old Japanese archives and trees made on
Windows name files in cp932 (Shift_JIS); a hostile one may use bytes that are no encoding
at all. Python hands such names over with surrogate escapes (`os.listdir`, `tarfile`),
which parquet cannot store, so one such name used to end the whole run.

A name is decoded as UTF-8 (POSIX tools, PAX headers), then cp932 (the Japanese Windows
code page), and when neither fits its bytes are written escaped (`bad\\xffname.py`). The
encoding used is returned so a document can record it when it is not UTF-8.
"""

from __future__ import annotations

import re

# Python's cp932 maps the bytes Windows leaves unassigned (0xA0, 0xFD-0xFF) and the user-defined
# rows to private-use code points: a name that needs them was not written in cp932
_PRIVATE_USE = re.compile("[\\ue000-\\uf8ff]")


def decode_name(raw: bytes) -> tuple[str, str]:
    """(name, encoding) of a name given as bytes: `utf-8`, `cp932` or `escaped`."""
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        name = raw.decode("cp932")
    except UnicodeDecodeError:
        name = None
    if name is not None and not _PRIVATE_USE.search(name):
        return name, "cp932"
    return raw.decode("utf-8", "backslashreplace"), "escaped"


def display_name(name: str) -> tuple[str, str]:
    """(name, encoding) of a str that may carry surrogate escapes of undecodable bytes."""
    try:
        name.encode("utf-8")
        return name, "utf-8"
    except UnicodeEncodeError:
        pass
    try:
        return decode_name(name.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        return name.encode("utf-8", "backslashreplace").decode("ascii"), "escaped"


def writable(text: str) -> str:
    """`text` (a path, an id) with any undecodable file-name bytes made storable."""
    return display_name(text)[0]
