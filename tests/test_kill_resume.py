"""Kill a stage with SIGKILL at several points, rerun it, and get the uninterrupted output.

A killed task leaves only `.partial` files (never a shard a reader takes for complete);
the rerun skips tasks whose completion marker exists and redoes the rest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

RUNNER = """
import sys, time
sys.path[:0] = [{root!r}, {here!r}]
from pathlib import Path
from datatrove.pipeline.base import PipelineStep
from corpus.config import ExecutorConfig
from corpus.run.stage import DatatroveStage, StageContext, run_stage
from test_stage_runner import LineReader, ShortFilter, Opts
from corpus.readers.exclusion import ExcludeMarked

class Slow(PipelineStep):
    name = "slow"
    def run(self, data, rank=0, world_size=1):
        for doc in data:
            time.sleep({delay})
            yield doc

def build(ctx):
    return [LineReader(ctx.inputs), ExcludeMarked(exclusion_writer=ctx.exclusion_writer("reader")), Slow(),
            ShortFilter(exclusion_writer=ctx.exclusion_writer("short")), ctx.shard_writer()]

stage = DatatroveStage(name="lines", options=Opts, reads="", writes="", build=build)
inputs = sys.argv[2:]
run_stage(stage, StageContext(name="lines", stage_dir=Path(sys.argv[1]), inputs=inputs, options=Opts(),
                              executor=ExecutorConfig(tasks=3, workers={workers}), quiet=True))
"""


def start(out: Path, inputs: list[str], delay: float, workers: int = 1) -> subprocess.Popen:
    code = RUNNER.format(root=str(ROOT), here=str(HERE), delay=delay, workers=workers)
    return subprocess.Popen([sys.executable, "-c", code, str(out), *inputs],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def kept(out: Path) -> list[tuple]:
    rows = []
    for folder in ("shards", "excluded"):
        for f in sorted((out / folder).glob("*.parquet")):
            rows.extend((folder, r["id"], r["text"], (r["metadata"] or {}).get("reason")) for r in pq.read_table(f).to_pylist())
    return sorted(rows)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    paths = []
    for n in range(3):
        p = d / f"in{n}.txt"
        p.write_text("".join(f"文書{n}-{i}の本文です\n" if i % 5 else "x\n" for i in range(40)), encoding="utf-8")
        paths.append(str(p))
    return paths


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out"
    proc = start(out, inputs, delay=0.0)
    assert proc.wait(timeout=120) == 0
    return kept(out)


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("the kill point was never reached")


KILL_POINTS = {
    # mid-task: the first task has opened its shard but not finished
    "mid_first_task": lambda out: any((out / "shards").glob("*.partial")),
    # between tasks: the first task has finished, the second is running
    "after_first_task": lambda out: (out / "completions" / "00000").exists(),
    # late: two of three tasks done
    "after_second_task": lambda out: (out / "completions" / "00001").exists(),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_then_rerun_gives_the_uninterrupted_output(point, inputs, reference, tmp_path):
    out = tmp_path / "out"
    proc = start(out, inputs, delay=0.01)
    wait_for(lambda: KILL_POINTS[point](out))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (out / "report.json").exists()
    done = {p.name for p in (out / "completions").glob("*")} if (out / "completions").exists() else set()
    for f in (out / "shards").glob("*.parquet"):  # a complete-looking shard only from a completed task
        assert f.name.split(".")[0] in done
    rerun = start(out, inputs, delay=0.0)
    assert rerun.wait(timeout=120) == 0
    assert kept(out) == reference
    assert not list(out.rglob("*.partial"))
    assert (out / "report.json").exists()


def live_processes_in_group(pgid: int) -> list[int]:
    """Processes of a process group that still run (zombies waiting for a reaper do not count)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(stat.parent.name))
    return found


def test_killing_only_the_main_process_takes_its_workers_with_it(inputs, reference, tmp_path):
    """A pool worker that outlives its main process would rename files under the rerun's feet
    (FileNotFoundError) and hold the directory; datatrove's Manager would outlive it forever."""
    out = tmp_path / "out"
    proc = start(out, inputs, delay=0.02, workers=3)
    try:
        wait_for(lambda: any((out / "shards").glob("*.partial")))
        assert len(live_processes_in_group(proc.pid)) > 1  # the pool is running
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, as `kill PID` from a shell would
        proc.wait(timeout=30)
        wait_for(lambda: not live_processes_in_group(proc.pid), timeout=10)
    finally:
        if live_processes_in_group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    rerun = start(out, inputs, delay=0.0, workers=3)
    assert rerun.wait(timeout=120) == 0
    assert kept(out) == reference
    assert not list(out.rglob("*.partial"))
