"""How to hold pages back while task-mode host boilerplate learns: the choice behind
filters/web/page_buffer.py, measured on real pages in one run.

    python benchmarks/page_buffer.py                 # the packed fixture WARC's pages, 4 copies, 7 repeats
    python benchmarks/page_buffer.py --copies 16 --repeats 5

Each way holds every page of `--copies` copies of ../shared/data/web/ja_fixture_pages_packed.warc.gz
(69 real pages, 637k characters) and then hands them all back in order:

- `objects`: a list of Documents (what the stage did before);
- `zlib1_in_memory`: each page pickled and compressed with zlib level 1, kept in memory;
- `file`: PageBuffer with memory_chars=0, every page pickled into an unnamed temporary file;
- `page_buffer`: PageBuffer with its default in-memory part (DEFAULT_MEMORY_CHARS), the rest in the file.

Per way: median time to hold and hand back (per million characters, to set against
extraction's cost), and the memory held at the end of filling (tracemalloc, Python
allocations, in a separate untimed run; the file's pages are in the OS page cache, not in
the process). The stage-level numbers are benchmarks/memory.py
(peak RSS 1x -> 4x) and benchmarks/ingest_web.py --before REV (throughput).
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters.web.page_buffer import DEFAULT_MEMORY_CHARS, PageBuffer  # noqa: E402

FIXTURE = ROOT.parent / "shared" / "data" / "web" / "ja_fixture_pages_packed.warc.gz"


def objects(docs: Iterable) -> Iterator:
    held = list(docs)
    yield len(held)
    yield from held


def zlib1_in_memory(docs: Iterable) -> Iterator:
    held = [zlib.compress(pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL), 1) for d in docs]
    yield len(held)
    for blob in held:
        yield pickle.loads(zlib.decompress(blob))


def spilled(memory_chars: int) -> Callable[[Iterable], Iterator]:
    def hold(docs: Iterable) -> Iterator:
        with PageBuffer(memory_chars) as buffer:
            for doc in docs:
                buffer.append(doc)
            yield len(buffer)
            yield from buffer.drain()
    return hold


WAYS = {"objects": objects, "zlib1_in_memory": zlib1_in_memory, "file": spilled(0),
        "page_buffer": spilled(DEFAULT_MEMORY_CHARS)}


def source(docs: list) -> Iterator:
    """The pages one at a time, the list letting go of each (as a reader's stream does)."""
    docs.reverse()
    while docs:
        yield docs.pop()


def measure(way: Callable[[Iterable], Iterator], blob: bytes, copies: int, traced: bool) -> tuple[float, int, int]:
    """(seconds to hold and hand back, bytes held after filling when `traced`, pages handed back).
    Traced runs are not timed (tracemalloc slows every allocation down)."""
    if traced:
        tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    docs = [d for _ in range(copies) for d in pickle.loads(blob)]  # fresh objects, made before the clock
    started = time.perf_counter()
    out = way(source(docs))
    next(out)  # every page held
    held = tracemalloc.get_traced_memory()[0] - base
    n = sum(1 for _ in out)
    elapsed = time.perf_counter() - started
    if traced:
        tracemalloc.stop()
    return elapsed, held, n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    from filters.web.warc_reader import WarcReader

    pages = [d for d in WarcReader([str(FIXTURE)]).run(None) if d.text]
    blob = pickle.dumps(pages)
    chars = args.copies * sum(len(d.text) for d in pages)
    print(f"{args.copies} x {len(pages)} real pages, {chars:,} characters")
    times: dict[str, list[float]] = {w: [] for w in WAYS}
    held: dict[str, int] = {}
    for name, way in WAYS.items():
        held[name] = measure(way, blob, args.copies, traced=True)[1]
    for _ in range(args.repeats):  # interleaved, so load from other processes hits every way alike
        for name, way in WAYS.items():
            elapsed, _, n = measure(way, blob, args.copies, traced=False)
            assert n == args.copies * len(pages)
            times[name].append(elapsed)
    print(f"{'way':18s} {'median ms':>10s} {'ms per 1M chars':>16s} {'held MB':>8s} {'held / objects':>15s}")
    for name in WAYS:
        t = statistics.median(times[name])
        print(f"{name:18s} {t * 1e3:10.2f} {t * 1e3 * 1e6 / chars:16.2f} {held[name] / 1e6:8.2f} "
              f"{held[name] / held['objects']:15.3f}")
    print(f"ratio zlib1_in_memory / file (time, same run): "
          f"{statistics.median(times['zlib1_in_memory']) / statistics.median(times['file']):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
