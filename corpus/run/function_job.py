"""A FunctionStage's work (tokenizer training) as a one-task datatrove job.

Document stages hand their steps to datatrove's executor; a FunctionStage runs a plain
function. On the local executor that function runs in the `jacorpus` process, as it always
has. On Ray or Slurm it must run on the cluster like every other stage, not on the machine
that submitted the run (a login node, a laptop holding a Ray driver): so it becomes a
pipeline of one step and one task, given to the same executor. The function's report comes
back as `<stage>/job/report.json`; datatrove's completion marker beside it says the job
finished, so a rerun after a lost worker runs it again and a rerun after success reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from datatrove.pipeline.base import PipelineStep

from corpus.run.executors import make_executor

if TYPE_CHECKING:
    from corpus.run.stage import StageContext

JOB_DIR = "job"
REPORT = "report.json"


class FunctionStep(PipelineStep):
    """Runs `function(ctx)` once and writes what it returns to `<job dir>/report.json`."""

    type = "🔧 - STAGE"
    name = "function stage"

    def __init__(self, function: Callable[["StageContext"], dict], ctx: "StageContext"):
        super().__init__()
        self.function = function
        self.ctx = ctx

    def run(self, data=None, rank: int = 0, world_size: int = 1) -> None:
        with self.track_time():
            report = self.function(self.ctx)
        path = job_dir(self.ctx) / REPORT
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(report, ensure_ascii=False, default=str))
        tmp.replace(path)  # the completion marker follows only after this


def job_dir(ctx: "StageContext") -> Path:
    return ctx.stage_dir / JOB_DIR


def run_as_job(function: Callable[["StageContext"], dict], ctx: "StageContext") -> dict:
    """The function's report, or `{"submitted": True}` when a Slurm job was queued for it."""
    folder = job_dir(ctx)
    folder.mkdir(parents=True, exist_ok=True)
    executor = make_executor([FunctionStep(function, ctx)], ctx.executor, str(folder),
                             job_name=f"{ctx.name}_job", tasks=1)
    executor.run()
    if executor.get_incomplete_ranks():
        if ctx.executor.type == "slurm":
            return {"submitted": True, "slurm_jobs": [executor.job_id]}
        raise RuntimeError(f"stage {ctx.name}: its job did not complete; see {folder}/logs")
    return json.loads((folder / REPORT).read_text())
