"""Benchmark of ingest_wiki on the real jawiki slice: throughput per core, and text quality.

    python benchmarks/ingest_wiki.py [--repeats 3] [--dump ../shared/data/wiki/...xml.bz2] [--before REV]

Runs, in one process (one core; CPU seconds, so other load on the machine does not count):

1. the whole stage chain (dump reader -> page filters -> wikitext to text -> parquet
   shards), in articles/s and MB/s of dump (compressed and XML);
2. wikitext to plain text alone, ours against the named baseline, mwparserfromhell's own
   `Wikicode.strip_code()`, and, when installed, two alternatives: wikitextparser's
   `plain_text()` (pure-Python parser) and WikiExtractor's `clean_text` (regular
   expressions, what many corpora used);
3. quality of each converter on the same articles: markup residue, recall of the visible
   text of links in prose, and leakage of reference text;
4. text fidelity (benchmarks/wiki_fidelity.py): sentences left broken by a lost value,
   characters of the list articles (一覧), table rows and list items kept, what the
   renderer dropped and why. `--before REV` adds our renderer as it was at git revision REV
   to sections 2-4, so before and after are timed and measured in the same run.

Medians over repeats; the ratio ours / baseline (and ours / before) is printed for each figure.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchmarks.harness.timing import median_seconds  # noqa: E402

DEFAULT_DUMP = ROOT.parent / "shared" / "data" / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2"
RESIDUE = ("{{", "}}", "[[", "]]", "<ref", "</", "&amp;", "&lt;", "{|", "|-", "thumb|", "px|",
           "\ue010", "\ue011", "\ue012", "\ue013")  # and the renderer's private marks


def cpu_median(fn, repeats: int) -> float:
    return median_seconds(fn, repeats, time.process_time)


def load_articles(dump: str) -> list:
    """ns-0, non-redirect, non-disambiguation pages: what the converter sees in the stage."""
    from filters.wiki.dump_reader import WikiDumpReader
    from filters.wiki.page_filters import DisambiguationFilter

    disamb = DisambiguationFilter()
    return [d for d in WikiDumpReader([dump]).run()
            if not d.metadata.get("reason") and d.metadata.get("ns") == 0 and "redirect" not in d.metadata
            and disamb.filter(d) is True]


def stage_chain(dump: str, out: str) -> int:
    """The stage's steps driven in this process (no executor), as one datatrove task runs them."""
    from corpus.run.stage import StageContext
    from pipelines.ingest_wiki import Options, build

    ctx = StageContext(name="ingest_wiki", stage_dir=Path(out), inputs=[dump], options=Options(), quiet=True)
    data = None
    for step in build(ctx):
        data = step(data, rank=0, world_size=1)
    return sum(1 for _ in data)


# converters: wikitext, title -> text -----------------------------------------------------
def ours(text: str, title: str) -> str:
    from filters.wiki.wikitext import wikitext_to_text

    return wikitext_to_text(text, title)


def mwp_strip_code(text: str, title: str) -> str:
    import mwparserfromhell

    return mwparserfromhell.parse(text).strip_code()


def wikitextparser_plain(text: str, title: str) -> str:
    import wikitextparser

    return wikitextparser.parse(text).plain_text()


def wikiextractor_clean(text: str, title: str) -> str:
    from wikiextractor.extract import Extractor

    extractor = Extractor(0, 0, "https://ja.wikipedia.org/wiki/", title, [])
    return "\n".join(extractor.clean_text(text, expand_templates=False))


OURS = "ours (mwparserfromhell + renderer)"
CONVERTERS = {
    OURS: (ours, None),
    "baseline: mwparserfromhell strip_code": (mwp_strip_code, None),
    "wikitextparser plain_text": (wikitextparser_plain, "wikitextparser"),
    "WikiExtractor clean_text (regex)": (wikiextractor_clean, "wikiextractor"),
}


# quality references, computed from the raw wikitext with no parser ----------------------
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_REF = re.compile(r"<ref[^>/]*/>|<ref[^>]*>.*?</ref>", re.DOTALL)
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_LINK = re.compile(r"\[\[([^\[\]|#]+)(?:\|([^\[\]]+))?\]\]")
# inline templates whose argument jawiki shows in the sentence: {{lang|en|X}}, {{Lang-en|X}}, {{仮リンク|X|..}}
_INLINE = re.compile(r"\{\{\s*(?:[Ll]ang\|[a-z-]+\||[Ll]ang-[a-z-]+\||仮リンク\||読み仮名\|)([^{}|\[\]]+)[|}]")
_REF_BODY = re.compile(r"<ref[^>/]*>([^<{]{20,}?)</ref>", re.DOTALL)


