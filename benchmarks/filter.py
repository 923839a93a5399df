"""Benchmark: our Japanese quality chain vs datatrove's stock filters configured for Japanese.

Both run in this process on the same documents: real Japanese web text, the 5,127 leads of
`../shared/data/text/kwdlc_web_leads.jsonl` joined 30 at a time into 171 documents of about
2.8k characters. Timed is CPU time of the steps on in-memory documents (no parquet I/O),
so the numbers are per core; each chain runs `--repeats` times and the median is printed.
The chains take turns, one run each per round, so a change in the load of a shared machine
during the benchmark falls on all of them alike and the ratios stay comparable.

- ours: clean-up + every default rule family with all figures recorded (the filter
  stage's quality part), then the same with the noun-ratio rule (one MeCab pass) on;
- baseline: GopherRepetitionFilter + FineWebQualityFilter + GopherQualityFilter with
  FineWeb-2's `jpn_Jpan` thresholds and stop words (huggingface/fineweb-2@7ee60b36
  fineweb-2-pipeline.py, configs/jpn_Jpan.yml@baedee44), datatrove's own `jpn_Jpan` word
  tokenizer (spaCy + SudachiPy: `pip install -e '.[bench]'`);
- the same baseline with fugashi registered as datatrove's Japanese tokenizer, to show
  what the registration alone buys datatrove's own steps.

    python benchmarks/filter.py [--repeats 3] [--docs 171] [--baseline-docs 171]
    python benchmarks/filter.py --thresholds   # clean text dropped by Gopher's vs our n-gram thresholds
    python benchmarks/filter.py --model DIR    # also a quality model's score alone (jacorpus quality train)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = Path.cwd().parent / "shared" / "data" / "text" / "kwdlc_web_leads.jsonl"
if not DATA.exists():
    DATA = ROOT.parent / "shared" / "data" / "text" / "kwdlc_web_leads.jsonl"

# FineWeb-2 configs/jpn_Jpan.yml (huggingface/fineweb-2@baedee44)
FW2_JPN = {
    "dup_line_frac": 0.375,
    "dup_n_grams": ((5, 0.307), (6, 0.283), (7, 0.264), (8, 0.248), (9, 0.234), (10, 0.223)),
    "top_n_grams": ((2, 0.121), (3, 0.129), (4, 0.145)),
    "line_punct_thr": 0.167,
    "new_line_ratio": 0.162,
    "max_avg_word_length": 5,
    "min_avg_word_length": 1,
    "max_non_alpha_words_ratio": 0.759,
    "stopwords": ["の", "に", "を", "は", "た", "て", "が", "と", "で", "年", "し", "・", "月", "れ", "さ"],
}


def load_documents(limit: int) -> list[str]:
    leads = [json.loads(line)["text"] for line in DATA.open(encoding="utf-8")]
    return ["\n".join(leads[i : i + 30]) for i in range(0, len(leads), 30)][:limit]


def our_steps(noun_ratio: bool) -> list:
    from filters.quality.chain import quality_steps
    from filters.quality.cleanup import TextCleanup
    from filters.quality.options import CleanupOptions, QualityOptions

    options = QualityOptions()
    options.noun_ratio.enabled = noun_ratio
    return [TextCleanup(CleanupOptions()), *quality_steps(options)]


def fineweb2_steps() -> list:
    """datatrove's stock filters exactly as FineWeb-2's filtering step sets them up for Japanese."""
    from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

    c = FW2_JPN
    return [
        GopherRepetitionFilter(language="jpn_Jpan", dup_para_frac=0, dup_line_char_frac=0, dup_para_char_frac=0,
                               dup_line_frac=c["dup_line_frac"], top_n_grams=c["top_n_grams"], dup_n_grams=c["dup_n_grams"]),
        FineWebQualityFilter(language="jpn_Jpan", short_line_thr=999, char_duplicates_ratio=0.1,
                             line_punct_thr=c["line_punct_thr"], new_line_ratio=c["new_line_ratio"]),
        GopherQualityFilter(language="jpn_Jpan", max_avg_word_length=c["max_avg_word_length"],
                            min_avg_word_length=c["min_avg_word_length"], stop_words=c["stopwords"],
                            max_non_alpha_words_ratio=c["max_non_alpha_words_ratio"], min_stop_words=2),
    ]


def model_steps(directory: str) -> list:
    """The model family alone, scoring with one model (classifier or LM) and no threshold."""
    from filters.quality.model_filter import QualityModelFilter
    from filters.quality.model_score import CLASSIFIER
    from filters.quality.options import ModelOptions

    kind = "classifier" if (Path(directory) / CLASSIFIER).exists() else "lm"
    return [QualityModelFilter(ModelOptions(enabled=True, **{kind: directory}))]


def run_chain(make_steps, texts: list[str]) -> tuple[float, int]:
    """CPU seconds to push the texts through fresh steps, and how many documents were kept."""
    from datatrove.data import Document

    steps = make_steps()
    data = (Document(text=t, id=str(i), metadata={"source": "web"}) for i, t in enumerate(texts))
    for step in steps:
        data = step.run(data)
    start = time.process_time()
    kept = sum(1 for _ in data)
    return time.process_time() - start, kept


def measure(chains: list[tuple[str, object, list[str]]], repeats: int) -> list[float]:
    """MB/s per core of each (label, make_steps, texts), the chains taking turns round by round."""
    for _, make_steps, texts in chains:
        run_chain(make_steps, texts[:5])  # warm-up: imports, dictionaries, compiled patterns
    seconds: list[list[float]] = [[] for _ in chains]
    kept = [0] * len(chains)
    for _ in range(repeats):
        for i, (_, make_steps, texts) in enumerate(chains):
            s, kept[i] = run_chain(make_steps, texts)
            seconds[i].append(s)
    rates = []
    for (label, _, texts), secs, k in zip(chains, seconds, kept):
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        rates.append(mb / statistics.median(secs))
        print(f"{label:58s} {rates[-1]:8.3f} MB/s per core  ({len(texts)} docs, {mb:.2f} MB, kept {k}, "
              f"median of {repeats}: {statistics.median(secs):.2f} s)", flush=True)
    return rates


GOPHER_DUP = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}  # Rae et al. 2021, Table A1


def threshold_check() -> None:
    """How many clean documents each set of duplicate-n-gram thresholds drops when n-grams are characters."""
    from filters.quality.analysis import analysis_of
    from filters.quality.cleanup import safe_nfkc
    from filters.quality.options import RepetitionOptions

    text_dir = DATA.parent
    leads = [json.loads(line)["text"] for line in DATA.open(encoding="utf-8")]

    def chunks(name: str, size: int) -> list[str]:
        out, current = [], []
        for line in (text_dir / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                current.append(line)
                if sum(map(len, current)) >= size:
                    out.append("\n".join(current))
                    current = []
        return out

    sets = {
        "KWDLC pages of 8 leads (~750 chars)": ["\n".join(leads[i : i + 8]) for i in range(0, len(leads), 8)],
        "坊っちゃん, 3,000-char chunks": chunks("aozora_bocchan_natsume-soseki.txt", 3000),
        "罪と罰, 3,000-char chunks": chunks("aozora_56656_tsumi-to-batsu_yonekawa.utf8.txt", 3000)[10:200],
        "news article (web/gold, 632 chars)": [(text_dir.parent / "web" / "gold" / "newspaper_japanese_article2.expected.txt")
                                               .read_text(encoding="utf-8")],
    }
    for label, thresholds in (("Gopher 0.15..0.10", GOPHER_DUP), ("FineWeb-2 jpn (default)", RepetitionOptions().max_dup_ngram_frac)):
        for name, docs in sets.items():
            failed = sum(1 for d in docs if any(analysis_of(safe_nfkc(d)).dup_ngram_fraction(n) > t for n, t in thresholds.items()))
            print(f"{label:26s} {name:40s} {failed:4d}/{len(docs):<4d} dropped ({failed / len(docs):.1%})")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--docs", type=int, default=171, help="documents for our chains")
    p.add_argument("--baseline-docs", type=int, default=171, help="documents for the (slow) baselines")
    p.add_argument("--model", action="append", default=[], metavar="DIR", help="also time this quality model's score")
    p.add_argument("--thresholds", action="store_true",
                   help="instead: how many clean documents Gopher's vs our duplicate-n-gram thresholds drop")
    args = p.parse_args()
    if not DATA.exists():
        print(f"data not found: {DATA}", file=sys.stderr)
        return 2
    if args.thresholds:
        threshold_check()
        return 0
    texts = load_documents(args.docs)
    baseline_texts = load_documents(args.baseline_docs)
    import platform

    print(f"# {platform.processor() or platform.machine()}, python {platform.python_version()}; data {DATA.name}; "
          f"load average {os.getloadavg()[0]:.2f}")
    ours_chains = [("ours: clean-up + default rules (Swallow, LLM-jp/HojiChar)", lambda: our_steps(False), texts),
                   ("ours: + noun ratio (fugashi/MeCab)", lambda: our_steps(True), texts)]
    if args.model:
        measure([(f"model score alone: {Path(m).name}", lambda m=m: model_steps(m), texts) for m in args.model], args.repeats)
    try:
        import sudachipy  # noqa: F401
    except ImportError:
        measure(ours_chains, args.repeats)
        print("baseline skipped: datatrove's Japanese tokenizer needs SudachiPy: pip install -e '.[bench]'")
        return 1
    ours, ours_nouns, base = measure(
        [*ours_chains, ("datatrove Gopher+FineWeb+Gopher, FineWeb-2 jpn (spaCy/Sudachi)", fineweb2_steps, baseline_texts)],
        args.repeats)

    from benchmarks.baselines import register_japanese_word_tokenizer

    register_japanese_word_tokenizer()
    (base_fugashi,) = measure([("datatrove Gopher+FineWeb+Gopher, FineWeb-2 jpn (fugashi)", fineweb2_steps, baseline_texts)],
                              args.repeats)
    print(f"# load average at the end {os.getloadavg()[0]:.2f}")
    print(f"ratio ours / datatrove (Sudachi):             {ours / base:6.1f}x")
    print(f"ratio ours+noun ratio / datatrove (Sudachi):  {ours_nouns / base:6.1f}x")
    print(f"ratio ours / datatrove (fugashi registered):  {ours / base_fugashi:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
