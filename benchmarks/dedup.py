"""Dedup benchmark: signature throughput against datatrove's MinhashDedupSignature (hashing
character 5-grams as ours does, the fair baseline, and in its stock form, SudachiPy word
5-grams), planted near-duplicates from real text, peak RSS.

    python benchmarks/dedup.py                 # everything (a few minutes on 2 cores)
    python benchmarks/dedup.py --only speed    # or: planted, memory
    python benchmarks/dedup.py --quick         # every part once, at a small size (CI: a broken baseline shows)

Needs ../shared/data, and for the stock baseline datatrove's Japanese word tokenizer:
`pip install sudachipy sudachidict_core`. Throughput is MB of UTF-8 text per CPU second of
this process (numpy's element-wise operations and SudachiPy are single-threaded), so it is
per core and other load on a shared machine does not count; medians over --repeats.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import Document
from datatrove.pipeline.dedup.exact_dedup import ExactDedupSignature
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.utils.hashing import HashConfig

from benchmarks.baselines import datatrove_char_minhash
from benchmarks.evalsets.planted_duplicates import plant, true_jaccard, with_copies
from corpus.config import ExecutorConfig
from corpus.formats.schema import SCHEMA, document_to_row, row_to_document
from corpus.run.stage import StageContext, run_stage
from filters.dedup.char_minhash import CharMinhashSignature
from filters.dedup.exact import exact_dedup_config
from filters.dedup.priority import SourcePriority
from filters.dedup.s_curve import merge_probability
from pipelines.dedup import STAGE, Options, minhash_config


def leads() -> list[str]:
    lines = (DATA / "text" / "kwdlc_web_leads.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines]


def kwdlc_documents() -> list[str]:
    """The 5,127 leads joined 30 at a time: 171 documents of about 2.8k characters (data README)."""
    texts = leads()
    return ["\n".join(texts[i : i + 30]) for i in range(0, len(texts), 30)]


def real_chunks(size: int = 2000) -> list[str]:
    """Documents cut from every real Japanese text we have (web leads and Aozora novels)."""
    texts = leads()
    chunks = ["\n".join(texts[i : i + 8]) for i in range(0, len(texts) - 8, 8)]
    for name in ("aozora_56656_tsumi-to-batsu_yonekawa.utf8.txt", "aozora_bocchan_natsume-soseki.txt"):
        novel = (DATA / "text" / name).read_text(encoding="utf-8")
        chunks += [novel[i : i + size] for i in range(0, len(novel) - size, size)]
    return chunks


def time_run(make_step, docs: list[Document], repeats: int) -> float:
    """Median CPU seconds of one full step run (hashing, writing and sorting the bucket
    files). CPU time of this one-threaded process: per core, and other load on a shared
    machine does not count."""
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            step = make_step(tmp)
            start = time.process_time()
            out = step.run(iter(docs), 0, 1)
            if out is not None:  # our step passes documents on
                for _ in out:
                    pass
            times.append(time.process_time() - start)
    return statistics.median(times)


def bench_speed(repeats: int, documents: int | None = None) -> dict:
    texts = kwdlc_documents()[:documents]
    docs = [Document(text=t, id=str(i), metadata={"source": "web"}) for i, t in enumerate(texts)]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    # stock: datatrove's defaults (word 5-grams, 14 x 8) with SudachiPy for Japanese; sha1 because
    # datatrove 0.10's xxhash path rejects str with xxhash 4
    stock_cfg = MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="sha1"))
    warm = MinhashDedupSignature(tempfile.mkdtemp(), stock_cfg, language="jpn")
    warm.word_tokenizer.word_tokenize("日本語の辞書を先に読み込む。")  # dictionary load is not per-document work
    results = {"input_mb": round(megabytes, 3), "documents": len(docs)}
    stock_s = time_run(lambda tmp: MinhashDedupSignature(tmp, stock_cfg, language="jpn"), docs, max(1, repeats // 2))
    results["stock_datatrove_jpn_words_14x8"] = round(megabytes / stock_s, 3)
    # fair: the same datatrove step hashing character 5-grams, the shingles ours hashes
    fair_s = time_run(lambda tmp: datatrove_char_minhash(tmp, stock_cfg), docs, repeats)
    results["datatrove_chars_14x8"] = round(megabytes / fair_s, 3)
    for label, bands, rows in (("ours_chars_14x8", 14, 8), ("ours_chars_40x20_swallow", 40, 20)):
        cfg = minhash_config(Options(bands=bands, rows_per_band=rows))
        seconds = time_run(lambda tmp, cfg=cfg: CharMinhashSignature(tmp, cfg), docs, repeats)
        results[label] = round(megabytes / seconds, 2)

    def with_exact(tmp):  # the whole signature pass of the stage: MinHash + exact hashes
        class Both:
            def run(self, data, rank, world):
                sigs = CharMinhashSignature(tmp + "/m", minhash_config(Options()))
                ExactDedupSignature(tmp + "/x", exact_dedup_config(SourcePriority())).run(sigs.run(data, rank, world), rank, world)
        return Both()

    results["ours_signature_pass_14x8_plus_exact"] = round(megabytes / time_run(with_exact, docs, repeats), 2)
    results["ratio_14x8_vs_datatrove_chars"] = round(results["ours_chars_14x8"] / results["datatrove_chars_14x8"], 1)
    results["ratio_14x8_vs_stock"] = round(results["ours_chars_14x8"] / results["stock_datatrove_jpn_words_14x8"], 1)
    return results


def write_input(path: Path, docs: list[Document]) -> str:
    """Parquet in the shape ShardWriter writes: row groups of 1,000 documents."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([document_to_row(d) for d in docs], schema=SCHEMA)
    pq.write_table(table, path, row_group_size=1000)
    return str(path)


