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
        scores = [scorer.score(r["text"]) for r in rows]
        print(f"{scorer.figure} ({path}): AUC for clean vs junk {auc(scores, clean):.3f}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["eval", "tune", "all"], default="eval")
    parser.add_argument("--model", action="append", default=[], help="a quality model directory (classifier or LM)")
    parser.add_argument("--shared-data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args(argv)
    result = evaluate(args.shared_data, None if args.split == "all" else args.split)
    print(f"split: {args.split}")
    print_report(result)
    if args.model:
        print_model_scores(result, args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
