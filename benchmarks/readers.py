"""Document readers: ours (every record counted) against datatrove's stock JsonlReader and
ParquetReader, in the same run, on real Japanese text (KWDLC leads from ../shared/data).

    python benchmarks/readers.py [--copies 8] [--repeats 5]

For each format it prints documents read and MB/s per CPU-second (medians of the repeats)
for both readers, and the ratio ours/stock. A last case puts one invalid UTF-8 value in a
3,000-row parquet file and prints how many rows each reader accounts for.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from corpus.readers.document_reader import DocumentReader, settings_from_options  # noqa: E402
from corpus.readers.input_formats import InputOptions  # noqa: E402
from benchmarks.evalsets.bad_parquet import texts_with_bad_row  # noqa: E402


def make_inputs(folder: Path, copies: int) -> dict[str, Path]:
    records = [json.loads(line) for line in (DATA / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]
    records = [{**r, "id": f"{n}/{r['id']}"} for n in range(copies) for r in records]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    (folder / "leads.jsonl").write_bytes(lines)
    (folder / "leads.jsonl.gz").write_bytes(gzip.compress(lines, compresslevel=6))
    pq.write_table(pa.table({"text": [r["text"] for r in records], "id": [r["id"] for r in records]}),
                   folder / "leads.parquet")
    texts = [r["text"] for r in records[:3000]]
    pq.write_table(pa.table({"text": texts_with_bad_row(texts, 1500)}), folder / "bad_row.parquet")
    return {"jsonl": folder / "leads.jsonl", "jsonl.gz": folder / "leads.jsonl.gz", "parquet": folder / "leads.parquet"}


def ours(path: Path) -> int:
    reader = DocumentReader([str(path)], settings_from_options(InputOptions()))
    return sum(1 for _ in reader.run())


def stock(path: Path) -> int:
    from datatrove.pipeline.readers import JsonlReader, ParquetReader

    cls = ParquetReader if path.suffix == ".parquet" else JsonlReader
    return sum(1 for _ in cls(str(path.parent), glob_pattern=path.name).run())


def timed(fn, path: Path, repeats: int) -> tuple[int, float]:
    seconds, docs = [], 0
    for _ in range(repeats):
        start = time.process_time()
        docs = fn(path)
        seconds.append(time.process_time() - start)
    return docs, statistics.median(seconds)


def main() -> None:
    from loguru import logger

    logger.remove()  # datatrove logs one INFO line per file read
    logger.add(sys.stderr, level="WARNING")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="copies of the 5,127 leads (1.5 MB each)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = make_inputs(Path(tmp), args.copies)
        megabytes = inputs["jsonl"].stat().st_size / 1e6
        print(f"{megabytes:.1f} MB of jsonl text ({args.copies} x KWDLC leads); CPU seconds, median of {args.repeats}")
        print(f"{'format':<10} {'ours docs':>10} {'ours MB/s':>10} {'stock docs':>11} {'stock MB/s':>11} {'ratio':>6}")
        for fmt, path in inputs.items():
            n_ours, t_ours = timed(ours, path, args.repeats)
            n_stock, t_stock = timed(stock, path, args.repeats)
            print(f"{fmt:<10} {n_ours:>10} {megabytes / t_ours:>10.1f} {n_stock:>11} {megabytes / t_stock:>11.1f} "
                  f"{t_stock / t_ours:>6.2f}")
        bad = Path(tmp) / "bad_row.parquet"
        try:
            n_stock_bad = stock(bad)
        except UnicodeDecodeError as err:  # the stock reader ends the task here
            n_stock_bad = f"raised {type(err).__name__}"
        print(f"3,000 rows, row 1,500 not UTF-8: ours {ours(bad)} documents (1 excluded invalid_utf8), "
              f"stock {n_stock_bad}")


if __name__ == "__main__":
    main()