def prose_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line and line[0] not in "{|!=*#:; <" and not line.startswith("[[")]


def link_texts(wikitext: str) -> list[str]:
    """Visible text of links in prose paragraphs (templates and references removed); a link
    with a namespace or language prefix counts only when it is shown inline ([[:en:X|Y]])."""
    text = _REF.sub("", _COMMENT.sub("", wikitext))
    for _ in range(5):
        text = _TEMPLATE.sub("", text)
    out = []
    for line in prose_lines(text):
        for target, shown in _LINK.findall(line):
            if ":" in target and not (target.startswith(":") and shown):
                continue
            out.append(_unbold(shown or target).strip())
    return [t for t in out if t]


def inline_template_texts(wikitext: str) -> list[str]:
    """Words jawiki shows from {{lang}}, {{Lang-xx}}, {{仮リンク}} and {{読み仮名}} in prose
    ({{仮リンク|X|en|Y|label=Z}} shows Z)."""
    text = _REF.sub("", _COMMENT.sub("", wikitext))
    words = []
    for line in prose_lines(text):
        for m in _INLINE.finditer(line):
            rest = line[m.end() - 1:line.find("}}", m.end() - 1)]
            label = re.search(r"\|\s*label\s*=\s*([^|]+)", rest)
            word = _unbold(label.group(1) if label else m.group(1)).strip()
            if word:
                words.append(word)
    return words


def _unbold(text: str) -> str:
    return re.sub(r"'{2,}", "", text)


def reference_snippets(wikitext: str) -> list[str]:
    """A 12-character piece of each plain-text reference: it must not reach the article text."""
    snippets = []
    for body in _REF_BODY.findall(_COMMENT.sub("", wikitext)):
        plain = re.sub(r"\[\S+ ([^\]]*)\]|\[\[(?:[^\]|]*\|)?([^\]]*)\]\]|'{2,}", lambda m: m.group(1) or m.group(2) or "",
                       body).strip()
        if len(plain) >= 20:
            middle = len(plain) // 2
            snippets.append(plain[middle - 6:middle + 6])
    return snippets


def quality(outputs: list[str], articles: list) -> dict[str, float]:
    residue = sum(any(r in out for r in RESIDUE) for out in outputs)
    found = total = leaked = refs = inline = inline_found = 0
    for out, doc in zip(outputs, articles):
        flat = _unbold(out)
        links = link_texts(doc.text)
        total += len(links)
        found += sum(1 for t in links if t in flat)
        words = inline_template_texts(doc.text)
        inline += len(words)
        inline_found += sum(1 for t in words if t in flat)
        snippets = reference_snippets(doc.text)
        refs += len(snippets)
        leaked += sum(1 for s in snippets if s in flat)
    return {
        "residue_%": 100 * residue / len(outputs),
        "link_recall_%": 100 * found / max(total, 1),
        "inline_recall_%": 100 * inline_found / max(inline, 1),
        "inline": inline,
        "ref_leak_%": 100 * leaked / max(refs, 1),
        "links": total,
        "refs": refs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", default=str(DEFAULT_DUMP))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", default=None, help="git revision whose filters/wiki renderer to compare with")
    args = parser.parse_args()
    converters = dict(CONVERTERS)
    if args.before:
        from wiki_fidelity import load_before

        old = load_before(args.before, ROOT)
        if old is None:
            sys.exit(f"cannot read filters/wiki at {args.before} from git")
        converters = {OURS: CONVERTERS[OURS], f"ours before ({args.before})": (
            lambda text, title, fn=old.wikitext_to_text: fn(text, title), None),
            **{k: v for k, v in CONVERTERS.items() if k != OURS}}
    dump = args.dump
    if not os.path.isfile(dump):
        sys.exit(f"dump not found: {dump} (the real slice lives in ../shared/data/wiki)")
    from filters.wiki.dump_files import iter_dump_bytes

    compressed_mb = os.path.getsize(dump) / 1e6
    xml_mb = sum(len(c) for c in iter_dump_bytes(dump)) / 1e6
    articles = load_articles(dump)
    wikitext_mb = sum(len(d.text.encode("utf-8")) for d in articles) / 1e6
    print(f"dump: {Path(dump).name}: {compressed_mb:.2f} MB bz2, {xml_mb:.2f} MB XML, "
          f"{len(articles)} articles, {wikitext_mb:.2f} MB of article wikitext; repeats={args.repeats}, "
          f"CPU seconds of one process (per core)\n")

    with tempfile.TemporaryDirectory() as tmp:
        runs = iter(range(10**6))
        kept = stage_chain(dump, os.path.join(tmp, "warm"))
        t = cpu_median(lambda: stage_chain(dump, os.path.join(tmp, f"r{next(runs)}")), args.repeats)
    print("1. whole stage chain (reader -> filters -> wikitext to text -> parquet), one core")
    print(f"   {t:.2f} s: {kept / t:.1f} articles/s, {compressed_mb / t:.2f} MB/s bz2, {xml_mb / t:.2f} MB/s XML\n")

    print("2./3. wikitext to plain text on the same articles, one core")
    header = f"   {'converter':40s} {'s':>6s} {'art/s':>7s} {'MB/s':>6s} {'residue%':>9s} {'links%':>7s} {'inline%':>8s} {'refleak%':>9s}"
    print(header)
    results, outputs_by = {}, {}
    for label, (fn, module) in converters.items():
        if module:
            try:
                __import__(module)
            except ImportError:
                print(f"   {label:40s} not installed (pip install {module})")
                continue
        outputs = outputs_by[label] = [fn(d.text, d.metadata["title"]) for d in articles]
        t = cpu_median(lambda fn=fn: [fn(d.text, d.metadata["title"]) for d in articles], args.repeats)
        q = quality(outputs, articles)
        results[label] = (t, q)
        print(f"   {label:40s} {t:6.2f} {len(articles) / t:7.1f} {wikitext_mb / t:6.2f} {q['residue_%']:9.1f} "
              f"{q['link_recall_%']:7.1f} {q['inline_recall_%']:8.1f} {q['ref_leak_%']:9.1f}")
    ours_t, ours_q = results[OURS]
    base_t, base_q = results["baseline: mwparserfromhell strip_code"]
    print(f"\n   ratio ours / baseline: speed {base_t / ours_t:.2f}x, residue {ours_q['residue_%']:.1f}% vs "
          f"{base_q['residue_%']:.1f}%, link recall {ours_q['link_recall_%']:.1f}% vs {base_q['link_recall_%']:.1f}% "
          f"inline-template words {ours_q['inline_recall_%']:.1f}% vs {base_q['inline_recall_%']:.1f}% "
          f"({ours_q['links']} links, {ours_q['inline']} inline-template words, {ours_q['refs']} plain references)")
    before = next((k for k in results if k.startswith("ours before")), None)
    if before:
        print(f"   ratio ours / {before}: speed {results[before][0] / ours_t:.2f}x")
    fidelity(articles, outputs_by)


