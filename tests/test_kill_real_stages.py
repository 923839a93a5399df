"""SIGKILL each real stage while it writes (a `.partial` shard open with data in it), rerun the
same command, and get exactly the output of an uninterrupted run.

The inputs are the demo's (made by the project, so this runs in CI without ../shared/data).
Each stage runs as two tasks one after the other and is killed while its second task
writes, the first one complete (a single-file input runs as one task: killed while it
writes). The test is slow (about 20 CLI runs), so it runs with the slow tests in CI.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from benchmarks.evalsets import bad_inputs  # noqa: E402
from benchmarks.harness.run_outputs import differences, outputs  # noqa: E402

pytestmark = pytest.mark.slow
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "JACORPUS_QUIET": "1"}
COMMON = ["--tasks", "2", "--workers", "1", "--quiet"]


def cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "corpus.cli", *args, *COMMON], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """Demo inputs, their ingest outputs (the later stages' inputs) and a tiny tokenizer."""
    from data_manifests.demo import make_all

    root = tmp_path_factory.mktemp("kill_real")
    make_all(root / "in")
    for kind in ("web", "wiki", "code"):
        done = cli(["ingest", kind, "-i", str(root / "in" / kind), "-o", str(root / "up" / kind)], root)
        assert done.returncode == 0, done.stderr
    bad_inputs.sentencepiece_model(root / "tok")
    return root


def stage_args(stage: str, work: Path, out: Path) -> list[str]:
    shards = [str(work / "up" / kind) for kind in ("web", "wiki", "code")]
    return {
        "ingest_web": ["ingest", "web", "-i", str(work / "in" / "web")],
        "ingest_wiki": ["ingest", "wiki", "-i", str(work / "in" / "wiki")],
        "ingest_code": ["ingest", "code", "-i", str(work / "in" / "code")],
        "filter": ["filter", "-i", *shards],
        "dedup": ["dedup", "-i", *shards],
        "tokenize": ["tokenize", "-i", *shards, "--set", f"tokenizer={work / 'tok' / 'tiny.model'}"],
    }[stage] + ["-o", str(out)]


def writing(out: Path) -> list[Path]:
    """Files a task is writing: `.partial` shards, or token `.bin` files without their `.idx`."""
    return list(out.rglob("*.partial")) + [b for b in out.rglob("*.bin") if not b.with_suffix(".idx").exists()]


def kill_mid_write(args: list[str], work: Path, rank: int) -> list[Path]:
    ready = work / f"ready_{time.monotonic_ns()}"
    proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "harness" / "stage_pause.py"), str(ready), str(rank), "--", *args, *COMMON],
                            cwd=work, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.time() + 300
        while not ready.exists():
            if proc.poll() is not None:
                raise AssertionError(f"finished before task {rank} wrote a document: {proc.stderr.read()[-800:]!r}")
            assert time.time() < deadline, "the kill point was never reached"
            time.sleep(0.02)
        return writing(Path(args[args.index("-o") + 1]))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)


STAGES = ["ingest_web", "ingest_wiki", "ingest_code", "filter", "dedup", "tokenize"]
# the task killed mid-write: the second (the first done) where the inputs make two tasks
KILLED_TASK = {"ingest_web": 0, "ingest_wiki": 0}


@pytest.mark.parametrize("stage", STAGES)
def test_sigkill_while_a_real_stage_writes_then_rerun_gives_the_uninterrupted_output(stage, work):
    out = work / "out" / stage  # the same path every time: outputs record where they were written
    args = stage_args(stage, work, out)
    done = cli(args, work)
    assert done.returncode == 0, done.stderr
    reference = outputs(out)
    shutil.rmtree(out)
    rank = KILLED_TASK.get(stage, 1)
    open_files = kill_mid_write(args, work, rank)
    assert open_files, f"{stage}: nothing was being written at the kill"
    assert not (out / "report.json").exists()
    done = cli(args, work)
    assert done.returncode == 0, done.stderr
    assert not writing(out), f"{stage}: left {writing(out)}"
    assert differences(reference, outputs(out)) == [], f"{stage}, killed in task {rank}"
