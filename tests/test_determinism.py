"""The same inputs and config give byte-identical shards and reports.

Each run is a fresh process with its own PYTHONHASHSEED, so anything that leaks set or
dict-of-hash order into the output shows up. Runs go to the same path one after the
other (the first is moved aside), because documents record the path they came from.

What is compared (docs/reliability.md, "Determinism"): every parquet file (kept and
excluded shards, token-shard sidecars, dedup intermediates), Megatron .bin/.idx, the
tokenizer model, and every JSON file with its timing keys (VOLATILE) removed. Not
compared: datatrove's own bookkeeping (logs/, stats/, completions/, executor.json,
stats.json) and torch.distributed.checkpoint's `.metadata` pickle.

Across worker counts (`--workers`, tasks run at once) the output is byte-identical. Across
task counts (`--tasks`, how inputs are split) every stage keeps the same documents but
lays them out in other files; dedup ties (same source) keep the smallest id, so the same
copy survives whatever the split.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchmarks.evalsets import bad_inputs as bad
from benchmarks.harness.run_outputs import differences, outputs

ROOT = Path(__file__).resolve().parent.parent

# one process runs the stages in order through the CLI's entry point (imports are paid once)
DRIVER = """
import sys
from corpus.cli import main
inputs, out, tasks, workers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
common = ["--tasks", tasks, "--workers", workers, "--quiet"]
steps = [
    ["ingest", "web", "--input", f"{inputs}/web", "--output", f"{out}/ingest_web"],
    ["ingest", "wiki", "--input", f"{inputs}/wiki", "--output", f"{out}/ingest_wiki"],
    ["ingest", "code", "--input", f"{inputs}/code", "--output", f"{out}/ingest_code"],
    ["dedup", "--input", f"{out}/ingest_web", f"{out}/ingest_wiki", f"{out}/ingest_code", "--output", f"{out}/dedup"],
    ["tokenizer", "train", "--input", f"{out}/dedup", "--output", f"{out}/tokenizer"],
    ["tokenize", "--input", f"{out}/dedup", "--output", f"{out}/tokenize",
     "--set", f"tokenizer={out}/tokenizer/tokenizer.model"],
]
for argv in steps:
    rc = main(argv + common)
    if rc:
        sys.exit(f"{argv[0]} exited {rc}")
"""


def documents(stage_dir: Path) -> list[tuple]:
    """Every kept and excluded row of a stage as a sorted list, whatever files hold them."""
    found = []
    for folder in ("shards", "excluded"):
        for f in sorted((stage_dir / folder).glob("*.parquet")):
            for r in pq.read_table(f).to_pylist():
                found.append((folder, r["id"], r["text"], json.dumps(r["metadata"], sort_keys=True, default=str)))
    return sorted(found)


def run_driver(inputs: Path, out: Path, seed: int, tasks: int, workers: int) -> None:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(inputs), str(out), str(tasks), str(workers)],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The demo's inputs, plus a second WARC so that two tasks both have work."""
    from data_manifests.demo import make_all

    d = tmp_path_factory.mktemp("inputs")
    make_all(d)
    bad.write_warc_gz(d / "web" / "second.warc.gz", bad.good_records(70, 3))
    return d


@pytest.fixture(scope="module")
def two_runs(inputs, tmp_path_factory) -> tuple[dict, dict]:
    """Run 1: hash seed 1, two tasks one at a time. Run 2: hash seed 2, two tasks at once."""
    d = tmp_path_factory.mktemp("runs")
    run_driver(inputs, d / "run", seed=1, tasks=2, workers=1)
    first = outputs(d / "run")
    shutil.rmtree(d / "run")
    run_driver(inputs, d / "run", seed=2, tasks=2, workers=2)
    return first, outputs(d / "run")


def test_rerun_with_another_hash_seed_and_worker_count_gives_identical_outputs(two_runs):
    first, second = two_runs
    assert differences(first, second) == []


