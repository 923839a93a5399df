"""HTML -> main text, with a per-page time limit.

Three extractors, chosen by measurement on the real pages in ../shared/data/web (numbers in
docs/ingest_web.md, printed by `python benchmarks/ingest_web.py`):

- `hybrid` (default): resiliparse first; its edge-trimmed text is kept when it is clean
  prose (`is_clean_prose`: every line reads as a sentence), so no boundary between content
  and boilerplate is left to guess. Otherwise the page goes to trafilatura, whose DOM
  heuristics (link density, element classes, position) draw that boundary better than a
  line rule can. F1 on the tuning gold pages 0.990 (datatrove's stock trafilatura: 0.961),
  0.954 on the evaluation pages (0.951), at about a tenth of trafilatura's cost on the pages
  resiliparse already handles.
- `resiliparse`: Resiliparse's `extract_plain_text(main_content=True)` on a Lexbor DOM,
  about 10x faster per page than trafilatura even in its fast mode, followed by `trim_edges`, which cuts the
  navigation lines before the first sentence and a short footer after the last one. DCLM
  (Li et al., 2024) chose resiliparse over trafilatura for the same speed reason; on the
  gold pages it keeps a footer line or two that trafilatura drops.
- `trafilatura`: `favor_precision=True`, no comments (datatrove's settings, without its
  cross-document deduplication cache, which makes output depend on sharding), in `fast`
  mode, plus `trim_edges`. `fast` skips the comparison with trafilatura's bundled
  readability/jusText fallbacks: the same text on every gold page, 1.8x less time. The
  Swallow settings (no comments, no tables) score lower here: dropping tables loses
  table-layout pages entirely.

Every extractor's lines then go through `text_cleanup.clean_lines`: table cells and layout
gaps onto lines of their own, paywall notices dropped.

With per-host boilerplate tables (host_boilerplate.py, learned in a first pass), a page of a
known host has its host's repeated blocks blanked before any extractor sees it, so a
ranking sidebar or menu repeated on every page can no longer be the block an extractor
chooses: it competes only with the page's own blocks. When the extractor then finds no main
text (the page's own text is a short description it deems too small), the page's own
blocks, edge-trimmed, are the text (`extractor = own_blocks`); a page made only of repeated
blocks is `boilerplate_only`. Feeds (RSS/Atom), when the stage lets them in, go to
feed_text.py instead (`extractor = feed`).

Extraction runs in datatrove's `ExtractorSandbox` (a forked worker process) so that a
pathological page that takes longer than `timeout_s` is abandoned and the worker replaced;
the page is kept in the excluded shards as `extraction_timeout`. The step never drops a
document itself: `ExtractionResultFilter` does, with the reason.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter

from filters.web.feed_text import feed_text, is_feed
from filters.web.host_boilerplate import (
    DEFAULT_BUFFER_CHARS,
    BoilerplateConfig,
    host_of,
    learn_within_task,
    load_tables,
    prune_page,
)
from filters.web.page_buffer import DEFAULT_MEMORY_CHARS, PageBuffer
from filters.web.text_cleanup import clean_lines

Extractor = Literal["hybrid", "resiliparse", "trafilatura"]
EXTRACTORS: tuple[str, ...] = ("hybrid", "resiliparse", "trafilatura")

# a line that reads like a sentence: Japanese or Western sentence-final punctuation and at
# least this many characters (shorter lines with "。" are labels such as "おしまい。")
SENTENCE_MIN_CHARS = 10
_SENTENCE_END = re.compile(r"[。．！？!?]")
# a block of non-sentence lines after the last sentence is a footer (copyright, related-site
# links) when it holds at most this share of the text; a longer one may be content that a
# reader wants (readability's gold output for hukumusume keeps such lists). Chosen on the
# gold pages of ../shared/data/web/gold: 0.2-0.3 give the same result there.
TAIL_MAX_SHARE = 0.25


def reads_as_sentence(line: str) -> bool:
    """A line of running text: sentence-final punctuation and long enough not to be a label."""
    return len(line) >= SENTENCE_MIN_CHARS and _SENTENCE_END.search(line) is not None


def trim_edges(text: str, tail_max_share: float = TAIL_MAX_SHARE) -> str:
    """Strip lines, drop blank ones, and cut the non-sentence lines before the first
    sentence (menus, tags, bylines) and after the last one when they are a short footer."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    sentences = [i for i, line in enumerate(lines) if reads_as_sentence(line)]
    if not sentences:
        return "\n".join(lines)
    first, last = sentences[0], sentences[-1] + 1
    total = sum(map(len, lines))
    if sum(map(len, lines[last:])) > tail_max_share * total:
        last = len(lines)
    return "\n".join(lines[first:last])


