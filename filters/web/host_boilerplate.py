"""Per-host boilerplate: text blocks that occur on many pages of one host are the site's
template (menus, ranking sidebars, campaign banners, footers), not any page's content.

A single-page extractor cannot tell a shop's 300-character "人気ランキング" sidebar from
the product's own three sentences: the sidebar is longer and reads more like prose. Across
the host's pages it is obvious: the sidebar is on every page, each description on one.
LLM-jp's Uzushio removes paragraphs that are frequent across the whole corpus
(`LargeFreqParagraphs`: frequency >= 100, in runs of 3); counting per host finds a small
site's template from a handful of its pages, which corpus-wide frequencies never reach.

Two modes (pipelines/ingest_web.py, option `host_boilerplate`):

- `task` (default): within each task (one input file, a WARC), `learn_within_task` counts
  each Japanese page's blocks as the extraction step receives it and holds the pages back
  (at most `DEFAULT_BUFFER_CHARS` of them, all but the first `DEFAULT_MEMORY_CHARS` in a
  temporary file: page_buffer.py) until the task's tables are learned: one read of the
  input, flat memory, hosts learned per file.
- `crawl`: three datatrove passes, the same on local, Slurm and Ray, so a host whose pages
  are spread over many files is learned from all of them:

  1. `HostBlockCounter` (one task per input file, after host_sample_reader.py): for a
     sample of each host's pages, the set of block keys of each page (page_blocks.py); per
     host, on how many distinct pages each block occurs; counts go to `bucket(host)/rank`
     files.
  2. `HostBoilerplateTables` (one task per bucket): sums a bucket's counts over all tasks
     and keeps, per host, the blocks that are boilerplate (`is_boilerplate`).
  3. Extraction loads the tables (`load_tables`).

Either way counting is `HostCounts`: exact copies of a page (the same set of blocks) count
once, so a page crawled under two URLs does not make its own text "repeated"; memory is
bounded by `sample_pages` per host, `max_blocks_per_host` and `max_hosts` (the template is
on the first pages, so a full table loses nothing that matters). Extraction (extraction.py)
then blanks, on each page of a host with a table, the boilerplate blocks before the
extractor runs (`prune_page`); a page with nothing else is `boilerplate_only`.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from filters.web.page_blocks import blank_blocks, page_blocks
from filters.web.page_buffer import PageBuffer


DEFAULT_MIN_PAGES = 3
DEFAULT_MIN_SHARE = 0.5
DEFAULT_SAMPLE_PAGES = 200


@dataclass(kw_only=True, slots=True)
class BoilerplateConfig:
    """When a block is a host's boilerplate, and how much a task may hold while counting.

    There is no multi-page real site in ../shared/data to measure these on; they are set
    conservatively (a block must be on half of the host's pages: a wrongly removed block is
    lost content, a missed one only boilerplate the quality and dedup stages still see), and
    docs/ingest_web.md shows where the fixture site's result holds as they vary."""

    min_pages: int = DEFAULT_MIN_PAGES
    """at least this many distinct pages of the host carry the block (two pages sharing text may be copies)"""
    min_share: float = DEFAULT_MIN_SHARE
    """and at least this share of the host's counted pages"""
    sample_pages: int = DEFAULT_SAMPLE_PAGES
    """pages per host counted per task; the template shows on the first few"""
    max_blocks_per_host: int = 20_000
    """distinct blocks counted per host per task; later new blocks are not counted"""
    max_hosts: int = 50_000
    """hosts counted per task; later new hosts are not counted (no boilerplate is learned for them)"""

    def __post_init__(self) -> None:
        if self.min_pages < 2:
            raise ValueError("min_pages must be >= 2: a block on one page is that page's own text")
        if not 0.0 < self.min_share <= 1.0:
            raise ValueError("min_share must be in (0, 1]")
        if min(self.sample_pages, self.max_blocks_per_host, self.max_hosts) < 1:
            raise ValueError("sample_pages, max_blocks_per_host and max_hosts must be >= 1")

    def is_boilerplate(self, block_pages: int, host_pages: int) -> bool:
        return block_pages >= self.min_pages and block_pages >= self.min_share * host_pages


