"""What a stage is, and how one runs: completions, accounting, report.json.

A stage module in `pipelines/` declares a `STAGE` object:

- `DatatroveStage`: `build(ctx)` returns the datatrove steps (or several `Pass`es run one
  after another, as MinHash dedup needs); the runner hands them to datatrove's executor
  with the stage directory as logging dir, so `completions/` lets a rerun skip finished
  tasks.
- `FunctionStage`: work that is not a document stream (tokenizer training, the trainer);
  `run(ctx)` returns the report's figures, `documents` included.

Either way the runner writes `<stage>/report.json` with `documents: {in, kept, excluded}`
and `excluded_by_reason`, and fails the stage when in != kept + excluded.

Around that, the runner keeps an operator's mistakes from costing data: it writes only
into a directory that is new, empty or marked as this stage's own (`corpus.run.stage_dir`),
holds a lock on it while it runs (`corpus.run.run_lock`), and records what the stage ran on
(`corpus.run.fingerprint`), so that a rerun on other inputs or options stops with one line
instead of answering "already complete".
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pydantic import BaseModel

from corpus.run.accounting import check, documents_in, merge_task_stats, step_stats, summarize_shards
from corpus.config import ConfigError, ExecutorConfig
from corpus.run.executors import make_executor, record_slurm_jobs, slurm_jobs_waiting
from corpus.run.function_job import run_as_job
from corpus.run.fingerprint import changes, fingerprint
from corpus.readers.inputs import refuse_empty
from corpus.sources.manifest import Source
from corpus.run.run_lock import DirectoryLock
from corpus.formats.shards import ExclusionWriter, ShardWriter
from corpus.run.stage_dir import OWN, STARTED, check_output_dir, claim, clear
from corpus.run.unique_ids_across_files import duplicate_id_figures, make_ids_unique


class StaleStageError(ConfigError):
    """A finished (or half-run) stage was asked to continue on other inputs or options."""


@dataclass
class StageContext:
    """Everything a stage needs to build its steps.

    `stage_dir` is `RUN/<stage>` inside a pipeline run, or the `--output DIR` of a
    standalone stage command. `inputs` are resolved files (a previous stage's parquet
    shards, or raw files for ingest stages); `sources` pairs each source manifest entry
    with its files, for ingest stages that need the source's licence or policy.
    """

    name: str
    stage_dir: Path
    inputs: list[str]
    options: BaseModel
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    sources: list[tuple[Source, list[str]]] = field(default_factory=list)
    force: bool = False
    quiet: bool = False
    allow_empty: bool = True  # False: inputs that yield 0 documents are an error (EmptyInput), as the CLI asks

    @property
    def tasks(self) -> int:
        """The tasks a pass runs by default: the executor's, but no more than there are input
        files (datatrove gives each task whole files, so more tasks would idle), and at least one."""
        return max(1, min(self.executor.tasks, len(self.inputs) or 1))

    @property
    def shards_dir(self) -> Path:
        return self.stage_dir / "shards"

    @property
    def excluded_dir(self) -> Path:
        return self.stage_dir / "excluded"

    def shard_writer(self, filename: str = "${rank}.parquet") -> ShardWriter:
        return ShardWriter(str(self.shards_dir), output_filename=filename)

    def exclusion_writer(self, step_name: str) -> ExclusionWriter:
        return ExclusionWriter(str(self.excluded_dir), step_name)

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, flush=True)


@dataclass
class Pass:
    """One datatrove job of a multi-job stage. `accounting` marks the pass whose readers
    count the stage's documents in (the one that writes kept and excluded shards)."""

    name: str
    steps: list
    tasks: int | None = None
    accounting: bool = False


@dataclass
class Stage:
    name: str
    options: type[BaseModel]
    reads: str
    writes: str
    # run before the stage directory is made: a mistake in the options (a missing tokenizer)
    # is one error line and leaves no half-made output behind
    preflight: Callable[[StageContext], None] | None = None

    def is_complete(self, ctx: StageContext) -> bool:
        return (ctx.stage_dir / "report.json").is_file()

    def execute(self, ctx: StageContext) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError


