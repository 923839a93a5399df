"""Benchmark: our ingest_web stage vs datatrove's stock web path, in the same run.

    python benchmarks/ingest_web.py                  # the shared WARCs, 5 repeats
    python benchmarks/ingest_web.py --passes 4 --repeats 7 --inputs a.warc.gz b.warc.gz
    python benchmarks/ingest_web.py --before ad3f40a # also time the stage as it was at a git revision

Ours: the stage's own steps from `pipelines.ingest_web.build` (FastWARC reader, charset
detection, pre-check, licence evidence, extraction in a sandbox, lid.176, parquet shards
and exclusion shards written), with the default options (host boilerplate learned within
the task), with `host_boilerplate: crawl` (all three passes: counting host blocks, host
tables, extraction), with `host_boilerplate: off` (to show what the per-host tables cost),
and with `extractor: resiliparse` / `trafilatura`. Baseline:
datatrove's `WarcReader` (warcio + cchardet + python-magic) -> `Trafilatura(favour_precision=True)`
-> `LanguageFilter(["ja"])`, with lid.176.ftz loaded in place of the lid.176.bin it would
download. `--before REV` adds the stage as it was at git revision REV (its tree exported by
`git archive`, timed in a child process per repeat, same inputs), so today's and the
earlier throughput are measured in one run. The inputs are concatenated `--passes` times
into one WARC (a file listed twice would be read once). Each path runs in one process (one task; each
extractor also has its sandbox worker, which the parent waits on). Pages are the input's
HTTP response records. Two rates per path: pages per second of wall time, and pages per
CPU-second (the process plus its sandbox worker, so per core by construction, and much
less sensitive than wall time to other jobs on a shared machine). Medians over repeats,
interleaved so that load from other processes hits all paths alike. (Trafilatura's
`deduplicate=True`, part of the stock settings, remembers text across documents, so with
several passes the stock path keeps fewer pages on later passes: compare "kept" with that
in mind.)

It then prints how many of the packed fixture pages each path decodes with the expected
charset, and the extraction quality tables of benchmarks/web_extraction_eval.py (the tuning
and the evaluation gold sets).
"""

from __future__ import annotations

import argparse
import codecs
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SHARED_WEB = ROOT.parent / "shared" / "data" / "web"
DEFAULT_INPUTS = [SHARED_WEB / "ja_fixture_pages_packed.warc.gz", SHARED_WEB / "cc-main-2020-34_sample_non-ja.warc.gz"]


def count_responses(paths: list[Path]) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    return sum(1 for p in paths for _ in ArchiveIterator(str(p), record_types=WarcRecordType.response))


def drain(steps: list, rank: int = 0, world_size: int = 1) -> None:
    """What datatrove's executor does with a pipeline: chain the generators, then drain."""
    data = None
    for step in steps:
        data = step(data, rank, world_size)
    deque(data or (), maxlen=0)


def ours(paths: list[Path], workdir: Path, **options) -> list:
    """The stage's passes as [(steps, tasks)], built by the stage itself."""
    from corpus.run.stage import Pass, StageContext
    from pipelines.ingest_web import Options, build

    ctx = StageContext(name="ingest_web", stage_dir=workdir, inputs=[str(p) for p in paths],
                       options=Options(**options), quiet=True)
    built = build(ctx)
    passes = built if isinstance(built[0], Pass) else [Pass("main", built)]
    for p in passes:
        for step in p.steps:  # load lid.176 before the clock starts, as stock() does for its LanguageFilter
            if hasattr(step, "lid"):
                _ = step.lid.model
    return [(p.steps, p.tasks or 1) for p in passes]


def ours_crawl(paths: list[Path], workdir: Path) -> list:
    return ours(paths, workdir, host_boilerplate="crawl")


def ours_no_tables(paths: list[Path], workdir: Path) -> list:
    return ours(paths, workdir, host_boilerplate="off")


def ours_resiliparse(paths: list[Path], workdir: Path) -> list:
    return ours(paths, workdir, extractor="resiliparse")


def ours_trafilatura(paths: list[Path], workdir: Path) -> list:
    return ours(paths, workdir, extractor="trafilatura")


