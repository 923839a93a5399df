"""Precision and recall of the quality filter on labelled real text (tests/data/quality_labels.jsonl).

Each labelled document goes through what the filter stage does to a web page: the clean-up
(normalisation, boilerplate lines, footer) and every quality rule with its default
threshold, every figure recorded. "Exclude" is the positive class, so for the chain and
for each rule:

- precision = junk among the documents it excludes
- recall    = share of junk documents it excludes
- clean dropped = share of clean documents it excludes; junk kept = 1 - recall

Per rule, two views: as the rule that decided (first to fire, what the excluded shards
say) and alone (every document on which its figure crosses its threshold).

    python benchmarks/quality_eval.py                 # evaluation split
    python benchmarks/quality_eval.py --split tune
    python benchmarks/quality_eval.py --model MODEL   # the model scores beside the rules (AUC)
    python benchmarks/quality_eval.py --train-models DIR   # train both models on data outside the set, then score

The labels were written before the filter ran on the evaluation split (docs/filter.md).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


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
    from quality_eval_set import labelled_documents

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
    overall = _rates(excluded, junk, clean)
    chars = {r["id"]: len(r["text"]) for r in rows}
    clean_chars = sum(chars[i] for i in clean)
    overall["clean_chars_dropped"] = sum(chars[i] for i in excluded & clean) / clean_chars if clean_chars else float("nan")
    rules = {}
    for reason in sorted(set(first_by) | set(alone_by)):
        rules[reason] = {"first": _rates(first_by[reason], junk, clean), "alone": _rates(alone_by[reason], junk, clean)}
    return {"rows": rows, "junk": junk, "clean": clean, "decisions": decisions, "figures": figures,
            "overall": overall, "rules": rules}


def print_report(result: dict, out=sys.stdout) -> None:
    o = result["overall"]
    n_junk, n_clean = len(result["junk"]), len(result["clean"])
    print(f"documents: {n_junk + n_clean} ({n_clean} clean, {n_junk} junk)", file=out)
    print(f"chain: excluded {o['excluded']}, precision {o['precision']:.3f}, recall {o['recall']:.3f}, "
          f"clean dropped {o['clean_dropped']:.1%} ({o['clean_chars_dropped']:.1%} of clean characters), "
          f"junk kept {1 - o['recall']:.1%}", file=out)
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
    for path in model_paths:
        scorer = load_scorer(path)
        scores = [scorer.score(r["text"]) if r["text"].strip() else float("nan") for r in rows]
        signed = [(-s if not scorer.higher_is_better else s) for s in scores]
        signed = [x if x == x else -1e9 for x in signed]  # an empty document is the worst score
        print(f"{scorer.figure} ({path}): AUC for clean vs junk {auc(signed, clean):.3f}", file=out)
        if scorer.higher_is_better:
            dropped = [r for r, x in zip(rows, scores) if not x >= 0.5]
            junk_dropped = sum(r["label"] == "junk" for r in dropped)
            print(f"  at 0.5: excludes {len(dropped)}, clean dropped {sum(r['label'] == 'clean' for r in dropped)}"
                  f"/{sum(clean)}, junk kept {sum(not c for c in clean) - junk_dropped}/{sum(not c for c in clean)}", file=out)


def train_models(shared_data: Path, out: Path) -> list[str]:
    """A classifier and a character LM trained on no labelled document: positives are the jawiki
    articles of the dump slice that are not in the set plus 坊っちゃん and 檸檬 (罪と罰 is left out:
    the set holds pieces of it), negatives the KWDLC web leads joined ten at a time."""
    import json
    import tempfile

    from quality_eval_set import _wiki_articles, load_labels

    from filters.quality.model_train import read_corpus, train

    labelled = {row["id"].split(":", 1)[1] for row in load_labels() if row["id"].startswith("wiki:")}
    wiki = _wiki_articles(shared_data / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2")
    with tempfile.TemporaryDirectory() as tmp:
        wiki_file = Path(tmp) / "jawiki_unlabelled.jsonl"
        wiki_file.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n"
                                     for k, t in sorted(wiki.items()) if k not in labelled), encoding="utf-8")
        leads = [json.loads(line)["text"] for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]
        web_file = Path(tmp) / "kwdlc_pages.jsonl"
        web_file.write_text("".join(json.dumps({"text": "\n".join(leads[i: i + 10])}, ensure_ascii=False) + "\n"
                                    for i in range(0, len(leads), 10)), encoding="utf-8")
        text = shared_data / "text"
        positive = read_corpus([str(wiki_file)], licence="CC-BY-SA-4.0")
        positive_aozora = read_corpus([str(text / "aozora_bocchan_natsume-soseki.txt"),
                                       str(text / "aozora_lemon_kajii-motojiro.txt")], licence="public-domain-jp")
        positive.texts += positive_aozora.texts
        positive.sources += positive_aozora.sources
        negative = read_corpus([str(web_file)], licence="KWDLC-research-use")
        paths = []
        for kind in ("classifier", "lm"):
            info = train(positive, negative, out / kind, kind=kind)
            print(f"trained {kind}: held-out AUC {info['heldout_auc']:.3f}"
                  + (f", accuracy {info['heldout_accuracy']:.3f}" if "heldout_accuracy" in info else "")
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
        args.model += train_models(args.shared_data, args.train_models)
    if args.model:
        print_model_scores(result, args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
