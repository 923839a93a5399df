"""corpus.run.compat: our one datatrove patch (the task logger), where tasks start, checked first."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import dill
import pytest

from corpus.run import compat
from corpus.config import ExecutorConfig
from corpus.run.executors import make_executor

ROOT = Path(__file__).resolve().parent.parent


def _fresh_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "JACORPUS_LOG_LEVEL"}
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.mark.parametrize("kind", ["slurm", "local"])
def test_a_task_started_in_a_fresh_interpreter_keeps_info_off_the_console(tmp_path, kind):
    """A Slurm array task unpickles the executor in a new interpreter (launch_pickled_pipeline)
    and never runs the code that built it: the patch must come with the task."""
    from datatrove.pipeline.readers import JsonlReader

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text('{"text": "本文", "id": "1"}\n', encoding="utf-8")
    cfg = ExecutorConfig(type=kind, partition="cpu", tasks=1, workers=1)
    executor = make_executor([JsonlReader(str(tmp_path / "in"))], cfg, str(tmp_path / "logs"), "t", tasks=1)
    with open(tmp_path / "executor.pik", "wb") as f:
        dill.dump(executor, f)
    code = "import dill, sys; dill.load(open(sys.argv[1], 'rb'))._run_for_rank(0)"
    bin_dir = tmp_path / "bin"  # datatrove expands SLURM_NODELIST with scontrol, which needs slurmctld
    bin_dir.mkdir()
    (bin_dir / "scontrol").write_text("#!/bin/sh\necho localhost\n")
    (bin_dir / "scontrol").chmod(0o755)
    env = {**_fresh_env(), "SLURM_NODELIST": "localhost", "SLURM_NODEID": "0",  # what slurmd sets for a task
           "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "executor.pik")], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Launching pipeline" not in done.stderr and "Processing done" not in done.stderr
    assert "Launching pipeline" in (tmp_path / "logs" / "logs" / "task_00000.log").read_text()


def test_the_patch_reaches_every_executor_module_that_calls_the_logger():
    code = ("import corpus.run.executors, corpus.run.compat as c; import datatrove.executor.base as b, "
            "datatrove.executor.ray as r; c.apply_task_patches(); "
            "assert b.add_task_logger is r.add_task_logger is c.add_task_logger; "
            "assert b.close_task_logger is r.close_task_logger is c.close_task_logger; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_fresh_env(), timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_changed_target_is_left_alone_with_a_warning(monkeypatch):
    import datatrove.executor.base as base
    from datatrove.utils import logging as dt_logging

    def add_task_logger(logging_dir, rank, local_rank=0, node_rank=-1, colour=True):
        raise AssertionError("never called here")

    before = base.add_task_logger
    monkeypatch.setattr(dt_logging, "add_task_logger", add_task_logger)
    monkeypatch.setattr(base, "add_task_logger", add_task_logger)
    monkeypatch.setattr(compat, "_warned", set())
    with pytest.warns(RuntimeWarning, match="not the signature jacorpus replaces"):
        assert compat.install_task_logger() is False
    assert base.add_task_logger is add_task_logger
    monkeypatch.setattr(base, "add_task_logger", before)


def test_an_untested_datatrove_version_is_named_once(monkeypatch):
    monkeypatch.setattr(compat, "datatrove_version", lambda: "0.11.0")
    monkeypatch.setattr(compat, "_warned", set())
    with pytest.warns(RuntimeWarning, match="datatrove 0.11.0 is not the 0.10.x"):
        compat.apply_task_patches()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compat.apply_task_patches()  # said once per process


def test_the_installed_datatrove_is_the_tested_one():
    assert compat.datatrove_version().startswith(compat.TESTED_DATATROVE)