def stock(paths: list[Path], workdir: Path) -> list:
    import fasttext
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import LanguageFilter
    from datatrove.pipeline.readers import WarcReader

    from filters.web.langid import bundled_model_path

    listing = workdir / "paths.txt"
    listing.write_text("\n".join(str(p) for p in paths) + "\n")
    # LanguageFilter checks for the `fasttext-numpy2-wheel` and `fasteners` distributions; here
    # the same `fasttext` module comes from fasttext-predict and nothing is downloaded (so no
    # download lock is needed): skip that check for this one step, and give it lid.176.ftz
    import datatrove.pipeline.base as datatrove_base

    check = datatrove_base.check_required_dependencies
    datatrove_base.check_required_dependencies = lambda *args, **kwargs: None
    try:
        language = LanguageFilter(languages=["ja"])
    finally:
        datatrove_base.check_required_dependencies = check
    language.model._model = _NumpyScores(fasttext.load_model(bundled_model_path()))
    return [([WarcReader("/", paths_file=str(listing), compression="infer"), Trafilatura(favour_precision=True), language], 1)]


class _NumpyScores:
    """fasttext-predict returns float scores where the fasttext wheel datatrove expects returns
    numpy arrays (datatrove calls `.item()` on them); same model, same numbers."""

    def __init__(self, model):
        self.model = model

    def predict(self, text: str, k: int = 1):
        import numpy

        labels, scores = self.model.predict(text, k=k)
        return labels, numpy.asarray(scores)


def cpu_seconds() -> float:
    """CPU time of this process and of its reaped children (the extractors' sandbox workers)."""
    import multiprocessing
    import resource

    multiprocessing.active_children()  # reap finished workers so that their time is counted
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def time_once(make, paths: list[Path]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, pages kept) of one run of a path over `paths`."""
    with tempfile.TemporaryDirectory() as tmp:
        passes = make(paths, Path(tmp))
        cpu, started = cpu_seconds(), time.perf_counter()
        for steps, tasks in passes:
            for rank in range(tasks):
                drain(steps, rank, tasks)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        steps = passes[-1][0]
        kept = [s for s in steps if "Language" in type(s).__name__ or "language" in getattr(s, "name", "")]
        n_kept = int(kept[0].stats["forwarded"].total) if kept else -1
    return elapsed, cpu, n_kept


# run in a child process inside an exported old tree: times that tree's stage once, after a warm-up
_BEFORE_SNIPPET = """
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[1] + "/benchmarks")
from ingest_web import time_once, ours
paths = [Path(p) for p in json.loads(sys.argv[2])]
time_once(ours, paths)
print(json.dumps(time_once(ours, paths)))
"""


class Before:
    """The stage at an earlier git revision, exported once and timed in a child process."""

    def __init__(self, rev: str):
        self.rev = rev
        self.tmp = tempfile.TemporaryDirectory(prefix=f"jacorpus-{rev}-")
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", self.tmp.name], input=archive, check=True)

    def time(self, paths: list[Path]) -> tuple[float, float, int]:
        out = subprocess.run([sys.executable, "-c", _BEFORE_SNIPPET, self.tmp.name, json.dumps([str(p) for p in paths])],
                             check=True, capture_output=True, text=True, cwd=self.tmp.name)
        return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def stock_charset_accuracy(path: Path) -> tuple[int, int, int]:
    """(right, decoded at all, total) for datatrove's stock decoding of the packed fixture pages."""
    from datatrove.pipeline.readers.warc import process_record
    from warcio.archiveiterator import ArchiveIterator

    right = decoded = total = 0
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            total += 1
            expected = record.rec_headers.get_header("WARC-X-Expected-Charset")
            raw = record.content_stream().read()
            from io import BytesIO

            record.raw_stream = BytesIO(raw)  # process_record reads the body again
            out = process_record(record)
            if not out:
                continue
            decoded += 1
            if out["text"] == raw.decode(codecs.lookup(expected).name, "replace"):
                right += 1
    return right, decoded, total


