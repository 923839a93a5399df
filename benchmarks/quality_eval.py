"""Precision and recall of the quality filter on labelled real text (benchmarks/evalsets/quality_labels.jsonl).

Each labelled document goes through what the filter stage does to a web page: the clean-up
(normalisation, boilerplate lines, footer) and every quality rule with its default
threshold, every figure recorded. "Exclude" is the positive class, so for the chain and
for each rule:

- precision = junk among the documents it excludes
- recall    = share of junk documents it excludes
- clean dropped = share of clean documents it excludes; junk kept = 1 - recall

Per rule, two views: as the rule that decided (first to fire, what the excluded shards
say) and alone (every document on which its figure crosses its threshold). The overall
figures are also given per source (fixture feeds and pages, jawiki articles, jawiki's
other pages, Common Crawl) and without the labels marked borderline.

Splits (docs/filter.md): `tune` and `dev`/`dev2` were looked at while the rules were
changed; `test` was labelled, and committed, before any filter ran on it, and is the one
to quote.

    python benchmarks/quality_eval.py                 # dev split
    python benchmarks/quality_eval.py --split test
    python benchmarks/quality_eval.py --model MODEL   # the model scores beside the rules (AUC)
    python benchmarks/quality_eval.py --split test --train-models DIR   # train on tune/dev/dev2 + KWDLC, score test
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def decide(text: str, options=None) -> tuple[str | None, list[str], dict]:
    """(first rule that fires or None, every rule that fires, figures) for one web page."""
    from datatrove.data import Document

    from filters.quality.chain import quality_filters
    from filters.quality.cleanup import TextCleanup
    from filters.quality.options import CleanupOptions, QualityOptions

    options = options or QualityOptions()
    doc = Document(text=text, id="web/eval", metadata={"source": "web", "url": "https://example.jp/"})
    doc = next(TextCleanup(CleanupOptions()).run(iter([doc])))
    first, fired = None, []
    for family in quality_filters(options):
        family.measure(doc)
        for check in family.checks:
            if check.fails(doc.metadata["figures"][check.figure]):
                fired.append(check.reason)
                first = first or check.reason
    return first, fired, doc.metadata["figures"]


def _rates(excluded: set[str], junk: set[str], clean: set[str]) -> dict:
    tp = len(excluded & junk)
    return {
        "excluded": len(excluded),
        "precision": tp / len(excluded) if excluded else float("nan"),
        "recall": tp / len(junk) if junk else float("nan"),
        "clean_dropped": len(excluded & clean) / len(clean) if clean else float("nan"),
        "clean_chars_dropped": 0.0,
    }


def auc(scores: list[float], positive: list[bool]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def evaluate(shared_data: Path, split: str | None) -> dict:
    from benchmarks.evalsets.quality_eval_set import labelled_documents

    rows = labelled_documents(shared_data, split)
    junk = {r["id"] for r in rows if r["label"] == "junk"}
    clean = {r["id"] for r in rows if r["label"] == "clean"}
    first_by, alone_by = defaultdict(set), defaultdict(set)
    decisions, figures = {}, {}
    for row in rows:
        first, fired, figs = decide(row["text"])
        decisions[row["id"]] = first
        figures[row["id"]] = figs
        if first:
            first_by[first].add(row["id"])
        for reason in fired:
            alone_by[reason].add(row["id"])
    excluded = {i for i, d in decisions.items() if d}
    chars = {r["id"]: len(r["text"]) for r in rows}
    overall = _overall(excluded, junk, clean, chars)
    by_source = {}
    for source in sorted({_source(i) for i in chars}):
        ids = {i for i in chars if _source(i) == source}
        by_source[source] = _overall(excluded & ids, junk & ids, clean & ids, chars)
    sure = {r["id"] for r in rows if "borderline" not in r["reason"]}
    without_borderline = _overall(excluded & sure, junk & sure, clean & sure, chars)
    rules = {}
    for reason in sorted(set(first_by) | set(alone_by)):
        rules[reason] = {"first": _rates(first_by[reason], junk, clean), "alone": _rates(alone_by[reason], junk, clean)}
    return {"rows": rows, "junk": junk, "clean": clean, "decisions": decisions, "figures": figures,
            "overall": overall, "rules": rules, "by_source": by_source, "without_borderline": without_borderline}


def _source(doc_id: str) -> str:
    """The kind of document an id names: feed, page, wiki (articles), wikipage (other pages), aozora, cc."""
    return doc_id.split(":", 1)[0]


def _overall(excluded: set[str], junk: set[str], clean: set[str], chars: dict[str, int]) -> dict:
    rates = _rates(excluded, junk, clean)
    rates.update(junk_n=len(junk), clean_n=len(clean))
    clean_chars = sum(chars[i] for i in clean)
    rates["clean_chars_dropped"] = sum(chars[i] for i in excluded & clean) / clean_chars if clean_chars else float("nan")
    return rates


def _line(o: dict) -> str:
    return (f"{o['clean_n'] + o['junk_n']} documents ({o['clean_n']} clean, {o['junk_n']} junk): excluded {o['excluded']}, "
            f"precision {o['precision']:.3f}, recall {o['recall']:.3f}, clean dropped {o['clean_dropped']:.1%} "
            f"({o['clean_chars_dropped']:.1%} of clean characters), junk kept {1 - o['recall']:.1%}")


def print_report(result: dict, out=sys.stdout) -> None:
    o = result["overall"]
    n_junk, n_clean = len(result["junk"]), len(result["clean"])
    print(f"documents: {n_junk + n_clean} ({n_clean} clean, {n_junk} junk)", file=out)
    print(f"chain: excluded {o['excluded']}, precision {o['precision']:.3f}, recall {o['recall']:.3f}, "
          f"clean dropped {o['clean_dropped']:.1%} ({o['clean_chars_dropped']:.1%} of clean characters), "
          f"junk kept {1 - o['recall']:.1%}", file=out)
    print(f"  without borderline labels: {_line(result['without_borderline'])}", file=out)
    for source, rates in result["by_source"].items():
        print(f"  {source}: {_line(rates)}", file=out)
    print("\n| rule | decided: excluded | precision | recall | alone: excluded | precision | recall | clean dropped |",
          file=out)
    print("|---|---|---|---|---|---|---|---|", file=out)
    for reason, r in sorted(result["rules"].items(), key=lambda kv: -kv[1]["alone"]["excluded"]):
        f, a = r["first"], r["alone"]
        fp = f"{f['precision']:.2f}" if f["excluded"] else "-"
        print(f"| `{reason}` | {f['excluded']} | {fp} | {f['recall']:.2f} | {a['excluded']} | {a['precision']:.2f} | "
              f"{a['recall']:.2f} | {a['clean_dropped']:.1%} |", file=out)
    wrong = [(r["id"], r["label"], result["decisions"][r["id"]]) for r in result["rows"]
             if (r["label"] == "junk") != bool(result["decisions"][r["id"]])]
    print("\ndisagreements (id, label, decision):", file=out)
    for item in wrong:
        print(f"  {item[0]}  {item[1]}  {item[2] or 'kept'}", file=out)


def print_model_scores(result: dict, model_paths: list[str], out=sys.stdout) -> None:
    from filters.quality.model_score import load_scorer

    rows = result["rows"]
    clean = [r["label"] == "clean" for r in rows]
    n_clean, n_junk = sum(clean), len(clean) - sum(clean)
    for path in model_paths:
        scorer = load_scorer(path)
        scores = [scorer.score(r["text"]) if r["text"].strip() else float("nan") for r in rows]
        signed = [(-s if not scorer.higher_is_better else s) for s in scores]
        signed = [x if x == x else -1e9 for x in signed]  # an empty document is the worst score
        print(f"{scorer.figure} ({path}): AUC for clean vs junk {auc(signed, clean):.3f}", file=out)
        for source in sorted({_source(r["id"]) for r in rows}):
            pick = [i for i, r in enumerate(rows) if _source(r["id"]) == source]
            print(f"  {source}: AUC {auc([signed[i] for i in pick], [clean[i] for i in pick]):.3f} "
                  f"({sum(clean[i] for i in pick)} clean, {sum(not clean[i] for i in pick)} junk)", file=out)
        if scorer.higher_is_better:
            low = [not x >= 0.5 for x in scores]
            print(f"  alone at 0.5: excludes {sum(low)}, clean dropped "
                  f"{sum(lo and c for lo, c in zip(low, clean))}/{n_clean}, junk kept "
                  f"{sum(not lo and not c for lo, c in zip(low, clean))}/{n_junk}", file=out)
            ruled = [bool(result["decisions"][r["id"]]) for r in rows]
            both = [lo or ru for lo, ru in zip(low, ruled)]
            print(f"  rules, then the score at 0.5: excludes {sum(both)}, clean dropped "
                  f"{sum(b and c for b, c in zip(both, clean)) / n_clean:.1%}, junk kept "
                  f"{sum(not b and not c for b, c in zip(both, clean)) / n_junk:.1%}", file=out)


def train_models(shared_data: Path, out: Path, held_out: str = "test") -> list[str]:
    """A clean-vs-junk web classifier and a character LM trained on no document of the `held_out` split
    (nor of the test split).

    Positives are clean web-like text: the KWDLC web leads joined ten at a time and every
    document labelled clean in the other splits (tune, dev, dev2: blogs, news, jawiki
    articles, 罪と罰); negatives every document labelled junk there (link logs, affiliate
    copy, digests, list articles, foreign and broken pages). The LM is trained on the
    positives only (CCNet)."""
    import json
    import tempfile

    from benchmarks.evalsets.quality_eval_set import labelled_documents, load_labels

    from filters.quality.model_train import read_corpus, train

    # the test split never trains anything, whichever split is scored
    held = {row["id"] for row in load_labels() if row["split"] in (held_out, "test")}
    rows = [r for split in sorted({row["split"] for row in load_labels()} - {held_out, "test"})
            for r in labelled_documents(shared_data, split)]
    assert not held & {r["id"] for r in rows}
    with tempfile.TemporaryDirectory() as tmp:
        def write(name: str, texts: list[str]) -> str:
            path = Path(tmp) / name
            path.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
            return str(path)

        leads = [json.loads(line)["text"] for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]
        positive = read_corpus([write("kwdlc_pages.jsonl", ["\n".join(leads[i: i + 10]) for i in range(0, len(leads), 10)])],
                               licence="KWDLC-research-use")
        labelled_licence = "mixed: third-party web pages (test fixtures), CC-BY-SA-4.0 (jawiki), public domain (Aozora)"
        clean_labelled = read_corpus([write(f"labelled_clean_not_{held_out}.jsonl",
                                            [r["text"] for r in rows if r["label"] == "clean" and r["text"].strip()])],
                                     licence=labelled_licence)
        positive.texts += clean_labelled.texts
        positive.sources += clean_labelled.sources
        negative = read_corpus([write(f"labelled_junk_not_{held_out}.jsonl",
                                      [r["text"] for r in rows if r["label"] == "junk" and r["text"].strip()])],
                               licence=labelled_licence)
        paths = []
        for kind in ("classifier", "lm"):
            info = train(positive, negative, out / kind, kind=kind)
            print(f"trained {kind} on {len(positive.texts)} clean / {len(negative.texts)} junk texts: held-out AUC "
                  f"{info['heldout_auc']:.3f}" + (f", accuracy {info['heldout_accuracy']:.3f}" if "heldout_accuracy" in info else "")
                  + f", {info['mb_per_cpu_second']:.2f} MB/s per core (one page at a time)")
            paths.append(str(out / kind))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["tune", "dev", "dev2", "test", "all"], default="dev")
    parser.add_argument("--model", action="append", default=[], help="a quality model directory (classifier or LM)")
    parser.add_argument("--train-models", type=Path, metavar="DIR", help="train both models outside the set into DIR")
    parser.add_argument("--shared-data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args(argv)
    result = evaluate(args.shared_data, None if args.split == "all" else args.split)
    print(f"split: {args.split}")
    print_report(result)
    if args.train_models:
        args.model += train_models(args.shared_data, args.train_models, held_out=args.split)
    if args.model:
        print_model_scores(result, args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
