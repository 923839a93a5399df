"""`jacorpus`: one command for every stage, a whole run, and reports.

Every stage also runs alone: `jacorpus <stage> --input PATH... --output DIR` reads files,
directories, globs or a previous stage's output directory, and writes its shards and
`report.json` under DIR.
"""

from __future__ import annotations

import argparse
import errno
import shutil
import sys
from pathlib import Path
from typing import Any

from corpus.config import ConfigError, ExecutorConfig, load_yaml, validate
from corpus.overrides import apply_overrides, parse_overrides

DEMO_RUN_DIR = "runs/demo"

STAGE_HELP = {
    "ingest_web": "WARC files -> charset-correct, Japanese, extracted web documents",
    "ingest_wiki": "MediaWiki pages-articles dumps -> clean article text",
    "ingest_code": "source trees / archives / parquet -> licensed, filtered, secret-free code files",
    "filter": "quality rules (web), PII masking (all), licence policy (all)",
    "dedup": "exact and MinHash (character n-gram) near-duplicate removal across sources",
    "tokenizer": "train a sentencepiece tokenizer on a sample of the kept documents",
    "tokenize": "documents -> Megatron .bin/.idx token shards per source",
    "train": "continue pre-training Llama weights on token shards",
}


def _add_stage_args(p: argparse.ArgumentParser, stage: str) -> None:
    p.add_argument("--input", "-i", nargs="+", required=True, metavar="PATH",
                   help="files, directories, globs, or a previous stage's output directory")
    p.add_argument("--output", "-o", required=True, metavar="DIR", help="stage directory: shards/, excluded/, report.json")
    p.add_argument("--options", metavar="YAML", help="YAML file with this stage's options")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one option (YAML value)")
    p.add_argument("--tasks", type=int, default=1, help="datatrove tasks (inputs are split across tasks by file)")
    p.add_argument("--workers", type=int, default=-1, help="tasks run at once; -1 = all")
    p.add_argument("--force", action="store_true", help="rerun even if the output directory holds a finished stage")
    p.add_argument("--allow-empty", action="store_true", help="inputs that yield 0 documents are not an error")
    p.add_argument("--quiet", "-q", action="store_true")
    if stage == "dedup":
        p.add_argument("--against", nargs="+", default=[], metavar="RUN/dedup",
                       help="earlier dedup runs whose survivors these documents are deduplicated against "
                            "(option `against`; their dedup/index/ is read, their documents are not)")
    if stage.startswith("ingest_"):
        p.add_argument("--source-name", default="cli", help="dataset name recorded on each document")
        p.add_argument("--licence", default=None, help="licence of the whole source, when known")
    p.set_defaults(func=_run_standalone_stage, stage=stage)


def _run_standalone_stage(args: argparse.Namespace) -> int:
    from corpus.readers.inputs import resolve_inputs
    from corpus.sources.manifest import Source
    from corpus.run.stage import StageContext, run_stage
    from pipelines import get_stage

    stage = get_stage(args.stage)
    options: dict[str, Any] = {}
    lines: dict = {}
    where = "--set"
    if args.options:
        options, lines = load_yaml(args.options)
        where = args.options
    options = apply_overrides(options or {}, parse_overrides(args.set))
    if getattr(args, "against", None):
        options["against"] = list(args.against)
    opts = validate(stage.options, options, where, lines)
    inputs = resolve_inputs(args.input)
    executor = validate(ExecutorConfig, {"tasks": args.tasks, "workers": args.workers}, "--tasks/--workers", {})
    sources = []
    if args.stage.startswith("ingest_"):
        kind = args.stage.split("_", 1)[1]
        sources = [(Source(name=args.source_name, kind=kind, paths=args.input, licence=args.licence), inputs)]
    ctx = StageContext(name=args.stage, stage_dir=Path(args.output), inputs=inputs, options=opts,
                       executor=executor, sources=sources, force=args.force, quiet=args.quiet,
                       allow_empty=args.allow_empty)
    run_stage(stage, ctx)
    return 0


def _run(args: argparse.Namespace) -> int:
    from pipelines.run import run_pipeline

    config = args.config
    if config is None:
        config = _prepare_demo(args.quiet)
    reports = run_pipeline(config, force=args.force, quiet=args.quiet, only=args.stage or None,
                           allow_empty=args.allow_empty)
    if not args.quiet and reports:
        from corpus.reports.report import print_run_report

        from corpus.config import load_pipeline_config

        cfg, _ = load_pipeline_config(config)
        print_run_report(Path(cfg.run_dir))
    return 0


