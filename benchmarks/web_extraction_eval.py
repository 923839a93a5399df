"""Extraction quality of ingest_web against two gold sets, kept apart (docs/ingest_web.md):

- tuning: the four Japanese gold files of ../shared/data/web/gold, which the extraction rules
  were developed on (newspaper's and readability's expected outputs);
- evaluation: 22 further pages of the packed fixture WARC (6 HTML pages, 16 RSS/Atom feeds),
  gold written by reading each page (benchmarks/evalsets/web_gold_eval.json, anchors only), which no rule
  was developed on.

Character-bigram F1 (benchmarks/evalsets/web_extraction.py). Each extractor gets the page as our
WARC reader decodes it, except the two end-to-end rows: our stage run on the whole packed
WARC (a page it excludes scores 0; `extract_feeds` off and on), and datatrove's stock path
(its WarcReader's decoding, libmagic and cchardet, then its Trafilatura extractor; a page its
reader passes over scores 0). `boilerplate_sweep` measures where the per-host boilerplate
thresholds work on the project's shop site (data_manifests/demo/shop_site.py). Used by
benchmarks/ingest_web.py; runs alone too:

    python benchmarks/web_extraction_eval.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.evalsets.web_extraction import EVAL_GOLD  # noqa: E402

SHARED_WEB = ROOT.parent / "shared" / "data" / "web"
PACKED = "ja_fixture_pages_packed.warc.gz"


def stage_texts(web_dir: Path, **options) -> dict[str, str]:
    """WARC-X-Fixture-Source -> text our ingest_web stage kept for it ('' if excluded)."""
    import pyarrow.parquet as pq
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    from corpus.run.stage import StageContext, run_stage
    from pipelines.ingest_web import STAGE, Options

    sources = {
        "web/" + r.headers.get("WARC-Record-ID").strip("<>"): r.headers.get("WARC-X-Fixture-Source")
        for r in ArchiveIterator(str(web_dir / PACKED), record_types=WarcRecordType.response)
    }
    with tempfile.TemporaryDirectory() as tmp:
        ctx = StageContext(name="ingest_web", stage_dir=Path(tmp) / "out", inputs=[str(web_dir / PACKED)],
                           options=Options(**options), quiet=True)
        run_stage(STAGE, ctx)
        kept = {row["id"]: row["text"] for path in sorted((Path(tmp) / "out" / "shards").glob("*.parquet"))
                for row in pq.read_table(path, columns=["id", "text"]).to_pylist()}
    return {source: kept.get(doc_id, "") for doc_id, source in sources.items()}


def stock_texts(web_dir: Path) -> dict[str, str]:
    """WARC-X-Fixture-Source -> datatrove's stock reader + Trafilatura text ('' if its reader passes over it)."""
    from io import BytesIO

    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.readers.warc import process_record
    from warcio.archiveiterator import ArchiveIterator

    extractor = Trafilatura(favour_precision=True, deduplicate=False)  # no cache: per-page scores
    out = {}
    with open(web_dir / PACKED, "rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            source = record.rec_headers.get_header("WARC-X-Fixture-Source")
            raw = record.content_stream().read()
            record.raw_stream = BytesIO(raw)  # process_record reads the body again
            parsed = process_record(record)
            out[source] = (extractor.extract(parsed["text"]) or "") if parsed else ""
    return out


def _by_suffix(texts: dict[str, str], suffix: str) -> str:
    return next((t for source, t in texts.items() if source and source.endswith(suffix)), "")


def extractors() -> dict:
    """label -> f(page) for the per-page extractors."""
    from trafilatura import extract

    from filters.web.extraction import extract_page, extract_text

    return {
        "ours, hybrid (page only)": lambda page: extract_text(page),
        "ours, hybrid + feeds (page only)": lambda page: extract_page(page, feeds=True)[0],
        "ours, resiliparse + edge trim": lambda page: extract_text(page, extractor="resiliparse"),
        "ours, trafilatura (fast) + edge trim": lambda page: extract_text(page, extractor="trafilatura"),
        "resiliparse main content, no trim": lambda page: extract_text(page, extractor="resiliparse", trim=False),
        "trafilatura, datatrove settings": lambda page: extract(
            page, favor_precision=True, include_comments=False, deduplicate=False) or "",
        "trafilatura, Swallow settings": lambda page: extract(page, include_comments=False, include_tables=False) or "",
    }


def tuning_table(web_dir: Path = SHARED_WEB) -> None:
    from benchmarks.evalsets.web_extraction import GOLD_PAGES, bigram_f1, load_gold

    gold = load_gold(web_dir)
    end_to_end = {"ours, stage end to end (default)": stage_texts(web_dir), "datatrove stock path": stock_texts(web_dir)}
    print("\nextraction quality on the TUNING set (character-bigram F1 vs ../shared/data/web/gold)")
    names = [name.split(".")[0] for name, *_ in gold]
    print(f"  {'extractor':40s} {'ja mean':>8s}  " + "  ".join(f"{n[:18]:>18s}" for n in names))
    rows = {label: [fn(page) for _, _, page, _ in gold] for label, fn in extractors().items()}
    for label, texts in end_to_end.items():
        rows[label] = [_by_suffix(texts, GOLD_PAGES[name][0]) for name, *_ in gold]
    for label, outputs in rows.items():
        scores = [(lang, bigram_f1(out, text).f1) for out, (_, lang, _, text) in zip(outputs, gold)]
        ja = [s for lang, s in scores if lang == "ja"]
        print(f"  {label:40s} {statistics.mean(ja):8.3f}  " + "  ".join(f"{s:18.3f}" for _, s in scores))


def evaluation_table(web_dir: Path = SHARED_WEB, gold_file: Path = EVAL_GOLD) -> dict[str, dict[str, float]]:
    """Prints and returns {row: {"html": mean F1, "feed": ..., "all": ...}} on the evaluation set."""
    from benchmarks.evalsets.web_extraction import bigram_f1, load_eval

    pages = load_eval(web_dir, gold_file)
    rows = {label: {p.name: fn(p.page) for p in pages} for label, fn in extractors().items()}
    suffix = {p.name: p.name for p in pages}
    for label, texts in {
        "ours, stage end to end (default)": stage_texts(web_dir),
        "ours, stage end to end (extract_feeds)": stage_texts(web_dir, extract_feeds=True),
        "datatrove stock path (reader + Trafilatura)": stock_texts(web_dir),
    }.items():
        rows[label] = {p.name: _by_suffix(texts, "/" + suffix[p.name]) for p in pages}
    print(f"\nextraction quality on the EVALUATION set ({len(pages)} pages not used to develop any rule; "
          f"benchmarks/evalsets/web_gold_eval.json)")
    print(f"  {'extractor':44s} {'HTML (6)':>9s} {'feeds (16)':>11s} {'all (22)':>9s}   per page")
    result = {}
    for label, outputs in rows.items():
        f1 = {p.name: bigram_f1(outputs[p.name], p.gold).f1 for p in pages}
        means = {kind: statistics.mean(f1[p.name] for p in pages if kind in ("all", p.kind)) for kind in ("html", "feed", "all")}
        result[label] = means
        print(f"  {label:44s} {means['html']:9.3f} {means['feed']:11.3f} {means['all']:9.3f}   "
              + " ".join(f"{f1[p.name]:.2f}" for p in pages))
    print("  pages: " + ", ".join(p.name for p in pages))
    return result


def _site_result(pages: list[str], descriptions: list[str], min_pages: int, min_share: float) -> tuple[int, int]:
    """(pages that yield their own description, pages that yield a sidebar sentence) with tables learned on `pages`."""
    from data_manifests.demo import shop_site
    from filters.web.extraction import extract_page
    from filters.web.host_boilerplate import BoilerplateConfig, HostCounts
    from filters.web.page_blocks import page_blocks

    config = BoilerplateConfig(min_pages=min_pages, min_share=min_share)
    counts = HostCounts(config)
    for page in pages:
        counts.add_page("site", {b.key for b in page_blocks(page)})
    n = counts.pages["site"]
    table = frozenset(k for k, c in counts.blocks["site"].items() if config.is_boilerplate(c, n))
    sidebar = [line.split(" ", 2)[2] for line in shop_site.RANKING]
    texts = [extract_page(page, table)[0] for page in pages]
    return (sum(d in t for d, t in zip(descriptions, texts)), sum(any(s in t for s in sidebar) for t in texts))


def boilerplate_sweep() -> None:
    """The shop site under other thresholds and sample sizes, and with one description
    shared by several pages (product variants), which must not be taken for template."""
    from data_manifests.demo import shop_site

    pages = [shop_site.page_html(n) for n in range(1, len(shop_site.PRODUCTS) + 1)]
    descriptions = [d for _, _, d in shop_site.PRODUCTS]
    print("\nper-host boilerplate on the shop site (24 pages): own descriptions / pages with sidebar")
    shares = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)
    print("  min_share        " + "".join(f"{s:>9}" for s in shares))
    for min_pages in (2, 3, 5):
        print(f"  min_pages={min_pages}      " + "".join(
            "{:>9}".format("%d/%d" % _site_result(pages, descriptions, min_pages, s)) for s in shares))
    print("  pages of the site seen (min_pages=3, min_share=0.5): " + ", ".join(
        "{}: {}/{}".format(k, *_site_result(pages[:k], descriptions[:k], 3, 0.5)) for k in (2, 3, 4, 6, 12, 24)))
    # one description on k of the 24 pages (colour variants of a product): kept, or taken for template?
    row = []
    for k in (2, 3, 6, 8, 12, 13):
        shared = [p.replace(descriptions[i], descriptions[0]) if i < k else p for i, p in enumerate(pages)]
        own = [descriptions[0] if i < k else d for i, d in enumerate(descriptions)]
        row.append("{}: {}/{}".format(k, *_site_result(shared, own, 3, 0.5)))
    print("  one description on k pages (defaults), own descriptions / sidebars: " + ", ".join(row))


if __name__ == "__main__":
    tuning_table()
    evaluation_table()
    boilerplate_sweep()