def _slurm_jobs_queued(ctx: StageContext) -> bool:
    """This stage's Slurm jobs are still queued or running: submitting again would run the same
    tasks twice, side by side."""
    if ctx.executor.type != "slurm" or not (waiting := slurm_jobs_waiting(ctx.stage_dir)):
        return False
    ctx.say(f"[{ctx.name}] Slurm jobs {', '.join(waiting)} are still queued or running")
    return True


@dataclass
class DatatroveStage(Stage):
    build: Callable[[StageContext], list] = None  # type: ignore[assignment]
    figures: Callable[[StageContext, dict], dict] | None = None
    count_kept: Callable[[StageContext], dict] | None = None
    # a stage that first reads documents: ids repeated across its files renamed once all tasks are done
    unique_ids: bool = False

    def passes(self, ctx: StageContext) -> list[Pass]:
        built = self.build(ctx)
        if built and isinstance(built[0], Pass):
            if not any(p.accounting for p in built):
                built[-1].accounting = True
            return built
        return [Pass("main", built, accounting=True)]

    def execute(self, ctx: StageContext) -> dict:
        if _slurm_jobs_queued(ctx):
            return {"submitted": True}
        passes = self.passes(ctx)
        accounted = None
        previous = None
        pending = False
        job_ids = []
        for p in passes:
            logging_dir = ctx.stage_dir if len(passes) == 1 else ctx.stage_dir / "passes" / p.name
            executor = make_executor(
                p.steps, ctx.executor, str(logging_dir), job_name=f"{ctx.name}_{p.name}",
                tasks=p.tasks or ctx.tasks, depends=previous if ctx.executor.type == "slurm" else None,
            )
            executor.run()
            job_ids.append(getattr(executor, "job_id", None))
            previous = executor
            pending = pending or bool(executor.get_incomplete_ranks())
            if p.accounting:
                accounted = logging_dir
        if pending and ctx.executor.type == "slurm":
            # a cluster executor returns once its jobs are queued: the report is written by
            # the next invocation, when every task's completion marker is there
            record_slurm_jobs(ctx.stage_dir, job_ids)
            return {"submitted": True}
        if pending:
            raise RuntimeError(f"stage {ctx.name}: some tasks did not complete; see {ctx.stage_dir}/logs")
        renamed = make_ids_unique(ctx.stage_dir) if self.unique_ids else None  # before the shards are counted
        merged = merge_task_stats(accounted)
        if accounted != ctx.stage_dir and merged is not None:
            (ctx.stage_dir / "stats.json").write_text(merged.to_json())
        steps = step_stats(merged)
        kept = self.count_kept(ctx) if self.count_kept else summarize_shards(ctx.shards_dir)
        excluded = summarize_shards(ctx.excluded_dir)
        report = {
            "documents": {"in": documents_in(steps), "kept": kept["documents"], "excluded": excluded["documents"]},
            "excluded_by_reason": excluded.pop("_reasons"),
            "excluded_by_step": excluded.pop("_steps"),
            "kept": {k: v for k, v in kept.items() if not k.startswith("_")},
            "excluded": excluded,
            "steps": steps,
        }
        if self.figures:
            report["figures"] = self.figures(ctx, report)
        if renamed is not None:
            report.setdefault("figures", {})["duplicate_ids"] = duplicate_id_figures(steps, renamed)
        return report


@dataclass
class FunctionStage(Stage):
    run: Callable[[StageContext], dict] = None  # type: ignore[assignment]
    # on Ray or Slurm, run on the cluster as a one-task job (corpus.run.function_job), not in this process
    cluster_job: bool = False

    def execute(self, ctx: StageContext) -> dict:
        if self.cluster_job and ctx.executor.type != "local":
            if _slurm_jobs_queued(ctx):
                return {"submitted": True}
            report = run_as_job(self.run, ctx)
            if report.get("submitted"):
                record_slurm_jobs(ctx.stage_dir, report.pop("slurm_jobs"))
                return report
        else:
            report = self.run(ctx)
        report.setdefault("excluded_by_reason", {})
        return report


