"""Zip member names in the encoding their archive says they are in.

Zip names are bytes too. Bit 11 of a member's flags says UTF-8; without it zipfile decodes
the name as cp437 (the format's historical default), which for a zip made by Japanese
Windows (cp932 names, no flag) gives mojibake. Those bytes are recovered here and decoded
like any other file name (`corpus.readers.file_names`: UTF-8, cp932, escaped), unless Info-ZIP's
Unicode Path field carries the UTF-8 name. Tar names are bytes read with surrogate
escapes and go straight to `display_name`.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

from corpus.readers.file_names import decode_name, display_name

ZIP_UTF8_FLAG = 0x800  # general purpose bit 11 (APPNOTE 4.4.4): name and comment are UTF-8
ZIP_UNICODE_PATH = 0x7075  # Info-ZIP Unicode Path Extra Field (APPNOTE 4.6.9)


def _unicode_path_field(info: zipfile.ZipInfo, header_name: bytes) -> str | None:
    """The UTF-8 name of Info-ZIP's Unicode Path field, when its CRC matches the header name."""
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4: pos + 4 + size]
        if kind == ZIP_UNICODE_PATH and len(body) >= 5 and body[0] == 1:
            if struct.unpack_from("<I", body, 1)[0] == zlib.crc32(header_name):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        pos += 4 + size
    return None


def zip_member_name(info: zipfile.ZipInfo) -> tuple[str, str]:
    """(name, encoding) of a zip member. Without the UTF-8 flag, zipfile decodes the name as
    cp437 (the format's historical default); those bytes are recovered and decoded again."""
    if info.flag_bits & ZIP_UTF8_FLAG:
        return info.filename, "utf-8"
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:  # opened with another metadata_encoding: trust it
        return display_name(info.filename)
    unicode_path = _unicode_path_field(info, raw)
    if unicode_path is not None:
        return unicode_path, "utf-8"
    return decode_name(raw.split(b"\x00", 1)[0])