def test_compared_outputs_cover_every_stage_and_every_kind_of_file(two_runs):
    first, _ = two_runs
    stages = {k.split("/", 1)[0] for k in first}
    assert stages == {"ingest_web", "ingest_wiki", "ingest_code", "dedup", "tokenizer", "tokenize"}
    for kind in ("shards/00000.parquet", "excluded/", "report.json", ".bin", ".idx", "tokenizer.model", "work/"):
        assert any(kind in k for k in first), kind


def test_reports_are_compared_without_their_timings_but_with_their_counts(two_runs):
    first, _ = two_runs
    report = first["ingest_web/report.json"]
    assert "elapsed_s" not in report and report["documents"]["in"] > 0 and report["excluded_by_reason"] is not None


# -- slow: the whole demo pipeline, and task counts -----------------------------------------


def _jacorpus_run(cwd: Path, seed: int, *extra: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "corpus.cli", "run", "--quiet", *extra], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.slow
def test_demo_pipeline_run_twice_gives_identical_outputs(tmp_path):
    """`jacorpus run` end to end (filter and train included), twice in the same directory."""
    _jacorpus_run(tmp_path, seed=1)
    first = outputs(tmp_path / "runs" / "demo")
    shutil.rmtree(tmp_path / "runs")
    _jacorpus_run(tmp_path, seed=2)
    second = outputs(tmp_path / "runs" / "demo")
    assert differences(first, second) == []
    # training on CPU is bit-reproducible: same weights, same losses
    assert any(k.startswith("train/checkpoints/") and k.endswith(".distcp") for k in first)


@pytest.mark.slow
def test_every_stage_keeps_the_same_documents_with_one_task_or_three(inputs, tmp_path):
    run_driver(inputs, tmp_path / "one", seed=1, tasks=1, workers=1)
    run_driver(inputs, tmp_path / "three", seed=1, tasks=3, workers=3)
    for stage in ("ingest_web", "ingest_wiki", "ingest_code", "dedup"):
        assert documents(tmp_path / "one" / stage) == documents(tmp_path / "three" / stage), stage

    def tokens(root: Path) -> list:
        rows = []
        for f in sorted((root / "tokenize").glob("*/*.docs.parquet")):
            rows += [(f.parent.name, r["id"], r["tokens"]) for r in pq.read_table(f).to_pylist()]
        return sorted(rows)

    assert tokens(tmp_path / "one") == tokens(tmp_path / "three")
    for stage in ("ingest_web", "dedup", "tokenize"):
        one = json.loads((tmp_path / "one" / stage / "report.json").read_text())
        three = json.loads((tmp_path / "three" / stage / "report.json").read_text())
        assert one["documents"] == three["documents"] and one["excluded_by_reason"] == three["excluded_by_reason"]


@pytest.mark.slow
def test_dedup_near_duplicate_ties_keep_the_same_copy_whatever_the_task_count(tmp_path):
    """Two near-duplicates of equal source and length: the smallest id survives, so neither
    the count nor the choice changes with --tasks."""
    inp = tmp_path / "in"
    inp.mkdir()
    text = bad.JA_PARAGRAPH * 3
    bad.shard(inp / "a.parquet", [("web/a1", "まったく別の文書です。" * 20)])
    bad.shard(inp / "b.parquet", [("web/b1", text)])
    bad.shard(inp / "c.parquet", [("web/c1", text.replace("北側", "南側", 1))])
    env = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    kept = {}
    for tasks in (1, 2):
        out = tmp_path / f"t{tasks}"
        subprocess.run([sys.executable, "-m", "corpus.cli", "dedup", "--input", str(inp), "--output", str(out),
                        "--tasks", str(tasks), "--quiet"], env=env, check=True, capture_output=True, timeout=300)
        kept[tasks] = sorted(r[1] for r in documents(out) if r[0] == "shards")
    assert len(kept[1]) == len(kept[2]) == 2
    assert kept[1] == kept[2] == ["web/a1", "web/b1"]