def _summary(found: list[str], limit: int = 3) -> str:
    text = "; ".join(found[:limit]) + (f"; and {len(found) - limit} more change(s)" if len(found) > limit else "")
    return text if len(text) <= 400 else text[:397] + "..."


def check_not_stale(stage: Stage, ctx: StageContext) -> None:
    """Refuse to call a finished stage done when its inputs or options changed since it ran."""
    report_path = ctx.stage_dir / "report.json"
    if ctx.force or not stage.is_complete(ctx):
        return
    recorded = json.loads(report_path.read_text()).get("fingerprint")
    if recorded is not None and (found := changes(recorded, ctx.inputs, ctx.options.model_dump(mode="json"))):
        raise StaleStageError(f"{ctx.name}: {ctx.stage_dir} was finished on other inputs or options "
                              f"({_summary(found)}); rerun with --force to redo it")


def run_stage(stage: Stage, ctx: StageContext) -> dict | None:
    """Run one stage unless its report says it is already done; returns its report."""
    if stage.preflight is not None:
        stage.preflight(ctx)
    check_output_dir(ctx.stage_dir, ctx.name, ctx.inputs)
    claim(ctx.stage_dir, ctx.name)
    with DirectoryLock(ctx.stage_dir, f"jacorpus {ctx.name}"):
        return _run_locked(stage, ctx)


def _start(ctx: StageContext) -> dict:
    """The fingerprint this run works on; a run resumed after a kill must see the inputs it started on."""
    started_path = ctx.stage_dir / OWN / STARTED
    options = ctx.options.model_dump(mode="json")
    previous = None
    if ctx.force:
        clear(ctx.stage_dir)
    elif started_path.is_file():
        previous = json.loads(started_path.read_text())
        if found := changes(previous, ctx.inputs, options):
            raise StaleStageError(f"{ctx.name}: {ctx.stage_dir} holds an unfinished run started on other inputs or "
                                  f"options ({_summary(found)}); rerun with --force to start it over")
    record = fingerprint(ctx.inputs, options, known=(previous or {}).get("inputs"))
    tmp = started_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8", errors="backslashreplace")
    tmp.replace(started_path)
    return record


def _run_locked(stage: Stage, ctx: StageContext) -> dict | None:
    report_path = ctx.stage_dir / "report.json"
    if stage.is_complete(ctx) and not ctx.force:
        check_not_stale(stage, ctx)
        ctx.say(f"[{ctx.name}] already complete ({report_path}); nothing to do (use --force to rerun)")
        return json.loads(report_path.read_text())
    record = _start(ctx)
    ctx.say(f"[{ctx.name}] reads {stage.reads}; writes {ctx.stage_dir}")
    started = time.time()
    report = stage.execute(ctx)
    if report.get("submitted"):
        ctx.say(f"[{ctx.name}] submitted to {ctx.executor.type}; rerun this command when it finishes to write the report")
        return None
    check(ctx.name, report["documents"])
    if not ctx.allow_empty:
        refuse_empty(ctx.name, report["documents"]["in"], ctx.inputs)
    report = {
        "stage": ctx.name,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "elapsed_s": round(time.time() - started, 3),
        "inputs": len(ctx.inputs),
        "options": ctx.options.model_dump(mode="json"),
        **report,
        "fingerprint": record,
    }
    tmp = report_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8",
                   errors="backslashreplace")  # an undecodable file name: a \udcXX escape, still JSON
    tmp.replace(report_path)
    d = report["documents"]
    ctx.say(f"[{ctx.name}] in={d['in']} kept={d['kept']} excluded={d['excluded']} ({report['elapsed_s']:.1f}s)")
    return report
