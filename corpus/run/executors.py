"""Builds the datatrove executor a config asks for: local, Slurm or Ray.

Around datatrove's executors this module adds what a real cluster needs and datatrove leaves
to the caller: connecting to the Ray cluster the config or RAY_ADDRESS names (with a one-line
hint when it wants token authentication), task processes that die with their Ray worker (so a
killed worker's task cannot keep writing beside its retry), and the ids of submitted Slurm jobs,
so that a second `jacorpus run` while they are queued waits for them instead of submitting the
same tasks again. docs/scale.md has the whole story.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from datatrove.executor import LocalPipelineExecutor, SlurmPipelineExecutor
from datatrove.executor.base import PipelineExecutor
from datatrove.executor.ray import RayPipelineExecutor

from corpus.run.compat import CONSOLE_LEVEL, apply_task_patches
from corpus.config import ConfigError, ExecutorConfig


class TaskStart:
    """Mixin for datatrove executors: every task applies our datatrove patches (corpus/run/compat.py)
    where it starts, which on Slurm and Ray is a fresh interpreter that never built the executor."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        apply_task_patches()
        return super()._run_for_rank(rank, local_rank, node_rank)


class LocalExecutor(TaskStart, LocalPipelineExecutor):
    """datatrove's local executor whose tasks apply our patches where they start."""


class SlurmExecutor(TaskStart, SlurmPipelineExecutor):
    """datatrove's Slurm executor whose array tasks (`launch_pickled_pipeline` in a fresh
    interpreter) apply our patches where they start."""


def make_executor(
    pipeline: list,
    cfg: ExecutorConfig,
    logging_dir: str,
    job_name: str,
    tasks: int,
    skip_completed: bool = True,
    depends: PipelineExecutor | None = None,
) -> PipelineExecutor:
    workers = cfg.workers if cfg.workers != -1 else tasks
    apply_task_patches()  # this process logs as the tasks do (and local forked tasks start patched)
    if cfg.type == "local":
        return LocalExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=min(workers, tasks),
            logging_dir=logging_dir,
            skip_completed=skip_completed,
            depends=depends,
            # fork keeps start-up cheap on a laptop; each task re-opens its files
            start_method="fork",
        )
    if cfg.type == "slurm":
        if not cfg.partition:
            raise ValueError("executor.partition is required for slurm")
        kwargs: dict[str, Any] = dict(
            pipeline=pipeline,
            tasks=tasks,
            time=cfg.time,
            partition=cfg.partition,
            cpus_per_task=cfg.cpus_per_task,
            mem_per_cpu_gb=cfg.mem_per_cpu_gb,
            job_name=job_name,
            logging_dir=logging_dir,
            skip_completed=skip_completed,
            sbatch_args=cfg.sbatch_args,
            depends=depends,
        )
        if cfg.workers != -1:
            kwargs["workers"] = cfg.workers
        return SlurmExecutor(**kwargs)
    if cfg.type == "ray":
        connect_ray(cfg)
        return RayExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=workers,
            logging_dir=logging_dir,
            skip_completed=skip_completed,
            cpus_per_task=cfg.cpus_per_ray_task,
            mem_per_cpu_gb=cfg.mem_per_cpu_gb,
            depends=depends,
        )
    raise ValueError(f"unknown executor type {cfg.type!r}")


# -- Ray --------------------------------------------------------------------------------------

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when the process that forked it dies.

    datatrove's Ray worker (an actor) runs each task in a child process of its own. When the
    actor is killed (OOM killer, a lost node, an operator), Ray retries the task elsewhere,
    but the child would live on as an orphan and keep writing the same `.partial` shards and
    completion marker as the retry. Linux only; elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return
    if os.getppid() == 1:  # the worker died before prctl took effect: this task is already orphaned
        os._exit(1)


class RayExecutor(TaskStart, RayPipelineExecutor):
    """datatrove's Ray executor whose task processes die with the Ray worker that started them
    and apply our patches where they start."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        die_with_parent()
        return super()._run_for_rank(rank, local_rank, node_rank)


def connect_ray(cfg: ExecutorConfig) -> None:
    """Connect to the cluster `executor.ray_address` or RAY_ADDRESS names (neither: start a
    Ray instance on this machine for the run). Worker output reaches the console only at
    JACORPUS_LOG_LEVEL=INFO or DEBUG; each task's log is in `<stage>/logs/` either way."""
    import ray

    if ray.is_initialized():
        return
    verbose = CONSOLE_LEVEL in ("DEBUG", "INFO", "TRACE")
    address = cfg.ray_address or os.environ.get("RAY_ADDRESS") or None
    try:
        ray.init(address=address, log_to_driver=verbose, logging_level=logging.INFO if verbose else logging.WARNING)
    except Exception as e:  # ray raises ConnectionError, or AuthenticationError deep inside it
        if "auth" in f"{type(e).__name__} {e} {e.__cause__}".lower():
            raise ConfigError(
                f"the Ray cluster at {address} wants token authentication: set RAY_AUTH_MODE=token "
                "(and RAY_AUTH_TOKEN, or the token in ~/.ray/auth_token) for `ray start` on every node "
                "and for jacorpus; see docs/scale.md") from e
        raise


# -- Slurm ------------------------------------------------------------------------------------

SLURM_JOBS = "slurm_jobs.json"
# squeue states of a job that will still run (or is finishing); anything else has ended
_LIVE_STATES = "PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED,REQUEUED,RESIZING,REQUEUE_HOLD,REQUEUE_FED"


def record_slurm_jobs(stage_dir: Path, job_ids: list[str]) -> None:
    """Remember the jobs a submission queued, for `slurm_jobs_waiting`."""
    ids = [str(j) for j in job_ids if j not in (None, -1, "-1")]
    path = stage_dir / SLURM_JOBS
    if ids:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"job_ids": ids}))
        tmp.replace(path)
    elif path.exists():
        path.unlink()


def slurm_jobs_waiting(stage_dir: Path) -> list[str]:
    """Ids of this stage's Slurm jobs that are still queued or running.

    A job that waits on a dependency that failed never runs (its reason is
    DependencyNeverSatisfied): that is an error with the job ids, not a wait. Without
    `squeue` on PATH nothing is known, and nothing is reported as waiting."""
    path = stage_dir / SLURM_JOBS
    if not path.is_file():
        return []
    ids = json.loads(path.read_text()).get("job_ids", [])
    try:
        done = subprocess.run(["squeue", "-h", "-j", ",".join(ids), "-t", _LIVE_STATES, "-o", "%i %r"],
                              capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if done.returncode != 0:  # ids slurmctld has already forgotten: finished long ago
        return []
    live = [line.split() for line in done.stdout.splitlines() if line.strip()]
    stuck = [fields[0] for fields in live if len(fields) > 1 and fields[1] == "DependencyNeverSatisfied"]
    if stuck:
        raise RuntimeError(f"Slurm jobs {', '.join(stuck)} wait on a job that failed and will never run; "
                           f"see {stage_dir}/slurm_logs, `scancel` them and rerun")
    return [fields[0] for fields in live]