def run_dedup(workdir: Path, inputs: list[str], **options) -> tuple[dict, StageContext]:
    ctx = StageContext(name="dedup", stage_dir=workdir, inputs=inputs, options=Options(**options),
                       executor=ExecutorConfig(tasks=2, workers=1), quiet=True)
    return run_stage(STAGE, ctx), ctx


def _clusters(excluded: list[Document]) -> dict[str, str]:
    """Removed document id -> the survivor it was merged into."""
    return {d.id: d.metadata.get("duplicate_of") or d.id for d in excluded}


def bench_planted(pairs: int, seed: int = 0) -> dict:
    """Each base document gets one planted copy at a random edit strength; the pair's true
    character 5-gram Jaccard is measured exactly; the stage runs on all of them. A pair is
    merged when base and copy end in the same cluster. Boilerplate comes from a text that is
    not among the bases (檸檬), so copies do not collide with unrelated bases by design."""
    rng = random.Random(seed)
    bases = real_chunks()
    rng.shuffle(bases)
    bases = bases[:pairs]
    boilerplate = (DATA / "text" / "aozora_lemon_kajii-motojiro.txt").read_text(encoding="utf-8")[:3000]
    shingler = CharMinhashSignature("memory://planted", minhash_config(Options()))
    docs, truth, texts = [], {}, {}
    for i, base in enumerate(bases):
        strength = 10 ** rng.uniform(-2.7, -0.3)  # 0.002 .. 0.5 of the characters edited
        copy = plant(base, strength, rng, boilerplate[rng.randrange(2000):])
        texts[f"base/{i}"], texts[f"copy/{i}"] = base, copy
        docs += [Document(text=base, id=f"base/{i}", metadata={"source": "web"}),
                 Document(text=copy, id=f"copy/{i}", metadata={"source": "web"})]
        truth[i] = true_jaccard(shingler.get_shingles(base), shingler.get_shingles(copy))
    rng.shuffle(docs)
    out: dict = {"pairs": len(truth), "megabytes": round(sum(len(d.text.encode()) for d in docs) / 1e6, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [write_input(Path(tmp) / "in" / f"{k}.parquet", docs[k::2]) for k in range(2)]
        for label, options in (
            ("default_14x8_verify_0.7", {}),
            ("fineweb_14x8_lsh_only", {"min_jaccard": 0.0}),
            ("swallow_40x20_lsh_only", {"bands": 40, "rows_per_band": 20, "min_jaccard": 0.0}),
        ):
            start = time.perf_counter()
            _, ctx = run_dedup(Path(tmp) / label, inputs, **options)
            seconds = time.perf_counter() - start
            excluded = [row_to_document(r) for p in sorted(ctx.excluded_dir.rglob("*.parquet"))
                        for r in pq.read_table(p, columns=["id", "metadata"]).to_pylist()]
            cluster = _clusters(excluded)
            merged = {i for i in truth if cluster.get(f"base/{i}", f"base/{i}") == cluster.get(f"copy/{i}", f"copy/{i}")}
            outside = [(d, s) for d, s in cluster.items() if d.split("/")[1] != s.split("/")[1]]
            outside_j = [true_jaccard(shingler.get_shingles(texts[d]), shingler.get_shingles(texts[s])) for d, s in outside]
            bands, rows = options.get("bands", 14), options.get("rows_per_band", 8)
            edges = (0.0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.01)
            bins = {}
            for lo, hi in itertools.pairwise(edges):
                members = [i for i, j in truth.items() if lo <= j < hi]
                if members:
                    expected = [merge_probability(truth[i], bands, rows, options.get("min_jaccard", 0.7)) for i in members]
                    bins[f"{lo:.2f}-{min(hi, 1.0):.2f}"] = {
                        "pairs": len(members),
                        "merged": round(len(merged.intersection(members)) / len(members), 3),
                        "s_curve": round(sum(expected) / len(expected), 3),  # mean over the bin's pairs
                    }
            high = [i for i, j in truth.items() if j >= 0.85]
            low = [i for i, j in truth.items() if j < 0.5]
            out[label] = {
                "recall_at_jaccard_ge_0.85": round(len(merged.intersection(high)) / max(1, len(high)), 4),
                "pairs_at_jaccard_ge_0.85": len(high),
                "false_merges_below_0.5": len(merged.intersection(low)),
                "pairs_below_0.5": len(low),
                "merges_outside_planted_pairs": len(outside),
                "lowest_true_jaccard_of_those": round(min(outside_j), 3) if outside_j else None,
                "seconds": round(seconds, 1),
                "by_true_jaccard": bins,
            }
    return out


def memory_corpus(folder: Path, documents: int, seed: int) -> tuple[list[str], float]:
    """`documents` distinct documents of 40 random real sentences (~5 kB), a tenth of them
    with a planted near-duplicate, in 4 parquet files."""
    rng = random.Random(seed)
    sentences = [s for c in real_chunks() for s in c.split("。") if s]
    docs = []
    for i, (text, copy) in enumerate(with_copies(sentences, documents, 40, 10, lambda t: plant(t, 0.01, rng), rng)):
        docs.append(Document(text=text, id=f"web/{i}", metadata={"source": "web"}))
        if copy is not None:
            docs.append(Document(text=copy, id=f"web/{i}-copy", metadata={"source": "web"}))
    inputs = [write_input(folder / f"{k}.parquet", docs[k::4]) for k in range(4)]
    return inputs, sum(len(d.text.encode()) for d in docs) / 1e6


STAGE_CHILD = """
import json, sys, tracemalloc
from pathlib import Path
sys.path.insert(0, {root!r})
import pyarrow as pa
import corpus.run.stage
from benchmarks.dedup import run_dedup, peak_rss_mb
idle = peak_rss_mb()
passes = {{}}
count_shards = corpus.run.stage.summarize_shards
def after_passes(folder):  # the runner counts the shards once every pass has run
    passes.setdefault("peak_rss_mb", peak_rss_mb())
    passes.setdefault("arrow_peak_mb", round(pa.default_memory_pool().max_memory() / 2**20))
    return count_shards(folder)
corpus.run.stage.summarize_shards = after_passes
tracemalloc.start()
report, _ = run_dedup(Path({out!r}), {inputs!r})
print(json.dumps({{"documents": report["documents"], "rss_after_imports_mb": idle,
                  "passes": passes, "python_objects_peak_mb": round(tracemalloc.get_traced_memory()[1] / 2**20),
                  "whole_run": {{"peak_rss_mb": peak_rss_mb(),
                                 "arrow_peak_mb": round(pa.default_memory_pool().max_memory() / 2**20)}}}}))
"""


def peak_rss_mb() -> int:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries the parent's
    high-water mark into a child across fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    raise RuntimeError("no VmHWM in /proc/self/status")


def bench_memory(documents: int) -> dict:
    """Peak RSS of the whole stage (4 input files, 2 tasks, one worker: every pass runs in
    the measured process) at 1x and 4x input, each in a fresh interpreter that only runs the
    stage; the inputs are written beforehand by this process. `passes` is the peak when the
    four passes are done, before the runner counts the output shards (corpus/run/accounting.py
    reads each kept shard whole, which grows with the shard)."""
    out = {}
    for scale in (1, 4):
        with tempfile.TemporaryDirectory() as tmp:
            inputs, megabytes = memory_corpus(Path(tmp) / "in", documents * scale, seed=scale)
            code = STAGE_CHILD.format(root=str(ROOT), out=str(Path(tmp) / "dedup"), inputs=inputs)
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
            out[f"{scale}x"] = {"input_mb": round(megabytes, 1), **json.loads(done.stdout.strip().splitlines()[-1])}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["speed", "planted", "memory"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=1000, help="planted pairs (at most one per real text chunk, ~1000)")
    parser.add_argument("--docs", type=int, default=4000, help="distinct documents at 1x for the memory run")
    parser.add_argument("--quick", action="store_true",
                        help="every part once at a small size: checks that ours and the baselines still run, measures nothing")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.pairs, args.docs = 1, 40, 200
    if not DATA.is_dir():
        sys.exit(f"real data not found at {DATA}")
    results = {}
    if args.only in (None, "speed"):
        results["signature_mb_per_s_per_core"] = bench_speed(args.repeats, 20 if args.quick else None)
        print(json.dumps(results["signature_mb_per_s_per_core"], indent=1), flush=True)
    if args.only in (None, "planted"):
        results["planted"] = bench_planted(args.pairs)
        print(json.dumps(results["planted"], indent=1), flush=True)
    if args.only in (None, "memory"):
        results["peak_rss"] = bench_memory(args.docs)
        print(json.dumps(results["peak_rss"], indent=1), flush=True)


if __name__ == "__main__":
    main()