def _prepare_demo(quiet: bool) -> str:
    """The demo's inputs are made by the project, once, into runs/demo/inputs."""
    import pipelines
    from data_manifests.demo import make_all

    inputs = Path(DEMO_RUN_DIR) / "inputs"
    if not (inputs / ".complete").exists():
        if not quiet:
            print(f"[demo] writing demo inputs to {inputs}")
        make_all(inputs)
        (inputs / ".complete").touch()
    return str(Path(pipelines.__file__).parent / "demo.yaml")


def _report(args: argparse.Namespace) -> int:
    from corpus.reports.report import load_reports, print_run_report, print_stage_report

    path = Path(args.run)
    if not path.is_dir():
        raise ConfigError(f"{path}: no such run or stage directory")
    if not (path / "report.json").is_file() and not load_reports(path):
        raise ConfigError(f"{path}: no stage report here (no report.json, nor <stage>/report.json); "
                          "has a stage finished?")
    if args.html:
        from corpus.reports.html_report import write_html_report

        out = write_html_report(path, Path(args.html) if args.html is not True else None)
        print(f"wrote {out}")
        return 0
    if (path / "report.json").is_file():
        print_stage_report(path, as_json=args.json)
    else:
        print_run_report(path, stage=args.stage, as_json=args.json)
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from corpus.sources.download import DownloadError, Policy
    from corpus.sources.fetch import fetch_manifest

    policy = Policy(retries=args.retries, concurrency=args.concurrency,
                    bandwidth_bytes_per_s=args.bandwidth_mbps * 125_000 if args.bandwidth_mbps else None,
                    connect_timeout_s=args.timeout, read_timeout_s=args.timeout, verify=args.verify)
    try:
        fetch_manifest(args.manifest, args.output, policy, stream=args.stream,
                       say=(lambda _m: None) if args.quiet else print, allow_file_urls=args.allow_file_urls)
    except DownloadError as err:
        print(f"jacorpus fetch: error: {err}", file=sys.stderr)
        return 1
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from corpus.reports.inspect import run_inspect

    if args.explain:
        from pipelines.quality_train import _explain

        return _explain(argparse.Namespace(stage=args.shards[0], doc_id=args.explain, json=args.json))

    return run_inspect(args.shards, args.where, args.sample, args.limit, args.seed, args.excluded, args.chars, args.json)


