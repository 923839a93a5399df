"""Text of the real pages in ../shared/data/web/ja_fixture_pages_packed.warc.gz, read by the quality evaluation set and tests.

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
_ITEM = re.compile(r"<(item|entry)\b[^>]*>(.*?)</\1>", re.S | re.I)


def _field(block: str, *names: str) -> str:
    for name in names:
        found = re.search(rf"<{name}\b[^>]*>(.*?)</{name}>", block, re.S | re.I)
        if found and found.group(1).strip():
            return found.group(1)
    return ""


def _plain(fragment: str) -> list[str]:
    fragment = _CDATA.sub(lambda m: m.group(1), fragment)
    fragment = html.unescape(_TAG.sub("\n", html.unescape(fragment)))  # descriptions hold escaped HTML
    fragment = re.sub(r"[ \t\r\f\v\u3000]+", " ", fragment)
    return [line.strip() for line in fragment.split("\n") if line.strip()]


def feed_text(xml: str) -> str:
    """The feed's title and description, then each entry's title and body (its full content
    where the feed has it, else its description or summary), markup removed, one block per line."""
    items = list(_ITEM.finditer(xml))
    head = xml[: items[0].start()] if items else xml
    lines = _plain(_field(head, "title")) + _plain(_field(head, "description", "subtitle", "tagline"))
    for item in items:
        block = item.group(2)
        lines += _plain(_field(block, "title"))
        lines += _plain(_field(block, "content:encoded", "content", "description", "summary"))
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


def html_of(shared_data: Path, name: str) -> str:
    """The decoded HTML of the one fixture whose source path ends with `name`."""
    from warcio.archiveiterator import ArchiveIterator

    with open(shared_data / "web" / "ja_fixture_pages_packed.warc.gz", "rb") as stream:
        for record in ArchiveIterator(stream):
            source = record.rec_headers.get_header("WARC-X-Fixture-Source") or ""
            if record.rec_type == "response" and source.endswith(name):
                charset = record.rec_headers.get_header("WARC-X-Expected-Charset") or "utf-8"
                return record.content_stream().read().decode(charset, errors="replace")
    raise KeyError(name)


def table_rows(html_text: str) -> list[str]:
    """The innermost table rows of a page as `| cell | cell |` lines, as markdown-style
    extractors (html2text, trafilatura with tables) write a layout table."""
    import lxml.html

    rows = []
    for tr in lxml.html.fromstring(html_text).iter("tr"):
        if not tr.xpath(".//tr"):
            rows.append("| " + " | ".join(" ".join(td.text_content().split()) for td in tr.xpath("./td|./th")) + " |")
    return rows