def fidelity(articles: list, outputs_by: dict[str, list[str]]) -> None:
    from collections import Counter

    from wiki_fidelity import broken_sentences, list_articles

    from filters.wiki.wikitext import WikitextOptions, render_article

    print("\n4. text fidelity on the same articles")
    lists = list_articles(articles)
    variants = {f"{OURS}, tables={mode}": mode for mode in ("list_articles", "text", "drop")}
    totals = {}
    for label, mode in variants.items():
        counts, outputs = Counter(), []
        for d in articles:
            text, c = render_article(d.text, d.metadata["title"], WikitextOptions(tables=mode))
            outputs.append(text)
            counts.update(c)
        totals[label] = counts
        outputs_by.setdefault(label, outputs)
    print(f"   {'converter':58s} {'broken value sentences':>23s} {'list-article chars':>19s}")
    for label, outputs in outputs_by.items():
        broken, sites = broken_sentences(outputs, articles)
        chars = sum(len(outputs[i]) for i in lists)
        print(f"   {label:58s} {broken:>10d} of {sites:<10d} {chars:>19,d}")
    print(f"\n   list articles ({len(lists)}), characters per article:")
    shown = [k for k in outputs_by if k in variants or k.startswith("ours before") or "strip_code" in k]
    print("   " + " " * 32 + "".join(f"{k.split(', ')[-1].split(' (')[0][:14]:>15s}" for k in shown))
    for i in lists:
        title = articles[i].metadata["title"]
        print(f"   {title[:30]:32s}" + "".join(f"{len(outputs_by[k][i]):>15,d}" for k in shown)
              + f"   (wikitext {len(articles[i].text):,})")
    keys = ("values_rendered", "values_unknown", "brackets_dropped", "clauses_dropped", "sentences_dropped",
            "navigation_dropped", "tables_kept", "tables_dropped", "table_rows_kept", "table_rows_dropped",
            "list_items_kept", "art_blocks_dropped")
    print("\n   what rendering did (render_article's counts, summed over the articles):")
    for label, counts in totals.items():
        print(f"   {label.split(', ')[-1]:22s} " + ", ".join(f"{k} {counts[k]}" for k in keys))


if __name__ == "__main__":
    main()
