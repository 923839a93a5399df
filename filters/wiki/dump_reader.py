"""The datatrove reader of MediaWiki `pages-articles` dumps: one document per `<page>`.

Every page comes out, articles or not: deciding which pages are articles is the job of
the page filters that follow, so that each pass-over is counted under its own reason.
The reader itself only marks what it cannot turn into a page (`invalid_xml`,
`truncated_dump`, `corrupt_dump`, `page_too_large`, `not_a_mediawiki_dump`,
`text_deleted`); `ExcludeMarked` sends those to the excluded shards.

Work is split by file, like every PathListReader; a multistream dump whose index file is
given (or lies next to it) is further split into contiguous byte ranges of its bzip2
streams, one range per task, so one big dump runs on many tasks.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from datatrove.data import Document, DocumentsPipeline

from corpus.readers.file_names import writable
from corpus.readers.path_list import PathListReader, input_problem
from corpus.readers.unique_ids import unique_documents, unique_inputs
from filters.wiki.attribution import (
    ALSO_LICENSED,
    DEFAULT_ARTICLE_PREFIX,
    DEFAULT_LICENCE,
    article_url,
    licence_evidence,
    licence_for,
)
from filters.wiki.dump_files import index_name_for, is_index_file, iter_dump_bytes, read_stream_offsets, split_ranges
from filters.wiki.page_xml import (
    MAX_PAGE_BYTES,
    Event,
    SiteInfo,
    parse_page,
    raw_page_id,
    raw_title,
    read_siteinfo,
    scan,
)


@dataclass(frozen=True, slots=True)
class Unit:
    """A piece of work: a whole dump file, or the byte range `[start, end)` of a multistream one."""

    path: str
    start: int = 0
    end: int | None = None
    header_end: int = 0  # where the header stream ends (multistream), for ranges after the first

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.end is None


class WikiDumpReader(PathListReader):
    name = "📖 wiki dump"

    def __init__(
        self,
        paths: list[str],
        datasets: dict[str, str] | None = None,
        licences: dict[str, str] | None = None,
        licence: str = DEFAULT_LICENCE,
        licence_by_revision_date: bool = False,
        use_index: bool = True,
        limit: int = -1,
        max_page_bytes: int = MAX_PAGE_BYTES,
    ):
        """`datasets` / `licences` map an input file to its source-manifest name and licence;
        files not in them are named by the dump's own dbname (e.g. `jawiki`)."""
        paths = [os.path.abspath(p) for p in paths]
        dumps, self._repeated_inputs = unique_inputs([p for p in paths if not is_index_file(p)])
        super().__init__(dumps, limit=limit)
        self.index_files = {p for p in paths if is_index_file(p)}
        self.datasets = {os.path.abspath(k): v for k, v in (datasets or {}).items()}
        self.licences = {os.path.abspath(k): v for k, v in (licences or {}).items()}
        self.licence = licence
        self.licence_by_revision_date = licence_by_revision_date
        self.use_index = use_index
        self.max_page_bytes = max_page_bytes

    def excluded(self, doc_id: str, reason: str, path: str, text: str = "", **metadata) -> Document:
        """As PathListReader's, with a dump file name that is not UTF-8 made storable."""
        return super().excluded(writable(doc_id), reason, writable(path), text, **metadata)

    # planning --------------------------------------------------------------
    def index_for(self, path: str) -> str | None:
        """The multistream index of a dump: given among the inputs, or lying next to the dump."""
        name = index_name_for(path) if self.use_index else None
        if name is None:
            return None
        return name if name in self.index_files or os.path.isfile(name) else None

    def splits_by_offsets(self) -> bool:
        return any(self.index_for(p) for p in self.paths)

    def units(self, world_size: int) -> list[Unit]:
        """Every task computes the same list, so `units[rank::world_size]` partitions the work."""
        units: list[Unit] = []
        for path in self.paths:
            index = self.index_for(path)
            offsets: list[int] = []
            if index:
                try:
                    offsets = read_stream_offsets(index)
                except (OSError, EOFError, ValueError):
                    self.stat_update("unusable_index")  # read the dump whole instead
            if not offsets:
                units.append(Unit(path))
                continue
            for i, (start, end) in enumerate(split_ranges(offsets, world_size)):
                units.append(Unit(path, 0 if i == 0 else start, end, header_end=offsets[0]))
        return units

    # reading ---------------------------------------------------------------
    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        count = 0
        for unit in self.units(world_size)[rank::world_size]:
            self.stat_update("input_files" if unit.start == 0 else "input_ranges")
            problem = input_problem(unit.path)
            if problem:  # a FIFO or a linked folder: counted, never opened
                self.stat_update("documents_in")
                yield self.excluded(f"wiki/{_name(unit)}#{problem}", problem, unit.path)
                continue
            try:
                for document in self.read_unit(unit):
                    self.stat_update("documents_in")
                    yield document
                    count += 1
                    if 0 < self.limit <= count:
                        return
            except (OSError, EOFError, ValueError) as err:
                # the file itself cannot be opened: one excluded document makes the loss visible
                self.stat_update("documents_in")
                yield self.excluded(f"wiki/{_name(unit)}#unreadable", f"unreadable_file:{type(err).__name__}",
                                    unit.path, str(err)[:500])

    def read_path(self, path: str) -> Iterator[Document]:
        return self.read_unit(Unit(os.path.abspath(path)))

    def read_unit(self, unit: Unit) -> Iterator[Document]:
        """Every document of one unit, a page id repeated within it renamed (corpus.readers.unique_ids)."""
        if unit.start == 0 and self._repeated_inputs.get(unit.path):
            self.stat_update("duplicate_inputs", value=self._repeated_inputs[unit.path])
        yield from unique_documents(self._read_unit(unit), lambda n: self.stat_update("duplicate_ids", value=n))

    def _read_unit(self, unit: Unit) -> Iterator[Document]:
        siteinfo = SiteInfo()
        if unit.start > 0:
            siteinfo = read_siteinfo(iter_dump_bytes(unit.path, 0, unit.header_end)) or siteinfo
        events = scan(
            iter_dump_bytes(unit.path, unit.start, unit.end),
            expect_header=unit.start == 0,
            expect_end=unit.end is None,
            max_page_bytes=self.max_page_bytes,
        )
        for event in events:
            if event.kind == "siteinfo":
                siteinfo = event.siteinfo
            elif event.kind == "page":
                self.stat_update("pages")
                yield self.page_document(event, unit, siteinfo)
            else:
                self.stat_update(event.kind)
                yield self.problem_document(event, unit, event.kind, event.detail, siteinfo)

    def page_document(self, event: Event, unit: Unit, siteinfo: SiteInfo) -> Document:
        try:
            page = parse_page(event.data)
        except (ET.ParseError, ValueError) as err:
            self.stat_update("invalid_xml")
            return self.problem_document(event, unit, "invalid_xml", str(err), siteinfo)
        url = article_url(page.title, siteinfo.article_prefix or DEFAULT_ARTICLE_PREFIX)
        metadata = {
            "source": "wiki",
            "dataset": self.datasets.get(unit.path) or siteinfo.dbname or "wiki",
            "title": page.title,
            "url": url,
            "path": writable(unit.path),
            "date": page.timestamp,
            "lang": siteinfo.lang or None,
            "licence": self.licences.get(unit.path)
            or licence_for(page.timestamp, self.licence, self.licence_by_revision_date),
            "licence_evidence": licence_evidence(url),
            "licence_also": ALSO_LICENSED,
            "page_id": page.page_id,
            "revision_id": page.revision_id,
            "ns": page.ns,
            "content_model": page.model,
        }
        if page.redirect is not None:
            metadata["redirect"] = page.redirect
        doc = Document(text=page.text, id=page_doc_id(siteinfo, page.page_id), metadata=metadata)
        if page.text_deleted:
            doc.metadata.update(excluded_by=self.name, reason="text_deleted")
        return doc

    def problem_document(self, event: Event, unit: Unit, reason: str, detail: str, siteinfo: SiteInfo) -> Document:
        page_id = raw_page_id(event.data)
        doc_id = page_doc_id(siteinfo, page_id) if page_id is not None else f"wiki/{_name(unit)}@{event.offset}"
        if reason == "truncated_dump" and page_id is None:
            doc_id = f"wiki/{_name(unit)}#truncated"
        extra = {"title": raw_title(event.data), "page_id": page_id, "detail": detail[:500], "offset": event.offset}
        return self.excluded(doc_id, reason, unit.path, event.data.decode("utf-8", "replace"), source="wiki",
                             **{k: v for k, v in extra.items() if v is not None})


def page_doc_id(siteinfo: SiteInfo, page_id) -> str:
    """`wiki/<dbname>/<page_id>`: page ids are only unique within one wiki, and jawiki and
    jawikibooks (say) are ingested together."""
    return f"wiki/{siteinfo.dbname or 'unknown'}/{page_id}"


def _name(unit: Unit) -> str:
    base = os.path.basename(unit.path)
    return base if unit.whole else f"{base}:{unit.start}"
