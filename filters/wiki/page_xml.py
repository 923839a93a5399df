"""From a dump's decompressed bytes to `<page>` records, one page at a time.

We do not run one XML parser over the whole dump: expat stops at the first error, so one
bad page (or the missing `</mediawiki>` of a truncated dump) would lose every page after
it, and a multistream byte range is not a well-formed document anyway. Instead the
scanner cuts the byte stream at `<page>` / `</page>` (safe: inside `<text>` every `<` is
escaped as `&lt;`, so the markers cannot occur in content) and each page is parsed on its
own with ElementTree. A page that does not parse becomes an `invalid_xml` record, a page
cut off by the end of the data a `truncated_dump` record, and reading goes on.

Memory holds one page plus one read chunk; a "page" longer than `max_page_bytes` (MediaWiki
caps articles at 2 MiB, $wgMaxArticleSize) is cut off as `page_too_large`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

PAGE_OPEN, PAGE_CLOSE, ROOT_CLOSE = b"<page>", b"</page>", b"</mediawiki>"
MAX_PAGE_BYTES = 32 << 20  # 16x MediaWiki's 2 MiB article limit, to leave room for escaping
HEADER_LIMIT = 1 << 20  # a dump's <siteinfo> is a few kB; no <mediawiki> in 1 MiB: not a dump
RAW_KEEP = 1 << 20  # bytes of a broken record kept as its text in the excluded shards

_ROOT_OPEN = re.compile(rb"<mediawiki\b[^>]*>")
_LANG_ATTR = re.compile(rb'xml:lang="([^"]+)"')
_PAGE_ID = re.compile(rb"<id>(\d+)</id>")
_TITLE = re.compile(rb"<title>([^<]*)</title>")


@dataclass(slots=True)
class SiteInfo:
    """The dump's <siteinfo>: which wiki, and where its articles live."""

    dbname: str = ""
    base: str = ""  # URL of the main page, e.g. https://ja.wikipedia.org/wiki/メインページ
    lang: str = ""
    generator: str = ""
    namespaces: dict[int, str] = field(default_factory=dict)

    @property
    def article_prefix(self) -> str:
        """`https://ja.wikipedia.org/wiki/` from the main page URL; "" when unknown."""
        return self.base.rsplit("/", 1)[0] + "/" if "/wiki/" in self.base else ""


@dataclass(slots=True)
class Page:
    title: str
    ns: int
    page_id: int
    revision_id: int | None
    timestamp: str | None
    text: str
    redirect: str | None  # target title when the page is a redirect
    model: str | None
    text_deleted: bool = False


@dataclass(slots=True)
class Event:
    """One thing the scanner found: `siteinfo`, `page`, or a problem with its raw bytes.

    Problems: `invalid_xml`, `truncated_dump`, `corrupt_dump`, `page_too_large`,
    `not_a_mediawiki_dump`.
    """

    kind: str
    data: bytes = b""
    offset: int = 0  # in the decompressed stream of this range
    detail: str = ""
    siteinfo: SiteInfo | None = None


def scan(chunks: Iterable[bytes], expect_header: bool = True, expect_end: bool = True,
         max_page_bytes: int = MAX_PAGE_BYTES) -> Iterator[Event]:
    """Events for one byte stream: the siteinfo (when `expect_header`), every page, problems.

    `expect_end` asks for `</mediawiki>`: a whole dump or the last range of a multistream
    dump has one, and its absence is reported as `truncated_dump`.
    """
    buf = b""
    base = 0  # offset of buf[0] in the stream
    pos = 0  # where to look for the next <page>
    close_from = 0  # where to look for </page> of the page starting at pos
    header_done = not expect_header
    closed = False
    problem: Event | None = None
    chunk_iter = iter(chunks)
    while True:
        try:
            chunk = next(chunk_iter, None)
        except EOFError as err:
            problem, chunk = Event("truncated_dump", detail=str(err)), None
        except OSError as err:
            if err.errno is not None:  # the file system failed (missing file, I/O error), not the data
                raise
            problem, chunk = Event("corrupt_dump", detail=str(err)), None
        except zlib.error as err:  # a damaged .gz
            problem, chunk = Event("corrupt_dump", detail=str(err)), None
        if chunk is None:
            break
        buf = buf[pos:] + chunk
        base += pos
        close_from -= pos
        pos = 0
        if not header_done:
            header = _read_header(buf)
            if header is None:
                if len(buf) > HEADER_LIMIT:
                    yield Event("not_a_mediawiki_dump", buf[:RAW_KEEP], base, "no <mediawiki> root in the first MiB")
                    return
                continue
            siteinfo, pos = header
            header_done = True
            yield Event("siteinfo", siteinfo=siteinfo)
        while True:
            start = buf.find(PAGE_OPEN, pos)
            if start < 0:
                tail = max(pos, len(buf) - len(ROOT_CLOSE))
                closed = closed or ROOT_CLOSE in buf[pos:]
                pos = close_from = tail
                break
            if start != pos:
                close_from = start
            pos = start
            end = buf.find(PAGE_CLOSE, max(close_from, start))
            if end < 0:
                if len(buf) - start > max_page_bytes:
                    yield Event("page_too_large", buf[start:start + RAW_KEEP], base + start,
                                f"no </page> within {max_page_bytes} bytes")
                    pos = close_from = start + len(PAGE_OPEN)
                    continue
                close_from = max(start, len(buf) - len(PAGE_CLOSE))
                break
            following = buf.find(PAGE_OPEN, start + len(PAGE_OPEN), end)
            if following >= 0:  # this page never closed; the next one did
                yield Event("invalid_xml", buf[start:following][:RAW_KEEP], base + start, "<page> without </page>")
                pos = close_from = following
                continue
            stop = end + len(PAGE_CLOSE)
            yield Event("page", buf[start:stop], base + start)
            pos = close_from = stop
    if not header_done and problem is None:
        yield Event("not_a_mediawiki_dump", buf[:RAW_KEEP], 0, "no <mediawiki> root")
        return
    rest = buf[pos:]
    partial = rest.find(PAGE_OPEN)
    if partial >= 0:
        kind = problem.kind if problem else "truncated_dump"
        yield Event(kind, rest[partial:][:RAW_KEEP], base + pos + partial,
                    problem.detail if problem else "the data ends inside a <page>")
    elif problem is not None:
        yield problem
    elif expect_end and not closed and ROOT_CLOSE not in rest:
        yield Event("truncated_dump", b"", base + len(buf), "no closing </mediawiki>")


