"""End-to-end throughput: every stage on >= 1 GB of WARC input, and what a Common Crawl
snapshot's Japanese share would cost at these speeds.

    nice python benchmarks/e2e.py --work /tmp/jacorpus_e2e            # 1 GB, made once and reused
    python benchmarks/e2e.py --work /tmp/e2e_small --gb 0.05 --json out.json

The input is made by `e2e_input.py` from the real fixtures in ../shared/data/web (exact copies,
near copies and pages with new real Japanese text, each copy on its own hosts). The pipeline
is `jacorpus run` on it (web only: ingest_web with feeds, filter, dedup, tokenizer, tokenize),
one stage per process, local executor, one task per 64 MB WARC, two workers. Per stage:

- documents/s and MB/s per core: documents and bytes in, over the CPU seconds (user + system)
  of the stage's process and all its workers, read with wait4(2) by a small launcher process;
  MB are WARC bytes (gzip) for ingest and UTF-8 text bytes for the stages after it;
- peak RSS: the largest single process (a worker), which is what sizes a cluster node;
- disk written per input GB: the stage directory's bytes (shards, excluded, intermediates) per
  GB of WARC input.

Same run, as references: reading the WARCs (gzip only) per core, and ingest on the non-Japanese
Common Crawl records alone, which is what most of a snapshot costs. The cost table combines
these measured rates with the stated assumptions (ASSUMPTIONS, each with its source).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from benchmarks.harness.child_usage import measure, with_root_on_path  # noqa: E402
from e2e_input import DATA, FIXTURES, make_input, perturb, read_records, sentences  # noqa: E402

STAGES = ("ingest_web", "filter", "dedup", "tokenizer", "tokenize")
TOKENIZER_SAMPLE_CHARS = 20_000_000  # the tokenizer's cost is set by its sample budget, not by the input

# What one Common Crawl snapshot holds, and what the corpora built from them report. Every
# figure names its source; the derived ones say how they were derived.
ASSUMPTIONS = {
    "snapshot": "CC-MAIN-2024-51",
    "pages": 2.64e9,  # Common Crawl blog, "December 2024 crawl archive now available"
    "uncompressed_tib": 394,  # same post
    # WARC (gzip) size over uncompressed content, from the one announcement that lists both:
    # CC-MAIN-2018-34, 67.79 TiB of WARC for 220 TiB (commoncrawl.org/2018/08/...)
    "warc_ratio": 67.79 / 220,
    # Japanese-only pages (CLD2 content_languages = 'jpn') in CC-MAIN-2023-50, counted with
    # Common Crawl's columnar index: 74,044,705 (zenn.dev/vzvu3k6k/scraps/053de78b5b94c6)
    "ja_pages": 74_044_705,
    # characters per page that survive extraction and filtering: Swallow's 312.1B characters
    # over 173M pages (Okazaki et al. 2024, arXiv:2404.17733)
    "chars_per_ja_page": 312.1e9 / 173e6,
    # Swallow's output per snapshot: 312.1B characters from 21 snapshots
    "kept_chars_per_snapshot": 312.1e9 / 21,
    "bytes_per_char": 3,  # Japanese in UTF-8
}


@dataclass
class StageMeasure:
    stage: str
    documents_in: int
    documents_kept: int
    bytes_in: int
    cpu_s: float
    wall_s: float
    peak_rss_mb: float
    disk_bytes: int

    def per_core(self) -> tuple[float, float]:
        cpu = max(self.cpu_s, 1e-9)
        return self.documents_in / cpu, self.bytes_in / 1e6 / cpu


def launch(args: list[str], cwd: Path) -> tuple[int, float, float, float]:
    """(exit code, CPU seconds, peak RSS MB, wall seconds) of one command in a fresh process tree."""
    used = measure(args, cwd, with_root_on_path(ROOT, JACORPUS_QUIET="1", CI="true"))
    return used.code, used.cpu_s, used.peak_rss_mb, used.wall_s


def disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def write_config(work: Path, inputs: Path, tasks: int, workers: int) -> Path:
    import yaml

    manifest = {"sources": [{"name": "e2e_web", "kind": "web", "paths": [str(inputs / "*.warc.gz")]}]}
    (work / "sources.yaml").write_text(yaml.safe_dump(manifest))
    config = {
        "run_dir": str(work / "run"),
        "sources": [str(work / "sources.yaml")],
        "executor": {"type": "local", "tasks": tasks, "workers": workers},
        "stages": {
            "ingest_web": {"options": {"extract_feeds": True}},  # most Japanese fixtures are feeds
            "tokenizer": {"options": {"max_characters": TOKENIZER_SAMPLE_CHARS}},
            "train": {"enabled": False},
        },
    }
    path = work / "e2e.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_stages(work: Path, config: Path, warc_bytes: int) -> list[StageMeasure]:
    run_dir = work / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    measures = []
    upstream_bytes = warc_bytes
    for stage in STAGES:
        code, cpu, rss, wall = launch([sys.executable, "-m", "corpus.cli", "run", str(config), "--stage", stage,
                                       "--quiet"], cwd=work)
        if code:
            raise RuntimeError(f"{stage} exited {code}")
        report = json.loads((run_dir / stage / "report.json").read_text())
        docs = report["documents"]
        bytes_in = warc_bytes if stage == "ingest_web" else upstream_bytes
        measures.append(StageMeasure(stage, docs["in"], docs["kept"], bytes_in, round(cpu, 2), round(wall, 2),
                                     round(rss, 1), disk_bytes(run_dir / stage)))
        if stage in ("ingest_web", "filter", "dedup"):
            upstream_bytes = report["kept"]["bytes"]
        print(f"{stage:11s} in {docs['in']:8d} kept {docs['kept']:8d}  {bytes_in / 1e6:9.1f} MB in  "
              f"cpu {cpu:8.1f} s  wall {wall:7.1f} s  peak RSS {rss:6.0f} MB", flush=True)
    return measures


def gzip_read_rate(files: list[Path]) -> float:
    """MB of gzip WARC per CPU second, decompressing only: the floor under any WARC reader."""
    started = time.process_time()
    total = 0
    for path in files:
        with open(path, "rb") as f:
            d = zlib.decompressobj(31)
            while chunk := f.read(1 << 20):
                d.decompress(chunk)
                while d.eof:  # one gzip member per record
                    rest = d.unused_data
                    d = zlib.decompressobj(31)
                    d.decompress(rest)
                total += len(chunk)
    return total / 1e6 / max(time.process_time() - started, 1e-9)


def foreign_ingest(work: Path, copies: int) -> StageMeasure:
    """ingest_web on the non-Japanese Common Crawl records alone, repeated `copies` times."""
    import gzip
    import random

    folder = work / "foreign"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "in").mkdir(parents=True)
    records, pool, rng = read_records(DATA / "web" / FIXTURES[1]), sentences()[:10], random.Random(0)
    path = folder / "in" / "foreign.warc.gz"
    with open(path, "wb") as f:
        for copy in range(copies):
            for record in records:
                if record.get("WARC-Type") != "warcinfo" or copy == 0:
                    f.write(gzip.compress(perturb(record, copy, rng, pool).to_bytes(), mtime=0))
    code, cpu, rss, wall = launch([sys.executable, "-m", "corpus.cli", "ingest", "web", "-i", str(path), "-o",
                                   str(folder / "out"), "--quiet"], cwd=work)
    if code:
        raise RuntimeError(f"foreign ingest exited {code}")
    report = json.loads((folder / "out" / "report.json").read_text())
    return StageMeasure("ingest_web (foreign only)", report["documents"]["in"], report["documents"]["kept"],
                        path.stat().st_size, round(cpu, 2), round(wall, 2), round(rss, 1), disk_bytes(folder / "out"))


def stage_table(measures: list[StageMeasure], warc_bytes: int) -> str:
    lines = ["| stage | documents in | MB in | documents/s per core | MB/s per core | peak RSS (one process) | "
             "disk written per input GB |", "|---|---:|---:|---:|---:|---:|---:|"]
    for m in measures:
        docs_s, mb_s = m.per_core()
        lines.append(f"| {m.stage} | {m.documents_in:,} | {m.bytes_in / 1e6:,.0f} | {docs_s:,.0f} | {mb_s:.2f} | "
                     f"{m.peak_rss_mb:,.0f} MB | {m.disk_bytes / (warc_bytes / 1e9) / 1e9:.2f} GB |")
    return "\n".join(lines)


def cost(measures: dict[str, StageMeasure], foreign: StageMeasure, copies: int, foreign_copies: int) -> dict:
    """Core-hours and storage for one snapshot's Japanese share, from the measured rates."""
    a = ASSUMPTIONS
    warc_bytes = a["uncompressed_tib"] * 2**40 * a["warc_ratio"]
    ingest = measures["ingest_web"]
    foreign_s_per_page = foreign.cpu_s / max(foreign.documents_in, 1)
    # the benchmark's ingest read Japanese and foreign records: charge the foreign ones at the
    # rate measured on foreign records alone, the rest to the Japanese documents
    foreign_in_e2e = copies * foreign.documents_in / max(foreign_copies, 1)
    ja_docs = max(ingest.documents_in - foreign_in_e2e, 1)
    ja_s_per_page = max(ingest.cpu_s - foreign_in_e2e * foreign_s_per_page, 0) / ja_docs
    ingest_s = (a["pages"] - a["ja_pages"]) * foreign_s_per_page + a["ja_pages"] * ja_s_per_page
    text_bytes = a["ja_pages"] * a["chars_per_ja_page"] * a["bytes_per_char"]
    kept_bytes = a["kept_chars_per_snapshot"] * a["bytes_per_char"]
    seconds = {
        "ingest_web": ingest_s,
        "filter": text_bytes / 1e6 / measures["filter"].per_core()[1],
        "dedup": text_bytes / 1e6 / measures["dedup"].per_core()[1],
        "tokenizer": measures["tokenizer"].cpu_s,
        "tokenize": kept_bytes / 1e6 / measures["tokenize"].per_core()[1],
    }
    text_disk = {s: measures[s].disk_bytes / max(measures[s].bytes_in, 1) for s in ("filter", "dedup")}
    storage = {
        "warc_streamed": 0,
        "warc_downloaded": warc_bytes,
        "filter": text_bytes * text_disk["filter"],
        "dedup": text_bytes * text_disk["dedup"],
        "tokenize": kept_bytes * measures["tokenize"].disk_bytes / max(measures["tokenize"].bytes_in, 1),
    }
    return {"warc_tib": warc_bytes / 2**40, "text_gb": text_bytes / 1e9, "kept_gb": kept_bytes / 1e9,
            "core_hours": {k: v / 3600 for k, v in seconds.items()},
            "total_core_hours": sum(seconds.values()) / 3600,
            "storage_tb": {k: v / 1e12 for k, v in storage.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/jacorpus_e2e"), help="input and runs (not the repo)")
    parser.add_argument("--gb", type=float, default=1.0, help="gzip WARC input size, 10^9 bytes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--foreign-copies", type=int, default=300, help="copies of the non-Japanese CC slice")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"needs the shared data at {DATA}", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    files = make_input(args.work / "input", int(args.gb * 1e9))
    warc_bytes = sum(f.stat().st_size for f in files)
    print(f"input: {len(files)} WARC files, {warc_bytes / 1e9:.2f} GB (gzip) in {args.work / 'input'}", flush=True)
    config = write_config(args.work, args.work / "input", tasks=len(files), workers=args.workers)
    read_rate = gzip_read_rate(files)
    measures = run_stages(args.work, config, warc_bytes)
    foreign = foreign_ingest(args.work, args.foreign_copies)
    print()
    print(stage_table(measures + [foreign], warc_bytes))
    print(f"\nreference, same run: gzip decompression of the WARCs alone {read_rate:.1f} MB/s per core")
    copies = json.loads((args.work / "input.json").read_text())["copies"]
    projected = cost({m.stage: m for m in measures}, foreign, copies, args.foreign_copies)
    print(f"\none snapshot ({ASSUMPTIONS['snapshot']}, ~{projected['warc_tib']:.0f} TiB WARC, "
          f"{ASSUMPTIONS['ja_pages'] / 1e6:.0f}M Japanese pages): "
          + ", ".join(f"{k} {v:,.0f}" for k, v in projected["core_hours"].items())
          + f" core-hours; total {projected['total_core_hours']:,.0f}")
    if args.json:
        args.json.write_text(json.dumps({"warc_bytes": warc_bytes, "files": len(files), "gzip_read_mb_s": read_rate,
                                         "stages": [asdict(m) for m in measures], "foreign": asdict(foreign),
                                         "assumptions": ASSUMPTIONS, "cost": projected}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
