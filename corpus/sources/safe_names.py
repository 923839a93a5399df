"""Names from manifests and servers that become file names: one plain path component each.

A manifest, a Wikipedia checksum list or a Common Crawl `warc.paths.gz` is input someone
else wrote. Where one of its strings becomes a path under `-o` (a source's folder, a
downloaded file's name), it must not climb out (`..`, `/abs`), hide (`.x`), read as an
option to a command (`-x`), or carry control characters into a terminal or a log.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# letters and digits of any script, then also . _ - + @ ; no separators, no leading dot or dash
_PLAIN = re.compile(r"[^\W_][\w.+@-]*|_[\w.+@-]*")
MAX_LENGTH = 200


def is_plain_name(name: str) -> bool:
    """True when `name` is one path component that stays where it is joined."""
    return isinstance(name, str) and 0 < len(name) <= MAX_LENGTH and _PLAIN.fullmatch(name) is not None


def plain_name_problem(name: str) -> str | None:
    """Why `name` is not a plain file name, or None when it is."""
    if is_plain_name(name):
        return None
    return (f"{name!r} is not a plain file name (one path component of letters, digits, '.', '_', '-', '+', '@'; "
            "not starting with '.' or '-')")


def url_file_name(url: str) -> str:
    """The last segment of a URL's path, decoded (`https://h/a/b.warc.gz?x=1` -> `b.warc.gz`)."""
    return unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2]) if "://" in url else url.rpartition("/")[2]
