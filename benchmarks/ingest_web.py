"""Benchmark: our ingest_web stage vs datatrove's stock web path, in the same run.

    python benchmarks/ingest_web.py                  # the shared WARCs, 5 repeats
    python benchmarks/ingest_web.py --passes 4 --repeats 7 --inputs a.warc.gz b.warc.gz

Ours: the stage's own steps from `pipelines.ingest_web.build` (FastWARC reader, charset
detection, pre-check, licence evidence, resiliparse in a sandbox, lid.176, parquet shards
and exclusion shards written). Baseline: datatrove's `WarcReader` (warcio + cchardet +
python-magic) -> `Trafilatura(favour_precision=True)` -> `LanguageFilter(["ja"])`, with
lid.176.ftz loaded in place of the lid.176.bin it would download. Both run in one process
(one task; each extractor also has its sandbox worker, which the parent waits on), so
pages/s is per core. Pages are the input's HTTP response records. Medians over repeats,
interleaved so that load from other processes hits both alike. (Trafilatura's
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


def ours(paths: list[Path], workdir: Path, extractor: str = "resiliparse") -> list:
    from corpus.stage import StageContext
    from pipelines.ingest_web import Options, build

    ctx = StageContext(name="ingest_web", stage_dir=workdir, inputs=[str(p) for p in paths],
                       options=Options(extractor=extractor), quiet=True)
    return build(ctx)


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


def time_once(make, paths: list[Path]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        steps = make(paths, Path(tmp))
        started = time.perf_counter()
        drain(steps)
        elapsed = time.perf_counter() - started
        kept = [s for s in steps if "Language" in type(s).__name__ or "language" in getattr(s, "name", "")]
        n_kept = int(kept[0].stats["forwarded"].total) if kept else -1
    return elapsed, n_kept


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
        "ours (resiliparse + edge trim)": lambda page: extract_text(page),
        "resiliparse, no trim": lambda page: extract_text(page, trim=False),
        "ours, extractor=trafilatura (+ edge trim)": lambda page: extract_text(page, extractor="trafilatura"),
        "trafilatura, datatrove stock settings": lambda page: extract(
            page, favor_precision=True, include_comments=False, deduplicate=True),
        "trafilatura, Swallow settings": lambda page: extract(page, include_comments=False, include_tables=False),
    }
    print("\nextraction quality (character-bigram F1 vs ../shared/data/web/gold)")
    names = [name.split(".")[0] for name, *_ in gold]
    print(f"  {'extractor':40s} {'ja mean':>8s}  " + "  ".join(f"{n[:18]:>18s}" for n in names))
    for label, fn in extractors.items():
        scores = [(lang, bigram_f1(fn(page), text).f1) for _, lang, page, text in gold]
        ja = [s for lang, s in scores if lang == "ja"]
        print(f"  {label:40s} {sum(ja) / len(ja):8.3f}  " + "  ".join(f"{s:18.3f}" for _, s in scores))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", nargs="+", type=Path, default=DEFAULT_INPUTS)
    parser.add_argument("--passes", type=int, default=3, help="read the inputs this many times per measurement")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    paths = [p.resolve() for p in args.inputs] * args.passes
    pages = count_responses(paths)
    print(f"inputs: {', '.join(p.name for p in args.inputs)} x {args.passes} passes = {pages} response records")
    for make in (ours, ours_trafilatura, stock):  # warm imports and the page cache for all
        time_once(make, paths[:1])
    paths_under_test = {
        "ours": (ours, "ours (default): FastWARC, precheck, resiliparse, lid176"),
        "ours_trafilatura": (ours_trafilatura, "ours, extractor=trafilatura"),
        "stock": (stock, "datatrove: WarcReader+Trafilatura+LanguageFilter"),
    }
    runs: dict[str, list[float]] = {label: [] for label in paths_under_test}
    kept: dict[str, int] = {}
    for _ in range(args.repeats):
        for label, (make, _title) in paths_under_test.items():
            elapsed, n_kept = time_once(make, paths)
            runs[label].append(elapsed)
            kept[label] = n_kept
    print(f"\n{'path':56s} {'median s':>9s} {'pages/s/core':>13s} {'kept':>5s}")
    rate = {}
    for label, (_make, title) in paths_under_test.items():
        median = statistics.median(runs[label])
        rate[label] = pages / median
        print(f"{title:56s} {median:9.3f} {rate[label]:13.1f} {kept[label]:5d}")
    for label in ("ours", "ours_trafilatura"):
        print(f"ratio {label} / stock: {rate[label] / rate['stock']:.1f}x")
    print("runs (s): " + "; ".join(f"{k} " + ", ".join(f"{t:.2f}" for t in v) for k, v in runs.items()))

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
