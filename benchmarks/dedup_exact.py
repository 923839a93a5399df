"""Exact-dedup tie-break benchmark: datatrove's ExactDedupSignature + ExactFindDedups (the
baseline, survivor of a tie = first read within a task) against ours
(ExactDedupSignatureWithId + ExactFindDedupsById, survivor of a tie = smallest id), in
the same process run, on the same documents.

    python benchmarks/dedup_exact.py                # a minute or two on 2 cores
    python benchmarks/dedup_exact.py --docs 40000 --repeats 5

Documents are 10 random real sentences (web leads and Aozora novels from ../shared/data),
a third of them with an exact copy (other line breaks and spacing) elsewhere in the input,
in 4 parquet files. Timed in CPU seconds of this one process (per core; other load on a
shared machine does not count), medians over --repeats, runs interleaved:
- stage 1 over the 4 tasks and stage 2 (one finder task), each step alone;
- the whole dedup stage (4 passes, 4 tasks, 1 worker so every task runs in this process)
  with the two exact steps swapped in `pipelines.dedup`.
It also checks that ours keeps the same surviving ids with 1 and 4 tasks.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow.parquet as pq
from datatrove.data import Document
from datatrove.pipeline.dedup.exact_dedup import ExactDedupSignature, ExactFindDedups

import pipelines.dedup as dedup_stage
from benchmarks.dedup import DATA, real_chunks, write_input
from benchmarks.evalsets.planted_duplicates import with_copies
from corpus.config import ExecutorConfig
from corpus.run.stage import StageContext, run_stage
from filters.dedup.exact import ExactDedupSignatureWithId, ExactFindDedupsById, exact_dedup_config
from filters.dedup.priority import SourcePriority

STEPS = {"datatrove": (ExactDedupSignature, ExactFindDedups), "ours": (ExactDedupSignatureWithId, ExactFindDedupsById)}


def corpus(documents: int, seed: int = 0) -> list[list[Document]]:
    rng = random.Random(seed)
    sentences = [s for c in real_chunks() for s in c.split("。") if s]
    docs = []  # exact copies up to whitespace; random ids, so hash order is not insertion order
    for i, (text, copy) in enumerate(with_copies(sentences, documents, 10, 3,
                                                 lambda t: "\n" + t.replace("。", "。\n", 3) + "  ", rng)):
        docs.append(Document(text=text, id=f"web/{rng.randrange(10**9):09d}-{i}", metadata={"source": "web"}))
        if copy is not None:
            docs.append(Document(text=copy, id=f"web/{rng.randrange(10**9):09d}-{i}c", metadata={"source": "web"}))
    rng.shuffle(docs)
    return [docs[k::4] for k in range(4)]


def time_steps(kind: str, tasks: list[list[Document]]) -> tuple[float, float]:
    sign, find = STEPS[kind]
    config = exact_dedup_config(SourcePriority())
    with tempfile.TemporaryDirectory() as tmp:
        start = time.process_time()
        for rank, docs in enumerate(tasks):
            sign(tmp + "/sigs", config).run(iter(docs), rank, len(tasks))
        signed = time.process_time()
        find(tmp + "/sigs", tmp + "/dups", config).run(None, 0, 1)
        return signed - start, time.process_time() - signed


def run_stage_with(kind: str, inputs: list[str], workdir: Path, tasks: int = 4) -> tuple[float, dict, list[str]]:
    dedup_stage.ExactDedupSignatureWithId, dedup_stage.ExactFindDedupsById = STEPS[kind]
    try:
        ctx = StageContext(name="dedup", stage_dir=workdir, inputs=inputs, options=dedup_stage.Options(),
                           executor=ExecutorConfig(tasks=tasks, workers=1), quiet=True)
        start = time.process_time()
        report = run_stage(dedup_stage.STAGE, ctx)
        seconds = time.process_time() - start
    finally:
        dedup_stage.ExactDedupSignatureWithId, dedup_stage.ExactFindDedupsById = STEPS["ours"]
    kept = sorted(i for p in ctx.shards_dir.glob("*.parquet") for i in pq.read_table(p, columns=["id"]).column(0).to_pylist())
    return seconds, report["documents"], kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000, help="distinct documents (a third get a copy)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"real data not found at {DATA}")
    tasks = corpus(args.docs)
    exact_dedup_config(SourcePriority()).content_getter(tasks[0][0])  # builds the NFKC tables: not per-run work
    n = sum(map(len, tasks))
    megabytes = sum(len(d.text.encode()) for t in tasks for d in t) / 1e6
    times: dict[str, dict[str, list[float]]] = {k: {"stage_1": [], "stage_2": [], "whole_stage": []} for k in STEPS}
    kept: dict[str, dict[int, list[str]]] = {k: {} for k in STEPS}
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [write_input(Path(tmp) / "in" / f"{k}.parquet", docs) for k, docs in enumerate(tasks)]
        for repeat in range(args.repeats):
            for kind in STEPS:
                s1, s2 = time_steps(kind, tasks)
                times[kind]["stage_1"].append(s1)
                times[kind]["stage_2"].append(s2)
                seconds, documents, ids = run_stage_with(kind, inputs, Path(tmp) / f"{kind}{repeat}")
                times[kind]["whole_stage"].append(seconds)
                kept[kind][4] = ids
        for kind in STEPS:
            kept[kind][1] = run_stage_with(kind, inputs, Path(tmp) / f"{kind}_one_task", tasks=1)[2]
    out: dict = {"documents": n, "input_mb": round(megabytes, 2), "kept": documents["kept"], "repeats": args.repeats}
    for kind in STEPS:
        out[kind] = {step: round(statistics.median(v), 3) for step, v in times[kind].items()}
        out[kind]["same_survivors_1_and_4_tasks"] = kept[kind][1] == kept[kind][4]
    out["ratio_ours_over_datatrove_cpu_s"] = {
        step: round(out["ours"][step] / out["datatrove"][step], 2) for step in ("stage_1", "stage_2", "whole_stage")
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
