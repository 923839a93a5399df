"""PII benchmark: precision/recall per entity type, and MB/s per core against plain presidio.

    python benchmarks/pii.py [--repeats 3] [--addresses all|N] [--json out.json]

Accuracy, scored per type (a match: same type, IoU >= 0.5), on three sets:

- synthetic: benchmarks/evalsets/pii_eval_set.py (real e-mails from the fixture WARC and the 7,190
  geolonia addresses in our own frames, synthetic valid numbers, look-alike negatives,
  stockmark sentences as carriers): agreement with our own specification;
- real: benchmarks/evalsets/pii_real_set.py, 869 stockmark / KWDLC texts labelled by reading them;
- written: 110 sentences written for the set (real shapes of every type, look-alikes);
  the real and written sets are reported on their `test` halves (rules were tuned on `dev`).

Speed: every line of ../shared/data/text/kwdlc_web_leads.jsonl (5,127 real web leads,
1.4 MB) through `PIIDetector.find`, timed with process CPU time (= one core), median of
`--repeats`. Configurations, all in this run:

- default        our recognizers, light script-run NLP engine, trigger pre-check
- no precheck    the same, every document whole through presidio
- noop engine    presidio's NoOpNlpEngine: no context words (see MY_NUMBER recall)
- person names   default + the UniDic person-name recognizer
- spaCy + precheck  the spaCy baseline's engine behind our pre-check: what the engine alone costs
- fair baseline  presidio AnalyzerEngine with the same recognizers and NLP engine, every
                 document whole: exactly our spans, without the pre-check (the ratio the
                 pre-check buys)
- spaCy baseline presidio AnalyzerEngine with spaCy's blank Japanese engine (SudachiPy
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
from benchmarks.evalsets.pii_eval_set import build, score
from benchmarks.evalsets.pii_real_set import real_examples, written_examples

SHARED = ROOT.parent / "shared" / "data"
TARGETS = {"EMAIL": (0.95, 0.98), "PHONE": (0.95, 0.98), "MY_NUMBER": (0.95, 0.98), "CREDIT_CARD": (0.95, 0.98),
           "POSTAL_CODE": (0.95, 0.98), "ADDRESS": (None, 0.90)}  # (precision, recall) the masker must reach per type

FAIR_BASELINE = "fair baseline: presidio, same recognizers, no precheck"
SPACY_BASELINE = "spaCy baseline: presidio + spaCy blank ja, no precheck"
CONFIGS = {
    "default": PIIOptions(),
    "noop engine": PIIOptions(nlp_engine="noop"),
    "person names": PIIOptions(person_names=True),
    "spaCy blank engine + precheck": PIIOptions(nlp_engine="spacy_blank"),
    FAIR_BASELINE: PIIOptions(precheck=False),
    SPACY_BASELINE: PIIOptions(precheck=False, nlp_engine="spacy_blank"),
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
    real, written = real_examples(SHARED), written_examples()
    print(f"throughput corpus: {len(docs)} documents, {sum(len(d.encode()) for d in docs) / 1e6:.2f} MB; "
          f"synthetic set: {len(examples)} examples; real set: {len(real)} texts; written set: {len(written)}")

    results: dict = {"throughput_mb_s_per_core": {}, "accuracy": {}, "accuracy_real_text": {}}
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

    results["accuracy_real_text"] = real_text_accuracy(real, written)

    rates = results["throughput_mb_s_per_core"]
    fair, spacy = rates.get(FAIR_BASELINE), rates.get(SPACY_BASELINE)
    print("\nthroughput, MB/s per core (median of", args.repeats, "):")
    for name, rate in rates.items():
        ratio = f"  x{rate / fair:.1f} vs fair baseline" if fair else ""
        ratio += f"  x{rate / spacy:.1f} vs spaCy baseline" if spacy else ""
        print(f"   {name:56s} {rate:8.2f}{ratio}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


def real_text_accuracy(real: list, written: list) -> dict:
    """Default configuration on the real-text and written sets, per split; prints one table."""
    find = PIIDetector().find
    out = {}
    for name, examples in (("real", real), ("written", written)):
        for split in ("test", "dev"):
            part = [e for e in examples if e.split == split]
            out[f"{name}/{split}"] = score(part, find, DEFAULT_ENTITIES) | {"_examples": len(part)}
    print("\n== default on real text (labelled by reading) and written sentences; tuned on dev, reported on test")
    print(f"   {'set':14s} {'type':16s} {'gold':>5s} {'pred':>5s} {'precision':>9s} {'recall':>7s}")
    for key, stats in out.items():
        spans = {e: s for e, s in stats.items() if e != "_examples" and s["tp"] + s["fp"] + s["fn"]}
        print(f"   {key:14s} ({stats['_examples']} texts; {sum(s['fp'] for s in spans.values())} false spans)")
        for entity, s in spans.items():
            print(f"   {'':14s} {entity:16s} {s['tp'] + s['fn']:5d} {s['tp'] + s['fp']:5d} "
                  f"{s['precision']:9.3f} {s['recall']:7.3f}")
    return out


if __name__ == "__main__":
    main()
