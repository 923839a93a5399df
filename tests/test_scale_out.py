"""Scale-out: the same stage on Slurm (sbatch scripts read back, tasks run as the cluster would)
and on a local Ray cluster, giving the local executor's output."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus.config import ExecutorConfig
from corpus.run.stage import StageContext, run_stage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_stage_runner import STAGE, Opts, inputs  # noqa: E402,F401 - inputs is a shared fixture


@pytest.fixture
def fake_sbatch(tmp_path, monkeypatch):
    """Stands in for the cluster's `sbatch` CLI only: records each call and prints a job id."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "sbatch_calls.jsonl"
    script = bin_dir / "sbatch"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys, shutil\n"
        f"calls = open({str(log)!r}, 'a')\n"
        "path = sys.argv[-1]\n"
        "calls.write(json.dumps({'args': sys.argv[1:-1], 'script': open(path).read()}) + '\\n')\n"
        "n = sum(1 for _ in open(" + repr(str(log)) + "))\n"
        "print(f'Submitted batch job {1000 + n}')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return log


def kept_rows(stage_dir: Path) -> list[tuple]:
    rows = []
    for f in sorted((stage_dir / "shards").glob("*.parquet")):
        rows.extend((r["id"], r["text"]) for r in pq.read_table(f).to_pylist())
    return sorted(rows)


def test_slurm_writes_sbatch_array_and_reports_once_tasks_finish(tmp_path, inputs, fake_sbatch):
    cfg = ExecutorConfig(type="slurm", partition="cpu", tasks=2, time="01:00:00", cpus_per_task=2,
                         sbatch_args={"account": "jp-llm"})
    ctx = StageContext(name="lines", stage_dir=tmp_path / "slurm", inputs=inputs, options=Opts(), executor=cfg, quiet=True)
    assert run_stage(STAGE, ctx) is None  # queued, not finished
    script = (tmp_path / "slurm" / "launch_script.slurm").read_text()
    for directive in ("--partition=cpu", "--array=0-1", "--cpus-per-task=2", "--time=01:00:00", "--account=jp-llm",
                      "--job-name=lines_main"):
        assert f"#SBATCH {directive}" in script
    assert "launch_pickled_pipeline" in script and str(tmp_path / "slurm" / "executor.pik") in script
    calls = [json.loads(line) for line in fake_sbatch.read_text().splitlines()]
    assert calls[0]["args"][0] == "--export=ALL,RUN_OFFSET=0"
    assert any("afterok:1000" in " ".join(c["args"]) + c["script"] for c in calls[1:])  # stats merge after the array
    assert not (tmp_path / "slurm" / "report.json").exists()

    # the cluster runs each array task from the pickled executor; we run that same pickled
    # pipeline here, task by task, with datatrove's local executor on the same logging dir
    import dill
    from datatrove.executor import LocalPipelineExecutor

    with open(tmp_path / "slurm" / "executor.pik", "rb") as f:
        pickled = dill.load(f)
    assert [type(s).__name__ for s in pickled.pipeline] == ["LineReader", "ExcludeMarked", "ShortFilter", "ShardWriter"]
    LocalPipelineExecutor(pickled.pipeline, tasks=pickled.tasks, workers=1, logging_dir=str(tmp_path / "slurm")).run()
    report = run_stage(STAGE, ctx)
    assert report["documents"] == {"in": 12, "kept": 6, "excluded": 6}

    local = StageContext(name="lines", stage_dir=tmp_path / "local", inputs=inputs, options=Opts(),
                         executor=ExecutorConfig(tasks=2), quiet=True)
    run_stage(STAGE, local)
    assert kept_rows(tmp_path / "slurm") == kept_rows(tmp_path / "local")


@pytest.mark.slow
def test_ray_executor_gives_the_local_output(tmp_path, inputs):
    ray = pytest.importorskip("ray")
    here = Path(__file__).resolve().parent
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": f"{here.parent}:{here}"}})
    try:
        ctx = StageContext(name="lines", stage_dir=tmp_path / "ray", inputs=inputs, options=Opts(),
                           executor=ExecutorConfig(type="ray", tasks=2, workers=2), quiet=True)
        report = run_stage(STAGE, ctx)
    finally:
        ray.shutdown()
    local = StageContext(name="lines", stage_dir=tmp_path / "local", inputs=inputs, options=Opts(),
                         executor=ExecutorConfig(tasks=2), quiet=True)
    assert run_stage(STAGE, local)["documents"] == report["documents"]
    assert kept_rows(tmp_path / "ray") == kept_rows(tmp_path / "local")
