"""Builds the datatrove executor a config asks for: local, Slurm or Ray."""

from __future__ import annotations

import os
import sys
from typing import Any

from datatrove.executor.base import PipelineExecutor

from corpus.config import ExecutorConfig

CONSOLE_LEVEL = os.environ.get("JACORPUS_LOG_LEVEL", "WARNING")


def _not_an_exception(record) -> bool:
    """Console filter: an exception a task logs is raised again to our CLI, which prints it
    once (one line for the user's mistakes, a traceback for bugs); the task's log keeps it."""
    return record["exception"] is None


def _install_console_level() -> None:
    """datatrove prints every task's INFO log and stats to the console; our runner prints
    one line per stage instead. Full logs still go to `<stage>/logs/task_*.log`; set
    JACORPUS_LOG_LEVEL=INFO to see them live."""
    import datatrove.executor.base as base
    from loguru import logger

    if getattr(base.add_task_logger, "_jacorpus", False):
        return

    def add_task_logger(logging_dir, rank, local_rank=0, node_rank=-1):
        # datatrove's own version, with the console sink at our level instead of INFO
        logger.remove()
        logfile = logging_dir.open(f"logs/task_{rank:05d}.log", "w")
        logger.add(sys.stderr, level=CONSOLE_LEVEL if local_rank == 0 else "ERROR",
                   format="{time:HH:mm:ss} | {level} | {message}", filter=_not_an_exception)
        # catch=False: a log that cannot be written (disk full) fails the task with that error,
        # instead of loguru printing its own traceback and the task going on
        logger.add(logfile, level="DEBUG", catch=False,
                   format="{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{function}:{line} - {message}")
        logger.info(f"Launching pipeline for {rank=}")
        return logfile

    def console_only() -> None:
        logger.remove()
        logger.add(sys.stderr, level=CONSOLE_LEVEL, format="{time:HH:mm:ss} | {level} | {message}")

    def close_task_logger(logfile):
        logger.complete()
        console_only()
        logfile.close()

    add_task_logger._jacorpus = True  # type: ignore[attr-defined]
    base.add_task_logger = add_task_logger
    base.close_task_logger = close_task_logger
    console_only()


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
    _install_console_level()
    if cfg.type == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(
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
        from datatrove.executor import SlurmPipelineExecutor

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
        return SlurmPipelineExecutor(**kwargs)
    if cfg.type == "ray":
        from datatrove.executor import RayPipelineExecutor

        return RayPipelineExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=workers,
            logging_dir=logging_dir,
            skip_completed=skip_completed,
            cpus_per_task=cfg.cpus_per_ray_task,
            depends=depends,
        )
    raise ValueError(f"unknown executor type {cfg.type!r}")
