"""A rerun of a stage whose Slurm jobs are still queued waits for them instead of submitting the
same tasks again; a job stuck behind a failed dependency is an error, not an endless wait.

`sbatch` and `squeue` are stand-ins for the cluster's CLIs only (what they print is what
Slurm prints); the stage, datatrove's executor and its scripts are the real ones. The
pipeline on a real Slurm cluster is tests/test_slurm_pipeline.py.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from slurm_cluster import _executable, sbatch_recorder  # noqa: E402
from test_stage_runner import STAGE, Opts, inputs  # noqa: E402,F401 - inputs is a shared fixture

from corpus.config import ExecutorConfig  # noqa: E402
from corpus.run.executors import SLURM_JOBS  # noqa: E402
from corpus.run.stage import StageContext, run_stage  # noqa: E402


@pytest.fixture
def slurm_cli(tmp_path, monkeypatch):
    """`sbatch` that records and prints a job id; `squeue` that prints the file `queue`."""
    bin_dir, log, queue = tmp_path / "bin", tmp_path / "sbatch_calls.jsonl", tmp_path / "queue"
    sbatch_recorder(bin_dir, log, None)
    _executable(bin_dir / "squeue", f"#!/bin/sh\ncat {queue} 2>/dev/null\n")
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return log, queue


def context(tmp_path: Path, inputs: list[str]) -> StageContext:
    cfg = ExecutorConfig(type="slurm", partition="cpu", tasks=2, time="01:00:00")
    return StageContext(name="lines", stage_dir=tmp_path / "out", inputs=inputs, options=Opts(), executor=cfg, quiet=True)


def calls(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_rerun_while_the_jobs_are_queued_submits_nothing_again(tmp_path, inputs, slurm_cli):
    log, queue = slurm_cli
    ctx = context(tmp_path, inputs)
    assert run_stage(STAGE, ctx) is None
    submitted = calls(log)
    assert json.loads((ctx.stage_dir / SLURM_JOBS).read_text())["job_ids"] == ["1000"]  # the array job
    queue.write_text("1000 Resources\n")  # squeue -o "%i %r": job id, reason
    assert run_stage(STAGE, ctx) is None
    assert calls(log) == submitted, "the queued tasks were submitted a second time"


def test_rerun_after_the_jobs_ended_submits_the_unfinished_tasks(tmp_path, inputs, slurm_cli):
    log, queue = slurm_cli
    ctx = context(tmp_path, inputs)
    run_stage(STAGE, ctx)
    submitted = calls(log)
    queue.write_text("")  # the jobs ended, and (here) none of their tasks completed
    assert run_stage(STAGE, ctx) is None
    assert calls(log) > submitted


def test_a_job_waiting_on_a_failed_dependency_is_an_error_with_its_id(tmp_path, inputs, slurm_cli):
    log, queue = slurm_cli
    ctx = context(tmp_path, inputs)
    run_stage(STAGE, ctx)
    queue.write_text("1000 DependencyNeverSatisfied\n")
    with pytest.raises(RuntimeError, match="1000 wait on a job that failed"):
        run_stage(STAGE, ctx)