def is_clean_prose(text: str) -> bool:
    """True when every line of an (edge-trimmed) extraction reads as a sentence: one run of
    running text, the kind of block boilerplate detectors have long taken for content
    (boilerpipe, Kohlschuetter et al. 2010: long, punctuated text blocks). A label, date,
    byline, menu or link list left between or after the sentences means the line rules
    could not tell where the content ends, so the page is worth a DOM-aware extractor."""
    lines = [line for line in (raw.strip() for raw in text.splitlines()) if line]
    return bool(lines) and all(map(reads_as_sentence, lines))


# Ruby annotations (<rt>/<rp>, furigana) would put every reading next to its kanji in the
# text ("虐待ぎゃくたい"); the base text stays. End tags of rt/rp may be omitted in HTML5.
_RUBY = re.compile(r"<(rt|rp|rtc)\b[^>]*>.*?(?:</\1\s*>|(?=<r[tp]\b|</ruby\s*>))|</?(?:ruby|rb)\b[^>]*>", re.IGNORECASE | re.DOTALL)
_HAS_RUBY = re.compile(r"<ruby\b", re.IGNORECASE)
# Resiliparse's main-content mode drops a text node that is a single non-ASCII character
# (meant for separators and icons such as "|", "×" or "»"). In Japanese such nodes are
# content: a particle between two links (</a>を<a>), a kanji in a dictionary link or ruby
# base; NHK News Web Easy loses 親, 蹴, を, が ... We append a zero-width space to such a node
# when it is kana, kanji or 、。！？, so resiliparse keeps it, and remove the marks afterwards.
_ONE_CJK_NODE = re.compile(r">(\s*[\u3001\u3002\u3005\u3040-\u30fa\u30fc-\u30ff\u3400-\u9fff\uf900-\ufaff\uff01\uff1f])(\s*<)")
_ZWSP = "\u200b"


def prepare_html(page: str, keep_single_characters: bool = True) -> str:
    """Remove ruby readings; mark one-character kana/kanji text nodes so they survive extraction."""
    if _HAS_RUBY.search(page):
        page = _RUBY.sub("", page)
    if keep_single_characters:
        page = _ONE_CJK_NODE.sub(lambda m: f">{m.group(1)}{_ZWSP}{m.group(2)}", page)
    return page