def host_of(url: str | None) -> str | None:
    """The lower-cased host name of a URL, or None."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def bucket_of(host: str, buckets: int) -> int:
    """Which merge task owns a host (stable across processes, unlike hash())."""
    return zlib.crc32(host.encode("utf-8")) % buckets


@dataclass
class HostCounts:
    """One task's counts: per host, distinct pages counted and pages per block key."""

    config: BoilerplateConfig
    pages: dict[str, int] = field(default_factory=dict)
    blocks: dict[str, Counter] = field(default_factory=dict)
    _signatures: dict[str, set[int]] = field(default_factory=dict)
    hosts_dropped: int = 0
    blocks_dropped: int = 0

    def add_page(self, host: str, keys: set[int]) -> bool:
        """Count one page's distinct block keys; False when the page is not counted (sample
        full, host table full, or an exact copy of a page already counted)."""
        if host not in self.pages:
            if len(self.pages) >= self.config.max_hosts:
                self.hosts_dropped += 1
                return False
            self.pages[host], self.blocks[host], self._signatures[host] = 0, Counter(), set()
        if self.pages[host] >= self.config.sample_pages or not keys:
            return False
        signature = hash(frozenset(keys))  # in-process only: dedups copies within this task
        if signature in self._signatures[host]:
            return False
        self._signatures[host].add(signature)
        self.pages[host] += 1
        counts = self.blocks[host]
        for key in keys:
            if key in counts:
                counts[key] += 1
            elif len(counts) < self.config.max_blocks_per_host:
                counts[key] = 1
            else:
                self.blocks_dropped += 1
        return True

    def tables(self) -> dict[str, frozenset[int]]:
        """host -> its boilerplate block keys, from the counts so far (hosts with none left out)."""
        out = {}
        for host, n in self.pages.items():
            keys = frozenset(k for k, c in self.blocks[host].items() if self.config.is_boilerplate(c, n))
            if keys:
                out[host] = keys
        return out

    def by_bucket(self, buckets: int) -> dict[int, dict]:
        """JSON-ready counts split by merge bucket: {bucket: {host: {"pages": n, "blocks": {key: n}}}}."""
        out: dict[int, dict] = {}
        for host, n in self.pages.items():
            if n:
                out.setdefault(bucket_of(host, buckets), {})[host] = {
                    "pages": n, "blocks": {str(k): c for k, c in self.blocks[host].items()},
                }
        return out


class HostBlockCounter(PipelineStep):
    """Pass 1: counts, per host, on how many pages each text block occurs; writes
    `output_folder/<bucket>/<rank>.json.gz`. Consumes the documents (yields none)."""

    name = "🧱 host block counter"
    type = "🛢 - EXTRAC"

    def __init__(self, output_folder: DataFolderLike, config: BoilerplateConfig | None = None, buckets: int = 1):
        super().__init__()
        self.output_folder = get_datafolder(output_folder)
        self.config = config or BoilerplateConfig()
        self.buckets = buckets

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        counts = HostCounts(self.config)
        for doc in data or ():
            host = host_of(doc.metadata.get("url"))
            if host is None:
                continue
            with self.track_time():
                counted = counts.add_page(host, {b.key for b in page_blocks(doc.text)})
            self.stat_update("pages_counted" if counted else "pages_not_counted")
        self.stat_update("hosts", value=len(counts.pages))
        if counts.hosts_dropped or counts.blocks_dropped:
            self.stat_update("pages_over_host_cap", value=counts.hosts_dropped)
            self.stat_update("blocks_over_cap", value=counts.blocks_dropped)
        for bucket, hosts in counts.by_bucket(self.buckets).items():
            with self.output_folder.open(f"{bucket:04d}/{rank:05d}.json.gz", "wb") as f:
                f.write(gzip.compress(json.dumps(hosts, separators=(",", ":")).encode(), mtime=0))
        return
        yield  # a generator that yields nothing: the pass ends here


