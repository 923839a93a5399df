"""Text of the real pages in ../shared/data/web/ja_fixture_pages_packed.warc.gz, read by tests.

Each HTTP response is decoded with the charset the fixture records (`WARC-X-Expected-Charset`)
and its text extracted with the project's own extractor (`filters.web.extraction`, as ingest
does). RSS/Atom feeds, which ingest counts as `not_html`, are turned into text the way a
generic scraper sees them: each item's title and description, markup removed, one per
line. Nothing of the data is copied into the repository; the text is rebuilt on each run.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

_TAG = re.compile(r"<[^>]+>")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_ITEM_PART = re.compile(r"<(title|description|summary|content(?::encoded)?)[^>]*>(.*?)</\1>", re.S | re.I)


def feed_text(xml: str) -> str:
    """Titles and descriptions of a feed's entries, markup and entities removed, one per line."""
    lines = []
    for _, body in _ITEM_PART.findall(xml):
        body = _CDATA.sub(lambda m: m.group(1), body)
        body = html.unescape(_TAG.sub(" ", html.unescape(body)))  # descriptions hold escaped HTML
        body = re.sub(r"[ \t\r\f\v\u3000]+", " ", body)
        lines += [line.strip() for line in body.split("\n") if line.strip()]
    return "\n".join(lines)


@lru_cache(maxsize=2)
def fixture_pages(warc: Path) -> dict[str, tuple[str, str]]:
    """fixture source path (repo@commit:path) -> (kind, text); kind is html, feed or plain."""
    from warcio.archiveiterator import ArchiveIterator

    from filters.web.extraction import extract_text

    pages = {}
    with open(warc, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            source = record.rec_headers.get_header("WARC-X-Fixture-Source")
            charset = record.rec_headers.get_header("WARC-X-Expected-Charset") or "utf-8"
            body = record.content_stream().read().decode(charset, errors="replace")
            if source.endswith(".xml"):
                pages[source] = ("feed", feed_text(body))
            elif source.endswith(".txt"):
                pages[source] = ("plain", body)
            else:
                pages[source] = ("html", extract_text(body))
    return pages


def page(shared_data: Path, name: str) -> str:
    """The text of the one fixture whose source path ends with `name`."""
    pages = fixture_pages(shared_data / "web" / "ja_fixture_pages_packed.warc.gz")
    (text,) = [text for source, (_, text) in pages.items() if source.endswith(name)]
    return text
