"""PII benchmark: precision/recall per entity type, and MB/s per core against plain presidio.

    python benchmarks/pii.py [--repeats 3] [--addresses all|N] [--json out.json]

Accuracy: the evaluation set of tests/pii_eval_set.py (real e-mails from the fixture
WARC, the 7,190 geolonia addresses, stockmark NER sentences, synthetic valid numbers,
look-alike negatives), scored per type (a match: same type, IoU >= 0.5).

Speed: every line of ../shared/data/text/kwdlc_web_leads.jsonl (5,127 real web leads,
1.4 MB) through `PIIDetector.find`, timed with process CPU time (= one core), median of
`--repeats`. Configurations, all in this run:

- default        our recognizers, light script-run NLP engine, trigger pre-check
- no precheck    the same, every document whole through presidio
- noop engine    presidio's NoOpNlpEngine: no context words (see MY_NUMBER recall)
- person names   default + the UniDic person-name recognizer
- spaCy + precheck  the baseline's engine behind our pre-check: what the engine alone costs
- baseline       presidio AnalyzerEngine with spaCy's blank Japanese engine (SudachiPy
                 tokens), the same recognizers, every document whole: presidio as one
                 would set it up for `ja` without our engine and pre-check
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters.pii.detector import PIIDetector
from filters.pii.options import DEFAULT_ENTITIES, PERSON, PIIOptions
from tests.pii_eval_set import build, score

SHARED = ROOT.parent / "shared" / "data"
TARGETS = {"EMAIL": (0.95, 0.98), "PHONE": (0.95, 0.98), "MY_NUMBER": (0.95, 0.98), "CREDIT_CARD": (0.95, 0.98),
           "POSTAL_CODE": (0.95, 0.98), "ADDRESS": (None, 0.90)}  # (precision, recall), issue 7

CONFIGS = {
    "default": PIIOptions(),
    "no precheck": PIIOptions(precheck=False),
    "noop engine": PIIOptions(nlp_engine="noop"),
    "person names": PIIOptions(person_names=True),
    "spaCy blank engine + precheck": PIIOptions(nlp_engine="spacy_blank"),
    "baseline: presidio + spaCy blank ja": PIIOptions(precheck=False, nlp_engine="spacy_blank"),
}


def throughput(detector: PIIDetector, docs: list[str], repeats: int) -> float:
    """Median MB/s of CPU time (one core) over `repeats` passes."""
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    detector.find(docs[0])  # lazy loads (tldextract, fugashi) out of the timing
    rates = []
    for _ in range(repeats):
        start = time.process_time()
        for doc in docs:
            detector.find(doc)
        rates.append(mb / (time.process_time() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--addresses", default="all", help="geolonia addresses in the eval set: all or a number")
    parser.add_argument("--skip-baseline", action="store_true", help="skip the spaCy configurations (they need sudachipy + sudachidict_core)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    docs = [json.loads(line)["text"] for line in (SHARED / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]
    examples = build(SHARED, addresses=None if args.addresses == "all" else int(args.addresses))
    print(f"throughput corpus: {len(docs)} documents, {sum(len(d.encode()) for d in docs) / 1e6:.2f} MB; "
          f"eval set: {len(examples)} examples")

    results: dict = {"throughput_mb_s_per_core": {}, "accuracy": {}}
    for name, options in CONFIGS.items():
        if args.skip_baseline and options.nlp_engine == "spacy_blank":
            continue
        detector = PIIDetector(options)
        rate = throughput(detector, docs, args.repeats)
        results["throughput_mb_s_per_core"][name] = rate
        entities = DEFAULT_ENTITIES + ([PERSON] if options.person_names else [])
        stats = score(examples, detector.find, entities)
        results["accuracy"][name] = stats
        print(f"\n== {name}: {rate:.2f} MB/s per core")
        print(f"   {'type':16s} {'precision':>9s} {'recall':>7s} {'chars':>6s} {'tp':>6s} {'fp':>5s} {'fn':>5s}  target")
        for entity, s in stats.items():
            target = TARGETS.get(entity)
            mark = ""
            if target and name == "default":
                ok = (target[0] is None or s["precision"] >= target[0]) and s["recall"] >= target[1]
                mark = ("ok " if ok else "MISS ") + f"P>={target[0]} R>={target[1]}"
            print(f"   {entity:16s} {s['precision']:9.3f} {s['recall']:7.3f} {s['char_recall']:6.3f} "
                  f"{s['tp']:6d} {s['fp']:5d} {s['fn']:5d}  {mark}")

    rates = results["throughput_mb_s_per_core"]
    base = next((v for k, v in rates.items() if k.startswith("baseline")), None)
    print("\nthroughput, MB/s per core (median of", args.repeats, "):")
    for name, rate in rates.items():
        ratio = f"  x{rate / base:.1f} vs baseline" if base else ""
        print(f"   {name:38s} {rate:8.2f}{ratio}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