class HostBoilerplateTables(PipelineStep):
    """Pass 2 (one task per bucket): sums the bucket's counts over all tasks and writes
    `output_folder/<bucket>.json.gz` = {host: {"pages": n, "boilerplate": [keys]}}."""

    name = "🧱 host boilerplate tables"
    type = "🛢 - EXTRAC"

    def __init__(self, input_folder: DataFolderLike, output_folder: DataFolderLike, config: BoilerplateConfig | None = None):
        super().__init__()
        self.input_folder = get_datafolder(input_folder)
        self.output_folder = get_datafolder(output_folder)
        self.config = config or BoilerplateConfig()

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        pages: Counter = Counter()
        blocks: dict[str, Counter] = {}
        for path in self.input_folder.list_files(subdirectory=f"{rank:04d}", glob_pattern="*.json.gz"):
            with self.input_folder.open(path, "rb") as f:
                for host, entry in json.loads(gzip.decompress(f.read())).items():
                    pages[host] += entry["pages"]
                    blocks.setdefault(host, Counter()).update({int(k): c for k, c in entry["blocks"].items()})
        tables = {}
        for host, n in pages.items():
            keys = sorted(k for k, c in blocks[host].items() if self.config.is_boilerplate(c, n))
            if keys:
                tables[host] = {"pages": n, "boilerplate": keys}
        self.stat_update("hosts", value=len(pages))
        self.stat_update("hosts_with_boilerplate", value=len(tables))
        with self.output_folder.open(f"{rank:04d}.json.gz", "wb") as f:
            f.write(gzip.compress(json.dumps(tables, separators=(",", ":")).encode(), mtime=0))
        return
        yield


# pages held back while a task learns its hosts' tables: about 100 MB of HTML as text; a CC
# segment's Japanese pages fit. Only the first `memory_chars` of them stay in memory, the
# rest wait in a temporary file (page_buffer.py), so this bounds disk, not memory
DEFAULT_BUFFER_CHARS = 50_000_000


def learn_within_task(
    docs: Iterable[Document], config: BoilerplateConfig, buffer_chars: int = DEFAULT_BUFFER_CHARS,
    counted: Callable[[Document], bool] = lambda doc: True, held: PageBuffer | None = None,
) -> Iterator[tuple[Document, frozenset[int] | None]]:
    """One pass: count each page's blocks as it arrives and hold the pages back; when the
    held pages reach `buffer_chars` characters (and at the end), hand each one out with its
    host's table as learned from every page of the task seen so far. Pages come out in the
    order they came in. A host spread over several input files is learned per file here;
    the three-pass mode learns it across all of them. The pages wait in `held` (a
    PageBuffer, closed at the end; a default one when None): all but the first
    `memory_chars` characters of them in a temporary file. Where a page waits changes
    nothing in the output, only the memory it takes."""
    counts = HostCounts(config)
    buffer = held if held is not None else PageBuffer()

    def release() -> Iterator[tuple[Document, frozenset[int] | None]]:
        tables = counts.tables()
        for doc in buffer.drain():
            yield doc, tables.get(host_of(doc.metadata.get("url")))

    with buffer:
        for doc in docs:
            host = host_of(doc.metadata.get("url"))
            if host is not None and counted(doc):
                counts.add_page(host, {b.key for b in page_blocks(doc.text)})
            buffer.append(doc)
            if buffer.chars >= buffer_chars:
                yield from release()
        yield from release()


def load_tables(folder: DataFolderLike) -> dict[str, frozenset[int]]:
    """host -> boilerplate block keys, from every bucket file pass 2 wrote."""
    folder = get_datafolder(folder)
    tables: dict[str, frozenset[int]] = {}
    for path in folder.list_files(glob_pattern="*.json.gz"):
        with folder.open(path, "rb") as f:
            for host, entry in json.loads(gzip.decompress(f.read())).items():
                tables[host] = frozenset(entry["boilerplate"])
    return tables


@dataclass(frozen=True, slots=True)
class PrunedPage:
    """A page with its host's boilerplate blanked, and what that removed."""

    page: str  # the HTML with boilerplate blocks' text removed
    removed_chars: int  # characters of text in boilerplate blocks
    text_chars: int  # characters of text in all blocks
    own_text: str  # the blocks that are not boilerplate, one per line: the fallback candidates

    @property
    def boilerplate_only(self) -> bool:
        return self.removed_chars > 0 and not self.own_text


def prune_page(page: str, boilerplate: frozenset[int]) -> PrunedPage:
    """Blank the blocks of `page` whose key is in `boilerplate` (its host's table)."""
    blocks = page_blocks(page)
    repeated = [b for b in blocks if b.key in boilerplate]
    own = [b.text for b in blocks if b.key not in boilerplate]
    text_chars = sum(len(b.text) for b in blocks)
    if not repeated:
        return PrunedPage(page, 0, text_chars, "\n".join(own))
    return PrunedPage(blank_blocks(page, repeated), sum(len(b.text) for b in repeated), text_chars, "\n".join(own))