def _read_header(buf: bytes) -> tuple[SiteInfo, int] | None:
    """(siteinfo, offset after it) once the header is complete in `buf`, else None."""
    root = _ROOT_OPEN.search(buf)
    if root is None:
        return None
    lang = _LANG_ATTR.search(root.group(0))
    info = SiteInfo(lang=lang.group(1).decode() if lang else "")
    start = buf.find(b"<siteinfo>", root.end())
    first_page = buf.find(PAGE_OPEN, root.end())
    end = buf.find(b"</siteinfo>", root.end())
    if start < 0 or end < 0 or (0 <= first_page < start):
        if first_page >= 0:  # a dump without siteinfo: pages start right away
            return info, first_page
        return None
    end += len(b"</siteinfo>")
    try:
        parse_siteinfo(buf[start:end], info)
    except ET.ParseError:
        pass  # the pages are still readable; URLs fall back to the stage's default
    return info, end


def parse_siteinfo(data: bytes, info: SiteInfo | None = None) -> SiteInfo:
    info = info or SiteInfo()
    el = ET.fromstring(data)
    info.dbname = el.findtext("dbname") or ""
    info.base = el.findtext("base") or ""
    info.generator = el.findtext("generator") or ""
    for ns in el.iterfind("namespaces/namespace"):
        info.namespaces[int(ns.get("key", "0"))] = ns.text or ""
    return info


def read_siteinfo(chunks: Iterable[bytes]) -> SiteInfo | None:
    """The siteinfo at the head of a dump (for tasks that start mid-file in a multistream dump)."""
    for event in scan(chunks, expect_header=True, expect_end=False):
        return event.siteinfo if event.kind == "siteinfo" else None
    return None


def parse_page(data: bytes) -> Page:
    """One `<page>` element; raises ET.ParseError on bad XML, ValueError on missing fields.

    A pages-articles dump holds one revision per page; a history dump holds many, of which
    the last (newest) is taken.
    """
    el = ET.fromstring(data)
    title = el.findtext("title")
    page_id = el.findtext("id")
    if title is None or not (page_id or "").strip().isdigit():
        raise ValueError("page without <title> or numeric <id>")
    revisions = el.findall("revision")
    rev = revisions[-1] if revisions else None
    text_el = rev.find("text") if rev is not None else None
    redirect = el.find("redirect")
    rev_id = rev.findtext("id") if rev is not None else None
    return Page(
        title=title,
        ns=int((el.findtext("ns") or "0").strip() or 0),
        page_id=int(page_id),
        revision_id=int(rev_id) if rev_id and rev_id.strip().isdigit() else None,
        timestamp=rev.findtext("timestamp") if rev is not None else None,
        text=(text_el.text or "") if text_el is not None else "",
        redirect=redirect.get("title", "") if redirect is not None else None,
        model=rev.findtext("model") if rev is not None else None,
        text_deleted=text_el is not None and text_el.get("deleted") is not None,
    )


def raw_page_id(data: bytes) -> int | None:
    """The page id of a fragment that did not parse, when one can be read off it."""
    match = _PAGE_ID.search(data)
    return int(match.group(1)) if match else None


def raw_title(data: bytes) -> str | None:
    match = _TITLE.search(data)
    return match.group(1).decode("utf-8", "replace") if match else None
