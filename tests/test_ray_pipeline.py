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
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import scale_sample  # noqa: E402
from ray_cluster import alive, start_cluster  # noqa: E402
from benchmarks.harness.run_outputs import differences  # noqa: E402

pytestmark = pytest.mark.slow
STAGES = ["ingest_web", "ingest_wiki", "ingest_code", "filter", "dedup", "tokenizer", "tokenize"]


def jacorpus_run(config: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "corpus.cli", "run", str(config), "--quiet"], cwd=HERE.parent,
                            env={**env, "PYTHONPATH": str(HERE.parent)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 900) -> str:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    assert proc.returncode == 0, err[-4000:]
    return err


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


def assert_same_as_local(run: Path, local: Path) -> None:
    documents, reference = scale_sample.documents(run), scale_sample.documents(local)
    for stage in STAGES[:5]:
        assert documents[stage] == reference[stage], f"{stage}: other documents, texts or reasons than local"
    assert scale_sample.token_files(run) == scale_sample.token_files(local)
    assert differences(scale_sample.compared_outputs(run), scale_sample.compared_outputs(local)) == []


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
    assert_same_as_local(ray_run, local)


def test_a_ray_worker_killed_mid_stage_loses_and_doubles_nothing(sample, cluster):
    root, run_dir, config, local = sample
    (cluster.pause_dir / "arm").write_text("filter")
    ready = cluster.pause_dir / "ready"
    proc = jacorpus_run(config, cluster.env)
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
        err = finish(proc)
    finally:
        for pid in (task_pid, worker_pid):
            if pid and alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "RayActorError" in err  # datatrove saw the worker die and ran the task again
    killed = scale_sample.move_aside(run_dir, root / "killed")
    assert not list(killed.rglob("*.partial"))
    assert_same_as_local(killed, local)
