"""Assembles a whole run from a pipeline YAML: which stage reads what, in which order.

Everything is validated before anything is written: the pipeline config, every source
manifest, every input path and every stage's options. A bad config costs one line on
stderr and leaves no files behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from corpus.config import STAGE_ORDER, ConfigError, PipelineConfig, load_pipeline_config, validate
from corpus.readers.input_formats import check_inputs
from corpus.readers.inputs import resolve_inputs, stage_output_files
from corpus.sources.manifest import RunManifest, Source, load_source_manifest, sha256_problems
from corpus.run.run_lock import DirectoryLock
from corpus.run.stage import Stage, StageContext, check_not_stale, run_stage
from pipelines import get_stage

# which earlier stages' outputs feed each stage in a full run
UPSTREAM = {
    "filter": ("ingest_web", "ingest_wiki", "ingest_code"),
    "dedup": ("filter",),
    "tokenizer": ("dedup",),
    "tokenize": ("dedup",),
    "train": ("tokenize",),
}
# which earlier stages must have finished before a stage starts: its inputs, and the tokenizer
# the tokenize stage encodes with
AFTER = {**UPSTREAM, "tokenize": ("dedup", "tokenizer")}
INGEST_KIND = {"ingest_web": "web", "ingest_wiki": "wiki", "ingest_code": "code"}


@dataclass
class PlannedStage:
    stage: Stage
    ctx: StageContext


@dataclass
class Plan:
    config: PipelineConfig
    stages: list[PlannedStage]
    sources: list[tuple[Source, list[str]]]
    fetch_records: list[dict]


def plan(config_path: str | Path, force: bool = False, quiet: bool = False,
         only: list[str] | None = None, allow_empty: bool = False) -> Plan:
    """Validate everything and build each enabled stage's context (inputs of later
    stages are filled in when they run, from the stage before). A stage that reads inputs
    the user named (sources, `inputs:`) and gets 0 documents from them fails unless
    `allow_empty`; one fed by an earlier stage may be empty (that stage's report says why)."""
    config_path = Path(config_path)
    cfg, lines = load_pipeline_config(config_path)
    run_dir = Path(cfg.run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"{config_path}:{lines.get(('run_dir',), '')}: run_dir: {run_dir} is a file, not a directory")
    sources: list[tuple[Source, list[str]]] = []
    fetch_records: list[dict] = []
    names = set()
    for i, manifest in enumerate(cfg.sources):
        manifest_path = (config_path.parent / manifest) if not Path(manifest).is_absolute() else Path(manifest)
        if not manifest_path.is_file():
            raise ConfigError(f"{config_path}:{lines.get(('sources', i), '')}: sources[{i}]: manifest not found: {manifest_path}")
        fetched = manifest_path.parent / "fetch.json"
        if fetched.is_file():  # sources acquired by `jacorpus fetch`: keep their URLs and checksums
            fetch_records.append(json.loads(fetched.read_text()))
        for source, paths in load_source_manifest(manifest_path, run_dir):
            if source.name in names:
                raise ConfigError(f"{manifest_path}: source name '{source.name}' is used twice")
            names.add(source.name)
            if problems := sha256_problems(source, paths, manifest_path.resolve().parent):
                raise ConfigError(f"{manifest_path}: source '{source.name}': {problems[0]}")
            sources.append((source, paths))
            if source.kind == "text":  # read by the filter stage: refuse a file no reader understands now
                check_inputs(paths, {}, source.read)
    planned = []
    for name in STAGE_ORDER:
        stage_cfg = cfg.stages.get(name)
        if stage_cfg is not None and not stage_cfg.enabled:
            continue
        if only and name not in only:
            continue
        stage = get_stage(name)
        options = validate(stage.options, (stage_cfg.options if stage_cfg else {}), config_path, lines,
                           prefix=("stages", name, "options"))
        kind = INGEST_KIND.get(name)
        stage_sources = [(s, p) for s, p in sources if s.kind == kind] if kind else sources
        if kind and not stage_sources and not (stage_cfg and stage_cfg.inputs):
            continue  # nothing of this kind to ingest
        inputs = [p for _, ps in stage_sources for p in ps] if kind else []
        if stage_cfg and stage_cfg.inputs:
            inputs = resolve_inputs(stage_cfg.inputs, base=config_path.parent)
        ctx = StageContext(
            name=name, stage_dir=run_dir / name, inputs=inputs, options=options,
            executor=(stage_cfg.executor if stage_cfg and stage_cfg.executor else cfg.executor),
            sources=stage_sources, force=force, quiet=quiet,
            allow_empty=allow_empty or not (kind or (stage_cfg and stage_cfg.inputs)
                                            or (name == "filter" and _text_files(stage_sources))),
        )
        planned.append(PlannedStage(stage, ctx))
    return Plan(cfg, planned, sources, fetch_records)


def _text_files(sources: list[tuple[Source, list[str]]]) -> list[str]:
    """Files of `kind: text` sources: already-extracted documents that enter at the filter stage."""
    return [p for source, paths in sources if source.kind == "text" for p in paths]


def fill_upstream_inputs(ps: PlannedStage, run_dir: Path, explicit: bool) -> None:
    name = ps.ctx.name
    if explicit or name not in UPSTREAM:
        return
    inputs: list[str] = []
    for upstream in UPSTREAM[name]:
        if (run_dir / upstream / "report.json").is_file():
            inputs.extend(stage_output_files(run_dir / upstream))
    if name == "filter":
        inputs.extend(_text_files(ps.ctx.sources))
    ps.ctx.inputs = inputs
    if name == "tokenize" and getattr(ps.ctx.options, "tokenizer", "unset") is None:
        ps.ctx.options.tokenizer = str(run_dir / "tokenizer" / "tokenizer.model")


def run_pipeline(config_path: str | Path, force: bool = False, quiet: bool = False,
                 only: list[str] | None = None, allow_empty: bool = False) -> dict[str, dict]:
    p = plan(config_path, force=force, quiet=quiet, only=only, allow_empty=allow_empty)
    run_dir = Path(p.config.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    with DirectoryLock(run_dir, f"jacorpus run {config_path}"):
        refuse_stale(p, run_dir)
        return _run_locked(p, config_path, run_dir)


def refuse_stale(p: Plan, run_dir: Path) -> None:
    """Before the run manifest records anything new: a finished stage whose inputs or options
    changed stops the run. Checked up to the first stage that will run (what follows it is
    checked when its turn comes, on the outputs it will then read)."""
    for ps in p.stages:
        if not ps.stage.is_complete(ps.ctx):
            return
        stage_cfg = p.config.stages.get(ps.ctx.name)
        fill_upstream_inputs(ps, run_dir, explicit=bool(stage_cfg and stage_cfg.inputs))
        check_not_stale(ps.stage, ps.ctx)


def _run_locked(p: Plan, config_path: str | Path, run_dir: Path) -> dict[str, dict]:
    cfg, planned, sources = p.config, p.stages, p.sources
    manifest = RunManifest(run_dir)
    manifest.start(cfg.model_dump(mode="json"), str(Path(config_path).resolve()))
    for source, paths in sources:
        manifest.add_inputs(source.name, [p for p in paths if "://" not in p])
    if p.fetch_records:
        manifest.data["fetched"] = p.fetch_records
    manifest.save()
    reports: dict[str, dict] = {}
    submitted: set[str] = set()  # stages whose cluster jobs are queued: what reads them waits
    for ps in planned:
        stage_cfg = cfg.stages.get(ps.ctx.name)
        if waiting := [u for u in AFTER.get(ps.ctx.name, ()) if u in submitted]:
            # its inputs are not all written yet (a filter stage would otherwise start on the
            # `kind: text` sources alone); the next `jacorpus run` starts it
            ps.ctx.say(f"[{ps.ctx.name}] waits for {', '.join(waiting)}; run this command again when their jobs finish")
            submitted.add(ps.ctx.name)
            continue
        fill_upstream_inputs(ps, run_dir, explicit=bool(stage_cfg and stage_cfg.inputs))
        if ps.ctx.name in UPSTREAM and not ps.ctx.inputs and not ps.stage.is_complete(ps.ctx):
            ps.ctx.say(f"[{ps.ctx.name}] no input from {', '.join(UPSTREAM[ps.ctx.name])}; skipped")
            continue
        report = run_stage(ps.stage, ps.ctx)
        if report is None:  # submitted to a cluster
            submitted.add(ps.ctx.name)
            continue
        reports[ps.ctx.name] = report
        manifest.record_stage(ps.ctx.name, report)
        manifest.save()
    return reports