def resiliparse_text(page: str) -> str:
    """Resiliparse's main-content text (Japanese fixes applied), lines cleaned, no trimming."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    text = extract_plain_text(
        HTMLTree.parse(prepare_html(page)), main_content=True, alt_texts=False, links=False, list_bullets=False,
    )
    return clean_lines(text.replace(_ZWSP, ""))


def trafilatura_text(page: str) -> str:
    """Trafilatura's main text with datatrove's settings, in fast mode, lines cleaned."""
    from trafilatura import extract

    # datatrove's Trafilatura settings without deduplicate (a process-wide cache: the output
    # would depend on which pages a task saw before); fast = no readability/jusText fallback
    text = extract(
        prepare_html(page, keep_single_characters=False), favor_precision=True, include_comments=False,
        deduplicate=False, fast=True,
    )
    return clean_lines(text or "")


def extract_with_source(page: str, extractor: Extractor = "hybrid", trim: bool = True) -> tuple[str, str]:
    """(main text, the extractor that produced it); the text is '' when there is none."""
    if extractor == "hybrid":
        fast = resiliparse_text(page)
        trimmed = trim_edges(fast)
        if is_clean_prose(trimmed):
            return (trimmed if trim else fast), "resiliparse"
        extractor = "trafilatura"
    if extractor == "resiliparse":
        text = resiliparse_text(page)
    elif extractor == "trafilatura":
        text = trafilatura_text(page)
    else:
        raise ValueError(f"unknown extractor {extractor!r}")
    return (trim_edges(text) if trim else text), extractor


def extract_text(page: str, extractor: Extractor = "hybrid", trim: bool = True) -> str:
    """The main text of an HTML page ('' when there is none)."""
    return extract_with_source(page, extractor, trim)[0]


def extract_page(
    page: str, boilerplate: frozenset[int] | None = None, extractor: Extractor = "hybrid", trim: bool = True,
    feeds: bool = False,
) -> tuple[str, str, int, int]:
    """(text, what produced it, boilerplate characters blanked, characters of text on the page).

    `boilerplate` is the page's host's table of repeated blocks (None: no table). What
    produced the text is an extractor's name, `own_blocks` (the extractor found nothing once
    the boilerplate was gone; the page's own blocks are the text), `feed`, or
    `boilerplate_only` (no text: every block of the page is its host's boilerplate)."""
    if feeds and is_feed(page):
        return feed_text(page), "feed", 0, 0
    if not boilerplate:
        return (*extract_with_source(page, extractor, trim), 0, 0)
    pruned = prune_page(page, boilerplate)
    if pruned.boilerplate_only:
        return "", "boilerplate_only", pruned.removed_chars, pruned.text_chars
    text, used = extract_with_source(pruned.page, extractor, trim)
    if pruned.removed_chars and not text.strip():
        own = clean_lines(pruned.own_text)
        text, used = (trim_edges(own) if trim else own), "own_blocks"
    return text, used, pruned.removed_chars, pruned.text_chars


def _import_extractors(extractor: Extractor) -> None:
    """Import the libraries before the sandbox forks, so its worker inherits them and its
    start-up (which counts against the first page's time limit) stays short."""
    if extractor in ("hybrid", "resiliparse"):
        import resiliparse.extract.html2text  # noqa: F401
    if extractor in ("hybrid", "trafilatura"):
        import trafilatura  # noqa: F401


class HtmlToText(PipelineStep):
    """Replaces each page's HTML by its main text; failures are marked, never dropped here.

    Sets `metadata["html_chars"]` and `metadata["extractor"]` (what gave the text: with
    `hybrid`, resiliparse or trafilatura; `own_blocks`, `feed`; counted as
    `extracted_by_<name>`). With `host_tables` (the folder pass 2 of host_boilerplate.py
    wrote) or `learn_hosts` (learn them within the task, holding pages back up to
    `buffer_chars`, all but the first `buffer_memory_chars` of them in a temporary file in
    `spill_dir`, counted as `pages_held_on_disk`), pages of hosts with learned boilerplate
    also get `boilerplate_chars` (text removed as the host's repeated blocks) and
    `page_text_chars` (all text on the page). On
    failure it keeps the HTML as text and sets `metadata["extraction_failure"]` to
    `extraction_timeout`, `extraction_error` or `boilerplate_only`, which
    `ExtractionResultFilter` turns into an exclusion.
    """

    name = "⛏ HTML to text"
    type = "🛢 - EXTRAC"
    _requires_dependencies = ["resiliparse", "trafilatura"]

    def __init__(
        self, extractor: Extractor = "hybrid", trim: bool = True, timeout_s: float | None = 5.0,
        host_tables: str | None = None, learn_hosts: BoilerplateConfig | None = None,
        buffer_chars: int = DEFAULT_BUFFER_CHARS, extract_feeds: bool = False,
        buffer_memory_chars: int = DEFAULT_MEMORY_CHARS, spill_dir: str | None = None,
    ):
        super().__init__()
        if extractor not in EXTRACTORS:
            raise ValueError(f"unknown extractor {extractor!r}; one of {EXTRACTORS}")
        self.extractor = extractor
        self.trim = trim
        # datatrove's extractors default to 1 s per page; we allow 5 s because the worker's
        # start-up counts against the first page and these machines are shared
        self.timeout_s = timeout_s
        self.host_tables = host_tables  # tables a first pass wrote (the `crawl` mode) ...
        self.learn_hosts = learn_hosts  # ... or learned here, within the task (`task` mode)
        self.buffer_chars = buffer_chars
        self.buffer_memory_chars = buffer_memory_chars
        self.spill_dir = spill_dir  # where held pages wait (the task's work space; None: the system's tmp)
        self.extract_feeds = extract_feeds

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        extract = functools.partial(extract_page, extractor=self.extractor, trim=self.trim, feeds=self.extract_feeds)
        _import_extractors(self.extractor)
        if not self.timeout_s:
            for doc, boilerplate in self._with_tables(data):
                yield self._one(doc, extract, boilerplate)
            return
        from datatrove.pipeline.extractors.base import ExtractorSandbox

        with ExtractorSandbox(timeout=self.timeout_s, warmup_text="") as sandbox:
            def in_sandbox(page: str, boilerplate: frozenset[int] | None):
                return sandbox.process_document((page, boilerplate), extract_fn=extract)  # the worker calls extract(*args)

            for doc, boilerplate in self._with_tables(data):
                yield self._one(doc, in_sandbox, boilerplate)

    def _with_tables(self, data: DocumentsPipeline):
        """Each document with its host's boilerplate table (None: no table)."""
        if self.host_tables:
            tables = load_tables(self.host_tables)
            self.stat_update("hosts_with_boilerplate_table", value=len(tables))
            for doc in data:
                yield doc, tables.get(host_of(doc.metadata.get("url")))
        elif self.learn_hosts:
            counted = (lambda doc: not is_feed(doc.text)) if self.extract_feeds else (lambda doc: True)
            held = PageBuffer(self.buffer_memory_chars, self.spill_dir)
            try:
                yield from learn_within_task(data, self.learn_hosts, self.buffer_chars, counted, held)
            finally:
                self.stat_update("pages_held_on_disk", value=held.spilled_total)
        else:
            for doc in data:
                yield doc, None

    def _one(self, doc: Document, extract, boilerplate: frozenset[int] | None) -> Document:
        self.stat_update("pages")
        doc.metadata["html_chars"] = len(doc.text)
        with self.track_time():
            try:
                text, used, removed, page_chars = extract(doc.text, boilerplate)
                if boilerplate is not None:
                    doc.metadata["boilerplate_chars"], doc.metadata["page_text_chars"] = removed, page_chars
                    self.stat_update("boilerplate_chars", value=removed)
                if used == "boilerplate_only":
                    self.stat_update("boilerplate_only")
                    doc.metadata["extraction_failure"] = "boilerplate_only"
                else:
                    doc.text = text
                    doc.metadata["extractor"] = used
                    self.stat_update("extracted")
                    self.stat_update(f"extracted_by_{used}")
            except TimeoutError:
                self.stat_update("extraction_timeout")
                doc.metadata["extraction_failure"] = "extraction_timeout"
            except EOFError:  # the sandbox worker died (out of memory, crash)
                self.stat_update("extraction_error")
                doc.metadata["extraction_failure"] = "extraction_error"
            except Exception as err:  # a parser bug on one page must not end the task
                self.stat_update("extraction_error")
                doc.metadata["extraction_failure"] = "extraction_error"
                doc.metadata["extraction_error"] = f"{type(err).__name__}: {err}"[:200]
        return doc


class ExtractionResultFilter(BaseFilter):
    """Drops pages whose extraction failed (the marked reason) or gave no text (`extraction_empty`)."""

    name = "⛏ extraction result"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        failure = doc.metadata.pop("extraction_failure", None)
        if failure:
            return False, failure
        if not doc.text.strip():
            return False, "extraction_empty"
        return True