def _mount(sub, module: str, attr: str, name: str, extra: str) -> None:
    """Subcommands owned by other packages; a missing optional dependency gives a clear message."""
    try:
        mod = __import__(module, fromlist=[attr])
        getattr(mod, attr)(sub)
    except ImportError as err:
        p = sub.add_parser(name, help=f"(needs: pip install 'jacorpus[{extra}]')")

        def missing(_args, err=err) -> int:
            print(f"jacorpus {name}: {err}; install with: pip install 'jacorpus[{extra}]'", file=sys.stderr)
            return 2

        p.set_defaults(func=missing)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jacorpus",
        description="Japanese pre-training corpus pipeline: ingest -> filter -> dedup -> tokenizer -> tokenize -> train.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run every stage of a pipeline YAML (no argument: the demo)",
                       description="Runs the stages of a pipeline YAML in order under its run_dir; "
                                   "with no CONFIG, makes the demo inputs and runs every stage into ./runs/demo.")
    p.add_argument("config", nargs="?", help="pipeline YAML (see pipelines/*.yaml)")
    p.add_argument("--stage", action="append", help="run only these stages (repeatable)")
    p.add_argument("--force", action="store_true", help="rerun stages that already finished")
    p.add_argument("--allow-empty", action="store_true",
                   help="a stage whose sources or inputs yield 0 documents is not an error")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=_run)

    p = sub.add_parser("fetch", help="download a manifest's remote sources (Common Crawl, Wikipedia, git, URLs)",
                       description="Reads a source manifest with `remote:` entries; writes DIR/<source>/ files "
                                   "(resumable, retried, verified, renamed when whole), DIR/fetch.json and "
                                   "DIR/sources.yaml (the manifest with local paths, for a pipeline YAML).")
    p.add_argument("manifest", help="source manifest YAML (data_manifests/*.yaml)")
    p.add_argument("--output", "-o", required=True, metavar="DIR")
    p.add_argument("--stream", action="store_true", help="list remote WARC URLs for ingest to read directly, no download")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--bandwidth-mbps", type=float, default=None, help="total bandwidth cap in megabits/s")
    p.add_argument("--retries", type=int, default=5)
    p.add_argument("--timeout", type=float, default=30.0, help="connect and read timeout, seconds")
    p.add_argument("--verify", action="store_true",
                   help="hash files already fetched and verified again, even when their size and times are unchanged")
    p.add_argument("--allow-file-urls", action="store_true",
                   help="let the manifest name this machine's own files (file:// git URLs and files)")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=_fetch)

    ingest = sub.add_parser("ingest", help="bring raw sources in: web | wiki | code")
    ingest_sub = ingest.add_subparsers(dest="kind", required=True)
    for kind in ("web", "wiki", "code"):
        name = f"ingest_{kind}"
        _add_stage_args(ingest_sub.add_parser(kind, help=STAGE_HELP[name], description=
                                              f"{STAGE_HELP[name]}. Reads raw {kind} inputs; writes DIR/shards, "
                                              "DIR/excluded, DIR/report.json."), name)

    for name in ("filter", "dedup", "tokenize", "train"):
        _add_stage_args(sub.add_parser(name, help=STAGE_HELP[name], description=
                                       f"{STAGE_HELP[name]}. Writes its outputs and DIR/report.json."), name)

    tok = sub.add_parser("tokenizer", help="train | eval | expand a Japanese tokenizer")
    tok_sub = tok.add_subparsers(dest="action", required=True)
    _add_stage_args(tok_sub.add_parser("train", help=STAGE_HELP["tokenizer"], description=
                                       "Reads kept parquet shards; writes DIR/tokenizer.model, DIR/tokenizer.json, "
                                       "DIR/report.json."), "tokenizer")
    _mount(tok_sub, "tokenizer.cli", "add_eval_parser", "eval", "dev")
    _mount(tok_sub, "tokenizer.cli", "add_expand_parser", "expand", "dev")
    _mount(sub, "training.cli", "add_evaluate_parser", "evaluate", "train")
    _mount(sub, "pipelines.quality_train", "add_quality_parser", "quality", "quality")

    p = sub.add_parser("report", help="print a run's (or one stage's) report",
                       description="Reads RUN/<stage>/report.json files and prints tables and the funnel.")
    p.add_argument("run", help="run directory (or one stage directory)")
    p.add_argument("--stage", help="only this stage")
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.add_argument("--html", nargs="?", const=True, metavar="FILE",
                   help="write one self-contained HTML report with plots (default RUN/report.html)")
    p.set_defaults(func=_report)

    p = sub.add_parser("inspect", help="print documents from shards, filtered by metadata",
                       description="Reads parquet shards (files, globs, or a stage directory) and prints documents "
                                   "with their metadata.")
    p.add_argument("shards", nargs="+", help="parquet files, globs, or a stage directory")
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                   help="metadata filter, repeatable, all must hold: KEY=VALUE, KEY!=VALUE, KEY~TEXT (the key must be "
                        "present), KEY (present), !KEY (absent); KEY is id, text or a metadata key, dotted into maps "
                        "(pii.EMAIL); numbers compare as numbers")
    p.add_argument("--sample", type=int, help="a uniform random sample of N matching documents")
    p.add_argument("--limit", type=int, default=5, help="the first N matching documents (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--excluded", action="store_true", help="read a stage directory's excluded shards")
    p.add_argument("--chars", type=int, default=600, help="characters of text shown per document")
    p.add_argument("--json", action="store_true", help="one JSON object per document")
    p.add_argument("--explain", metavar="DOC_ID", help="every quality figure and the deciding rule of one document")
    p.set_defaults(func=_inspect)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "quiet", False):
        import os

        os.environ["JACORPUS_QUIET"] = "1"
    try:
        return args.func(args)
    except ConfigError as err:
        print(f"jacorpus: error: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        full = _disk_full(err)
        if full is None:
            raise
        print(f"jacorpus: error: {disk_full_message(full, _output_of(args))}", file=sys.stderr)
        return 2


def _disk_full(err: BaseException | None) -> OSError | None:
    """The out-of-space error behind `err`, if any (writers and pools may wrap it)."""
    seen = 0
    while err is not None and seen < 10:
        if isinstance(err, OSError) and (err.errno in (errno.ENOSPC, errno.EDQUOT)
                                         or "No space left on device" in str(err)):
            return err
        err, seen = err.__cause__ or err.__context__, seen + 1
    return None


def _output_of(args: argparse.Namespace) -> str:
    """The directory a command writes to, for messages about it."""
    if getattr(args, "output", None):
        return args.output
    if getattr(args, "command", None) == "run":
        try:
            from corpus.config import load_pipeline_config

            return load_pipeline_config(args.config)[0].run_dir if args.config else DEMO_RUN_DIR
        except ConfigError:
            pass
    return "."


def disk_full_message(err: OSError, output: str) -> str:
    """`disk full` with the path that could not be written and what is left on its file system."""
    path = err.filename or output
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        left = shutil.disk_usage(probe).free
        free = f"{left / 1e9:,.1f} GB free" if left >= 1e9 else f"{left / 1e6:,.1f} MB free" if left >= 1e6 else f"{left:,} bytes free"
    except OSError:
        free = "free space unknown"
    return f"disk full writing {path} ({free} on that file system; {err.strerror or err})"


if __name__ == "__main__":
    sys.exit(main())
