"""The whole pipeline on Slurm gives the local executor's output, byte for byte, with the
multi-pass stages chained by `afterok`.

With Slurm installed (slurmctld, slurmd, sbatch; root), a one-node cluster is started for the
test and `jacorpus run` is called as a user would: it submits a stage and returns, and is
called again once the queue is empty, until every stage has its report. Without Slurm the
same scripts are run in submission order by `slurm_cluster.FakeScheduler` (array tasks, the
environment Slurm gives them, `srun` running its command), checking each `afterok`. The
pipeline is the reduced real sample of `scale_sample`. Slow: a few minutes on two cores.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import scale_sample  # noqa: E402
from slurm_cluster import FakeScheduler, dependency_chain, sbatch_recorder, slurm_installed, start_slurm, submissions  # noqa: E402

pytestmark = pytest.mark.slow
STAGES = scale_sample.STAGES
EXECUTOR = {"type": "slurm", "partition": "debug", "tasks": 2, "time": "00:30:00", "cpus_per_task": 1,
            "mem_per_cpu_gb": 1}


@pytest.fixture(scope="module")
def sample(shared_data, tmp_path_factory):
    root, local = scale_sample.local_reference(tmp_path_factory, shared_data)
    return root, root / "run", scale_sample.write_sample(root / "in", shared_data, EXECUTOR, root / "run"), local


def finished(run_dir: Path) -> bool:
    return all((run_dir / stage / "report.json").is_file() for stage in STAGES)


def assert_passes_chained(log: Path) -> None:
    """Each pass of a stage waits on the one before it (datatrove's `depends`), and each
    array's stats merge waits on its array."""
    chain = dependency_chain(submissions(log))
    assert chain["dedup_buckets"] >= {"dedup_signatures"}
    assert chain["dedup_clusters"] >= {"dedup_buckets"}
    assert chain["dedup_filter"] >= {"dedup_clusters"}
    assert chain["dedup_signatures"] == set()
    for name in ("dedup_signatures", "dedup_buckets", "dedup_clusters", "dedup_filter", "filter_main"):
        assert chain[f"{name}/merge_stats"] == {name}
    names = [s.name for s in submissions(log)]
    for stage in ("ingest_web_main", "filter_main", "tokenizer_job", "tokenize_main"):
        assert stage in names, f"{stage} was never submitted"


@pytest.mark.skipif(not slurm_installed(), reason="needs slurmctld, slurmd and sbatch (apt-get install slurmctld "
                    "slurmd slurm-client) and root")
def test_every_stage_on_a_real_slurm_cluster_gives_the_local_output(sample, tmp_path):
    root, run_dir, config, local = sample
    cluster = start_slurm()
    try:
        log = tmp_path / "sbatch_calls.jsonl"
        bin_dir = sbatch_recorder(tmp_path / "bin", log, real_sbatch=os.popen("command -v sbatch").read().strip()).parent
        env = {**cluster.env, "PATH": f"{bin_dir}:{cluster.env['PATH']}"}
        for _ in range(len(STAGES) + 3):  # one stage per call, and a call to write the last report
            err = scale_sample.run_pipeline(config, env)
            if finished(run_dir):
                break
            cluster.wait_idle()
        assert finished(run_dir), err[-2000:]
    finally:
        cluster.stop()
    assert_passes_chained(log)
    # Slurm ran each pass after the one it waits on: their completion markers say so
    marks = {p: min(f.stat().st_mtime for f in (run_dir / "dedup" / "passes" / p / "completions").iterdir())
             for p in ("signatures", "buckets", "clusters", "filter")}
    last = {p: max(f.stat().st_mtime for f in (run_dir / "dedup" / "passes" / p / "completions").iterdir())
            for p in ("signatures", "buckets", "clusters", "filter")}
    assert last["signatures"] <= marks["buckets"] and last["buckets"] <= marks["clusters"] <= marks["filter"]
    slurm_run = scale_sample.move_aside(run_dir, root / "slurm")
    scale_sample.assert_same_as_local(slurm_run, local)


def test_generated_slurm_scripts_run_in_order_give_the_local_output(sample, tmp_path):
    root, run_dir, config, local = sample
    scheduler = FakeScheduler.create(tmp_path)
    for _ in range(len(STAGES) + 3):
        scale_sample.run_pipeline(config, scheduler.env)
        if finished(run_dir):
            break
        scheduler.run_pending(tmp_path)
    assert finished(run_dir)
    assert_passes_chained(scheduler.log)
    fake_run = scale_sample.move_aside(run_dir, root / "slurm_scripts")
    scale_sample.assert_same_as_local(fake_run, local)
