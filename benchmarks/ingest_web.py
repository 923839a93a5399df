"""Benchmark: our ingest_web stage vs datatrove's stock web path, in the same run.

    python benchmarks/ingest_web.py                  # the shared WARCs, 5 repeats
    python benchmarks/ingest_web.py --passes 4 --repeats 7 --inputs a.warc.gz b.warc.gz

Ours: the stage's own steps from `pipelines.ingest_web.build` (FastWARC reader, charset
detection, pre-check, licence evidence, extraction in a sandbox, lid.176, parquet shards
and exclusion shards written), once per extractor (`hybrid`, the default; `resiliparse`;
`trafilatura`). Baseline: datatrove's `WarcReader` (warcio + cchardet + python-magic) ->
`Trafilatura(favour_precision=True)` -> `LanguageFilter(["ja"])`, with lid.176.ftz loaded
in place of the lid.176.bin it would download. Each runs in one process (one task; each
extractor also has its sandbox worker, which the parent waits on). Pages are the input's
HTTP response records. Two rates per path: pages per second of wall time, and pages per
CPU-second (the process plus its sandbox worker, so per core by construction, and much
less sensitive than wall time to other jobs on a shared machine). Medians over repeats,
interleaved so that load from other processes hits all paths alike. (Trafilatura's
`deduplicate=True`, part of the stock settings, remembers text across documents, so with
several passes the stock path keeps fewer pages on later passes: compare "kept" with that
in mind.)

It also prints, for both extractors, the character-bigram F1 against the gold files and
how many of the packed fixture pages each path decodes with the expected charset.
"""

from __future__ import annotations

import argparse
import codecs
import statistics
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED_WEB = ROOT.parent / "shared" / "data" / "web"
DEFAULT_INPUTS = [SHARED_WEB / "ja_fixture_pages_packed.warc.gz", SHARED_WEB / "cc-main-2020-34_sample_non-ja.warc.gz"]


def count_responses(paths: list[Path]) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    return sum(1 for p in paths for _ in ArchiveIterator(str(p), record_types=WarcRecordType.response))


def drain(steps: list) -> None:
    """What datatrove's executor does with a pipeline: chain the generators, then drain."""
    data = None
    for step in steps:
        data = step(data, 0, 1)
    deque(data, maxlen=0)


def ours(paths: list[Path], workdir: Path, extractor: str = "hybrid") -> list:
    from corpus.stage import StageContext
    from pipelines.ingest_web import Options, build

    ctx = StageContext(name="ingest_web", stage_dir=workdir, inputs=[str(p) for p in paths],
                       options=Options(extractor=extractor), quiet=True)
    steps = build(ctx)
    for step in steps:  # load lid.176 before the clock starts, as stock() does for its LanguageFilter
        if hasattr(step, "lid"):
            _ = step.lid.model
    return steps


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
    return [WarcReader("/", paths_file=str(listing), compression="infer"), Trafilatura(favour_precision=True), language]


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
        steps = make(paths, Path(tmp))
        cpu, started = cpu_seconds(), time.perf_counter()
        drain(steps)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        kept = [s for s in steps if "Language" in type(s).__name__ or "language" in getattr(s, "name", "")]
        n_kept = int(kept[0].stats["forwarded"].total) if kept else -1
    return elapsed, cpu, n_kept


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


def quality() -> None:
    from trafilatura import extract

    from filters.web.extraction import extract_text
    from filters.web.extraction_quality import bigram_f1, load_gold

    gold = load_gold(SHARED_WEB)
    extractors = {
        "ours, hybrid (default)": lambda page: extract_text(page),
        "ours, extractor=resiliparse (+ edge trim)": lambda page: extract_text(page, extractor="resiliparse"),
        "resiliparse, no trim": lambda page: extract_text(page, extractor="resiliparse", trim=False),
        "ours, extractor=trafilatura (+ edge trim)": lambda page: extract_text(page, extractor="trafilatura"),
        "trafilatura, datatrove stock settings": lambda page: extract(
            page, favor_precision=True, include_comments=False, deduplicate=True),
        "trafilatura, Swallow settings": lambda page: extract(page, include_comments=False, include_tables=False),
    }
    print("\nextraction quality (character-bigram F1 vs ../shared/data/web/gold)")
    names = [name.split(".")[0] for name, *_ in gold]
    print(f"  {'extractor':42s} {'ja mean':>8s}  " + "  ".join(f"{n[:18]:>18s}" for n in names))
    for label, fn in extractors.items():
        scores = [(lang, bigram_f1(fn(page), text).f1) for _, lang, page, text in gold]
        ja = [s for lang, s in scores if lang == "ja"]
        print(f"  {label:42s} {sum(ja) / len(ja):8.3f}  " + "  ".join(f"{s:18.3f}" for _, s in scores))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", nargs="+", type=Path, default=DEFAULT_INPUTS)
    parser.add_argument("--passes", type=int, default=3, help="read the inputs this many times per measurement")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    paths = [p.resolve() for p in args.inputs] * args.passes
    pages = count_responses(paths)
    print(f"inputs: {', '.join(p.name for p in args.inputs)} x {args.passes} passes = {pages} response records")
    paths_under_test = {
        "ours": (ours, "ours, default (extractor=hybrid)"),
        "ours_resiliparse": (ours_resiliparse, "ours, extractor=resiliparse"),
        "ours_trafilatura": (ours_trafilatura, "ours, extractor=trafilatura"),
        "stock": (stock, "datatrove: WarcReader+Trafilatura+LanguageFilter"),
    }
    for make, _title in paths_under_test.values():  # warm imports and the page cache for all
        time_once(make, paths[:1])
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in paths_under_test}
    kept: dict[str, int] = {}
    for _ in range(args.repeats):
        for label, (make, _title) in paths_under_test.items():
            elapsed, cpu, n_kept = time_once(make, paths)
            runs[label].append((elapsed, cpu))
            kept[label] = n_kept
    print(f"\n{'path':50s} {'wall s':>7s} {'pages/s':>8s} {'CPU s':>7s} {'pages/CPU-s':>11s} {'kept':>5s}")
    wall_rate, cpu_rate = {}, {}
    for label, (_make, title) in paths_under_test.items():
        wall = statistics.median(t for t, _ in runs[label])
        cpu = statistics.median(c for _, c in runs[label])
        wall_rate[label], cpu_rate[label] = pages / wall, pages / cpu
        print(f"{title:50s} {wall:7.3f} {wall_rate[label]:8.1f} {cpu:7.3f} {cpu_rate[label]:11.1f} {kept[label]:5d}")
    for label in ("ours", "ours_resiliparse", "ours_trafilatura"):
        print(f"ratio {label} / stock: {wall_rate[label] / wall_rate['stock']:.1f}x wall, "
              f"{cpu_rate[label] / cpu_rate['stock']:.1f}x per CPU-second")
    print("runs (wall s/CPU s): " + "; ".join(
        f"{k} " + ", ".join(f"{t:.2f}/{c:.2f}" for t, c in v) for k, v in runs.items()))

    packed = SHARED_WEB / "ja_fixture_pages_packed.warc.gz"
    if packed.exists():
        right, total = our_charset_accuracy(packed)
        s_right, s_decoded, s_total = stock_charset_accuracy(packed)
        print(f"\ncharset on {packed.name}: ours {right}/{total} records right; datatrove stock: {s_right} right "
              f"of the {s_decoded} it decodes ({s_total - s_decoded} passed over: not HTML to libmagic, or undecodable)")
        quality()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
