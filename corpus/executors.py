"""Builds the datatrove executor a config asks for: local, Slurm or Ray."""

from __future__ import annotations

from typing import Any

from datatrove.executor.base import PipelineExecutor

from corpus.config import ExecutorConfig


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
