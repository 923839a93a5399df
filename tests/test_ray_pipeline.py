"""The whole pipeline on a Ray cluster gives the local executor's output, byte for byte, and
survives a Ray worker killed mid-stage.

The cluster is started the documented way (docs/scale.md): `ray start --head`, then
`ray start --address=...` for one more worker node on this machine, token authentication
on, and `jacorpus run` finds it through RAY_ADDRESS. The pipeline is the reduced real
sample of `scale_sample` (every stage: ingest web/wiki/code, filter, dedup's four passes,
tokenizer, tokenize). Slow: three pipeline runs and a cluster start, about three minutes on
two cores.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import scale_sample  # noqa: E402
from ray_cluster import alive, start_cluster  # noqa: E402

pytestmark = pytest.mark.slow
STAGES = scale_sample.STAGES


@pytest.fixture(scope="module")
def sample(shared_data, tmp_path_factory):
    """The sample folder, where runs go, the Ray config, and the local run's outputs."""
    root, local = scale_sample.local_reference(tmp_path_factory, shared_data)
    config = scale_sample.write_sample(root / "in", shared_data, {"type": "ray", "tasks": 2, "workers": 2}, root / "run")
    return root, root / "run", config, local


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    pytest.importorskip("ray")
    pause = tmp_path_factory.mktemp("ray_pause")
    # the worker node loads tests/ray_pause/sitecustomize.py: the kill point of the second test
    worker_env = {"PYTHONPATH": os.pathsep.join([str(HERE / "ray_pause"), str(HERE.parent)]),
                  "JACORPUS_PAUSE_DIR": str(pause)}
    started = start_cluster(worker_env)
    started.pause_dir = pause
    yield started
    started.stop()


def test_every_stage_on_a_two_node_ray_cluster_gives_the_local_output(sample, cluster):
    root, run_dir, config, local = sample
    scale_sample.run_pipeline(config, cluster.env)
    ray_run = scale_sample.move_aside(run_dir, root / "ray")
    for stage in STAGES:
        assert (ray_run / stage / "report.json").is_file(), stage
    # every datatrove pass ran on the cluster (the executor.json of a RayPipelineExecutor), the
    # tokenizer too: as a one-task job, not in the driver
    for pass_dir in ["ingest_web", "filter", *(f"dedup/passes/{p}" for p in ("signatures", "buckets", "clusters",
                                                                                 "filter")), "tokenizer/job", "tokenize"]:
        assert json.loads((ray_run / pass_dir / "executor.json").read_text())["_launched"] is True, pass_dir
    dedup = (local / "dedup" / "report.json").read_text()
    assert '"exact_duplicate"' in dedup and '"near_duplicate"' in dedup  # the sample gives dedup work
    scale_sample.assert_same_as_local(ray_run, local)


def test_a_ray_worker_killed_mid_stage_loses_and_doubles_nothing(sample, cluster):
    root, run_dir, config, local = sample
    (cluster.pause_dir / "arm").write_text("filter")
    ready = cluster.pause_dir / "ready"
    proc = scale_sample.start_pipeline(config, cluster.env)
    task_pid = worker_pid = None
    try:
        deadline = time.time() + 600
        while not ready.exists():
            assert proc.poll() is None, f"finished before the filter wrote on the worker node: {proc.stderr.read()[-2000:]}"
            assert time.time() < deadline, "the kill point was never reached"
            time.sleep(0.1)
        task_pid, worker_pid = (int(x) for x in ready.read_text().split())
        assert list((run_dir / "filter").rglob("*.partial")), "no shard was open at the kill"
        os.kill(worker_pid, signal.SIGKILL)  # the Ray worker (actor) running the task
        deadline = time.time() + 30
        while alive(task_pid):  # its task process must not live on beside the retry
            assert time.time() < deadline, f"task process {task_pid} outlived its Ray worker {worker_pid}"
            time.sleep(0.1)
        err = scale_sample.finish(proc)
    finally:
        for pid in (task_pid, worker_pid):
            if pid and alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "RayActorError" in err  # datatrove saw the worker die and ran the task again
    killed = scale_sample.move_aside(run_dir, root / "killed")
    assert not list(killed.rglob("*.partial"))
    scale_sample.assert_same_as_local(killed, local)
