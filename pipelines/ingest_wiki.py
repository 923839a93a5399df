"""Stage `ingest_wiki`: MediaWiki pages-articles dumps -> one plain-text document per article.

    dump reader (every <page>; bad XML and truncation marked)
      -> reader exclusions -> namespace -> redirect -> disambiguation
      -> wikitext to plain text (mwparserfromhell) -> min length -> shards

Every page is accounted for: kept as an article, or excluded under `namespace:<n>`,
`redirect`, `disambiguation`, `empty_after_cleaning`, `too_short`, `invalid_xml`,
`truncated_dump`, ... See docs/ingest_wiki.md.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Literal

from pydantic import Field

from corpus.config import Strict
from corpus.readers.exclusion import ExcludeMarked
from corpus.run.stage import DatatroveStage, Pass, StageContext
from filters.wiki.attribution import DEFAULT_LICENCE
from filters.wiki.dump_reader import WikiDumpReader
from filters.wiki.markup_guard import (
    MAX_PARSE_SECONDS, MAX_UNCLOSED, MAX_WIKITEXT_BYTES, MarkupBudget, PathologicalMarkupFilter,
)
from filters.wiki.page_filters import MIN_CHARS, DisambiguationFilter, MinLengthFilter, NamespaceFilter, RedirectFilter
from filters.wiki.plain_text import TEXT_FIGURES, WikitextToPlainText
from filters.wiki.wikitext import WikitextOptions

# how wikitext becomes text: the defaults are WikitextOptions', each with its source there
_TEXT = WikitextOptions()


class SourceText(Strict):
    tables: Literal["drop", "text", "list_articles"] | None = Field(None, description="overrides `tables`")
    lists: Literal["text", "drop"] | None = Field(None, description="overrides `lists`")


class Options(Strict):
    """The stage's knobs. The thresholds and text choices are written once, beside the steps that
    apply them (filters/wiki/*, with their sources); the defaults here name them."""

    namespaces: list[int] = Field([0], description="namespaces kept; 0 = articles (MediaWiki's <ns> key)")
    drop_disambiguation: bool = Field(True, description="exclude {{Aimai}} / {{Xの曖昧さ回避}} pages (link lists)")
    min_chars: int = Field(
        MIN_CHARS, ge=0,
        description="exclude articles with fewer plain-text characters (too_short); Dolma drops Wikipedia pages "
                    "under 25 words (Soldaini et al. 2024), about 50 Japanese characters",
    )
    tables: Literal["drop", "text", "list_articles"] = Field(
        _TEXT.tables,
        description="wiki tables: one line per row, cells joined by ' | ' (text), dropped (drop), or as text only in "
                    "list articles (title with 一覧 / 'List of'), where the table is the article (list_articles)")
    lists: Literal["text", "drop"] = Field(
        _TEXT.lists, description="list items (*, #, {{ul}}, {{Plainlist}}...): one line each (text), or dropped (drop)")
    math: Literal["keep", "drop"] = Field(_TEXT.math, description="<math>: keep the TeX source, or drop")
    furigana: Literal["paren", "base"] = Field(
        _TEXT.furigana, description="{{読み仮名|漢字|かんじ}} -> 漢字（かんじ） as jawiki renders it (paren), or 漢字 (base)")
    drop_sections: list[str] = Field(
        list(_TEXT.drop_sections),
        description="sections removed whole: jawiki's appendix headings (Wikipedia:スタイルマニュアル (節構成))",
    )
    headings: bool = Field(_TEXT.headings, description="keep section headings as lines of their own")
    art_min_drawing: float = Field(
        _TEXT.art_min_drawing, ge=0.0, le=1.0,
        description="drop preformatted blocks with at least this share of drawing characters and aligned columns "
                    "(ASCII art); 1.0 keeps all. Source: the jawiki slice, art 0.54, other aligned blocks < 0.07")
    per_source: dict[str, SourceText] = Field(
        {}, description="tables/lists per source: {source name (the manifest's, i.e. the document's dataset): "
                        "{tables: text, lists: drop}}; other sources use the options above")
    licence: str = Field(DEFAULT_LICENCE, description="licence id of the text when the source manifest gives none")
    licence_by_revision_date: bool = Field(
        False, description="tag revisions saved before 2023-06-29 as CC-BY-SA-3.0 (Wikimedia Terms of Use update)")
    use_multistream_index: bool = Field(
        True, description="split a multistream dump across tasks by its index's stream offsets")
    limit: int = Field(-1, description="pages read per task; -1 = all (for sampling a big dump)")
    max_wikitext_bytes: int = Field(
        MAX_WIKITEXT_BYTES, ge=1,
        description="longer wikitext is pathological_markup: MediaWiki's $wgMaxArticleSize (2048 KiB)")
    max_unclosed_markup: int = Field(
        MAX_UNCLOSED, ge=0,
        description="more unclosed {{ or [[ is pathological_markup (real jawiki pages: 0-1; mwparserfromhell's time "
                    "grows quadratically with them)")
    max_parse_seconds: float | None = Field(
        MAX_PARSE_SECONDS, gt=0,
        description="seconds to render one page before it is pathological_markup (100x the slowest page of the "
                    "shared jawiki slice); null: no limit")


def _source_maps(ctx: StageContext) -> tuple[dict[str, str], dict[str, str]]:
    datasets: dict[str, str] = {}
    licences: dict[str, str] = {}
    for source, files in ctx.sources:
        for path in files:
            datasets[os.path.abspath(path)] = source.name
            if source.licence:
                licences[os.path.abspath(path)] = source.licence
    return datasets, licences


def build(ctx: StageContext) -> list:
    o: Options = ctx.options  # type: ignore[assignment]
    datasets, licences = _source_maps(ctx)
    reader = WikiDumpReader(
        ctx.inputs, datasets=datasets, licences=licences, licence=o.licence,
        licence_by_revision_date=o.licence_by_revision_date, use_index=o.use_multistream_index, limit=o.limit,
    )
    steps = [
        reader,
        ExcludeMarked(exclusion_writer=ctx.exclusion_writer("reader")),
        NamespaceFilter(o.namespaces, exclusion_writer=ctx.exclusion_writer("namespace")),
        RedirectFilter(exclusion_writer=ctx.exclusion_writer("redirect")),
    ]
    if o.drop_disambiguation:
        steps.append(DisambiguationFilter(exclusion_writer=ctx.exclusion_writer("disambiguation")))
    text_options = WikitextOptions(tables=o.tables, lists=o.lists, math=o.math, furigana=o.furigana,
                                   drop_sections=tuple(o.drop_sections), headings=o.headings,
                                   art_min_drawing=o.art_min_drawing)
    per_source = {name: dataclasses.replace(text_options, **{k: v for k, v in over.model_dump().items() if v})
                  for name, over in o.per_source.items()}
    budget = MarkupBudget(max_wikitext_bytes=o.max_wikitext_bytes, max_unclosed=o.max_unclosed_markup,
                          max_parse_seconds=o.max_parse_seconds)
    steps += [
        PathologicalMarkupFilter(budget, exclusion_writer=ctx.exclusion_writer("markup_guard")),
        WikitextToPlainText(text_options, exclusion_writer=ctx.exclusion_writer("wikitext"), per_source=per_source,
                            max_parse_seconds=budget.max_parse_seconds),
        MinLengthFilter(o.min_chars, exclusion_writer=ctx.exclusion_writer("min_length")),
        ctx.shard_writer(),
    ]
    if reader.splits_by_offsets():
        # the runner caps tasks at the number of input files; a multistream dump has more pieces
        return [Pass("main", steps, tasks=ctx.executor.tasks, accounting=True)]
    return steps


def figures(ctx: StageContext, report: dict) -> dict:
    """Dump bytes read and the article yield, next to the runner's document counts; and what
    wikitext-to-text did: values rendered or lost (with the brackets, clauses and sentences
    dropped around them), table rows and list items kept or dropped, art blocks dropped."""
    dump_bytes = sum(os.path.getsize(p) for p in ctx.inputs if os.path.isfile(p))
    steps = report.get("steps", {})
    reader = next((v for k, v in steps.items() if k.endswith(WikiDumpReader.name)), {})
    text = next((v for k, v in steps.items() if k.endswith(WikitextToPlainText.name)), {})
    return {
        "dump_bytes": dump_bytes,
        "pages": int(reader.get("pages", 0)),
        "articles": report["documents"]["kept"],
        "article_characters": report.get("kept", {}).get("characters", 0),
        "text": {key: int(text.get(key, 0)) for key in TEXT_FIGURES},
    }


STAGE = DatatroveStage(
    name="ingest_wiki",
    options=Options,
    reads="MediaWiki pages-articles XML (.xml, .bz2, multistream)",
    writes="wiki article shards",
    build=build,
    figures=figures,
    unique_ids=True,  # two dumps of one wiki share page ids (figures.duplicate_ids)
)