def our_charset_accuracy(path: Path) -> tuple[int, int]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    from filters.web.charset import decode_body

    right = total = 0
    for record in ArchiveIterator(str(path), record_types=WarcRecordType.response, parse_http=True):
        total += 1
        got = decode_body(record.reader.read(), record.http_headers.get("Content-Type"))
        right += codecs.lookup(got.charset).name == codecs.lookup(record.headers.get("WARC-X-Expected-Charset")).name
    return right, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", nargs="+", type=Path, default=DEFAULT_INPUTS)
    parser.add_argument("--passes", type=int, default=3, help="read the inputs this many times per measurement")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--before", default=None, help="git revision whose ingest_web to time in the same run")
    args = parser.parse_args()

    # the inputs, `passes` times over, as one WARC (gzip members and WARC records concatenate):
    # the same file listed twice would be read once (corpus/readers/unique_ids.py)
    workdir = tempfile.TemporaryDirectory(prefix="ingest_web_bench_")
    paths = [Path(workdir.name) / ("inputs.warc.gz" if all(p.suffix == ".gz" for p in args.inputs) else "inputs.warc")]
    with open(paths[0], "wb") as out:
        for _ in range(args.passes):
            for p in args.inputs:
                out.write(p.resolve().read_bytes())
    pages = count_responses(paths)
    print(f"inputs: {', '.join(p.name for p in args.inputs)} x {args.passes} passes = {pages} response records")
    paths_under_test = {
        "ours": (ours, "ours, default (hybrid, host tables per task)"),
        "ours_crawl": (ours_crawl, "ours, host_boilerplate=crawl (3 passes)"),
        "ours_no_tables": (ours_no_tables, "ours, host_boilerplate=off"),
        "ours_resiliparse": (ours_resiliparse, "ours, extractor=resiliparse"),
        "ours_trafilatura": (ours_trafilatura, "ours, extractor=trafilatura"),
        "stock": (stock, "datatrove: WarcReader+Trafilatura+LanguageFilter"),
    }
    before = Before(args.before) if args.before else None
    for make, _title in paths_under_test.values():  # warm imports and the page cache for all
        time_once(make, paths)
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in paths_under_test}
    if before:
        runs["before"] = []
    kept: dict[str, int] = {}
    for _ in range(args.repeats):
        for label, (make, _title) in paths_under_test.items():
            elapsed, cpu, n_kept = time_once(make, paths)
            runs[label].append((elapsed, cpu))
            kept[label] = n_kept
        if before:
            elapsed, cpu, kept["before"] = before.time(paths)
            runs["before"].append((elapsed, cpu))
    titles = {label: title for label, (_make, title) in paths_under_test.items()}
    if before:
        titles["before"] = f"ours at {args.before} (default options then)"
    print(f"\n{'path':50s} {'wall s':>7s} {'pages/s':>8s} {'CPU s':>7s} {'pages/CPU-s':>11s} {'kept':>5s}")
    wall_rate, cpu_rate = {}, {}
    for label, title in titles.items():
        wall = statistics.median(t for t, _ in runs[label])
        cpu = statistics.median(c for _, c in runs[label])
        wall_rate[label], cpu_rate[label] = pages / wall, pages / cpu
        print(f"{title:50s} {wall:7.3f} {wall_rate[label]:8.1f} {cpu:7.3f} {cpu_rate[label]:11.1f} {kept[label]:5d}")
    for label in ("ours", "ours_crawl", "ours_no_tables", "ours_resiliparse", "ours_trafilatura"):
        print(f"ratio {label} / stock: {wall_rate[label] / wall_rate['stock']:.1f}x wall, "
              f"{cpu_rate[label] / cpu_rate['stock']:.1f}x per CPU-second")
    for label in ("ours", "ours_crawl"):
        print(f"ratio {label} / ours_no_tables (cost of the host tables): "
              f"{wall_rate[label] / wall_rate['ours_no_tables']:.2f}x wall, "
              f"{cpu_rate[label] / cpu_rate['ours_no_tables']:.2f}x per CPU-second")
    if before:
        for label in ("ours", "ours_crawl"):
            print(f"ratio {label} / ours at {args.before}: {wall_rate[label] / wall_rate['before']:.2f}x wall, "
                  f"{cpu_rate[label] / cpu_rate['before']:.2f}x per CPU-second")
    print("runs (wall s/CPU s): " + "; ".join(
        f"{k} " + ", ".join(f"{t:.2f}/{c:.2f}" for t, c in v) for k, v in runs.items()))

    packed = SHARED_WEB / "ja_fixture_pages_packed.warc.gz"
    if packed.exists():
        right, total = our_charset_accuracy(packed)
        s_right, s_decoded, s_total = stock_charset_accuracy(packed)
        print(f"\ncharset on {packed.name}: ours {right}/{total} records right; datatrove stock: {s_right} right "
              f"of the {s_decoded} it decodes ({s_total - s_decoded} passed over: not HTML to libmagic, or undecodable)")
        from web_extraction_eval import evaluation_table, tuning_table

        tuning_table(SHARED_WEB)
        evaluation_table(SHARED_WEB)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
