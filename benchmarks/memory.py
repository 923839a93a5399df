"""Memory bounds: peak RSS of each stage at 1x and 4x input. Every stage streams,
so 4x the input must cost about the same memory, not 4x.

    python benchmarks/memory.py                   # every stage: ingest web/wiki/code, filter, dedup, tokenizer, tokenize
    python benchmarks/memory.py --only filter dedup --json out.json

Inputs come from ../shared/data and are built in a temporary directory: 4x is the 1x input
made four times as long in ONE file (gzip and bzip2 members concatenated, parquet rows
repeated or extended with more real text), so one datatrove task streams all of it;
a stage that held its input (or its output) in memory would show it. Each stage runs as
`python -m corpus.cli <stage> --input ... --output ...` with one task and one worker; its
peak RSS is the child's `ru_maxrss` from wait4(2), which on Linux also covers the
processes it waited for (the extraction sandbox, for instance), read by a small launcher
process so that this script's own memory does not leak into the number.

There is no baseline library to compare with here: the number that matters is the ratio
4x/1x (1.0 = flat). Single huge documents are a separate case (`--huge`): a stage's
memory then grows with the size of the largest document, which this measures too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.e2e_input import sentences  # noqa: E402
from benchmarks.harness.child_usage import measure as measure_child, with_root_on_path  # noqa: E402

DATA = Path(os.environ.get("JACORPUS_SHARED_DATA", ROOT.parent / "shared" / "data"))

STAGES = ("ingest_web", "ingest_wiki", "ingest_code", "filter", "dedup", "tokenizer", "tokenize")
# the tokenizer holds its training sample by design; its budget (max_characters, default 100M)
# bounds it. Here the budget is below the 1x input, so 1x and 4x both fill it: what is measured
# is that reading more input past the budget costs nothing more
TOKENIZER_SAMPLE_CHARS = 2_000_000
TOKENIZER = DATA / "tokenizers" / "llm-jp-tokenizer-100k.ver3.0b1.model"
CHUNK_CHARS = 2000  # a document of the parquet inputs: about a web page of Japanese text


@dataclass
class Measure:
    stage: str
    scale: int
    input_bytes: int
    documents_in: int
    peak_rss_mb: float
    wall_s: float


def run_cli(args: list[str], cwd: Path) -> tuple[int, float, float]:
    """(exit code, peak RSS in MB, wall seconds) of one CLI run in a fresh process."""
    used = measure_child([sys.executable, "-m", "corpus.cli", *args, "--quiet"], cwd,
                   with_root_on_path(ROOT, JACORPUS_QUIET="1"))
    return used.code, used.peak_rss_mb, used.wall_s


# -- inputs ---------------------------------------------------------------------------------


def japanese_documents(n: int, seed: int = 0) -> list[str]:
    """`n` documents of about CHUNK_CHARS characters, each a random draw of real sentences
    in paragraphs: unique texts at any scale (no accidental duplicates for dedup), with the
    character statistics of real Japanese."""
    import random

    pool = sentences(DATA, longer_than=5)
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        paragraphs, size = [], 0
        while size < CHUNK_CHARS:
            para = "".join(rng.choice(pool) for _ in range(4))
            paragraphs.append(para)
            size += len(para)
        docs.append("\n".join(paragraphs))
    return docs


def write_shard(path: Path, texts: list[str], source: str = "web", prefix: str = "doc") -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datatrove.data import Document

    from corpus.formats.schema import SCHEMA, document_to_row

    with pq.ParquetWriter(path, SCHEMA) as writer:
        for start in range(0, len(texts), 500):
            rows = [document_to_row(Document(text=t, id=f"{source}/{prefix}{start + i}",
                                             metadata={"source": source, "licence": "CC-BY-4.0",
                                                       "url": f"https://example.jp/{prefix}/{start + i}"}))
                    for i, t in enumerate(texts[start:start + 500])]
            writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
    return path


def concatenate(src: Path, dst: Path, times: int) -> Path:
    """gzip members and bzip2 streams concatenate into one valid file."""
    data = src.read_bytes()
    with open(dst, "wb") as f:
        f.writelines(data for _ in range(times))
    return dst


def renamed_copy(src: Path, dst: Path, prefix: str) -> Path:
    """The sdist with its top folder renamed: a distinct file and package (ingest reads a byte
    copy of an input once, so plain copies would not make the input any bigger)."""
    import tarfile

    with tarfile.open(src) as tin, tarfile.open(dst, "w:gz") as tout:
        for member in tin.getmembers():
            data = tin.extractfile(member) if member.isfile() else None
            member.name = prefix + member.name
            tout.addfile(member, data)
    return dst


def build_inputs(stage: str, scale: int, base: int, folder: Path) -> list[str]:
    """The stage's input at `scale` x its base size (`base` = copies / documents at 1x)."""
    folder.mkdir(parents=True, exist_ok=True)
    if stage == "ingest_web":
        return [str(concatenate(DATA / "web" / "ja_fixture_pages_packed.warc.gz", folder / "pages.warc.gz", base * scale))]
    if stage == "ingest_wiki":
        src = DATA / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2"
        return [str(concatenate(src, folder / "jawiki-pages-articles.xml.bz2", base * scale))]
    if stage == "ingest_code":
        for i in range(base * scale):
            for sdist in sorted((DATA / "code").glob("*.tar.gz")):
                renamed_copy(sdist, folder / f"{i:03d}_{sdist.name}", f"c{i:03d}_")
        return [str(folder)]
    return [str(write_shard(folder / "docs.parquet", japanese_documents(base * scale)))]


# 1x is past the 1000-document batch that every shard writer fills before it writes a row
# group (datatrove's ParquetWriter), so 1x and 4x both measure the steady state
BASE = {  # 1x: copies of the shared file, or documents of CHUNK_CHARS characters
    "ingest_web": 16,     # 16 x 0.57 MB WARC: 1,104 responses
    "ingest_wiki": 4,     # 4 x the 263-page dump: 42 MB of XML
    "ingest_code": 3,     # 3 x the 5 shared sdists: 1,158 files
    "filter": 2000,       # 4.2M characters (~12 MB UTF-8)
    "dedup": 2000,
    "tokenizer": 2000,
    "tokenize": 2000,
}


def stage_args(stage: str, inputs: list[str], out: Path) -> list[str]:
    head = {"ingest_web": ["ingest", "web"], "ingest_wiki": ["ingest", "wiki"],
            "ingest_code": ["ingest", "code"]}.get(stage, [stage])
    extra = ["--set", f"tokenizer={TOKENIZER}"] if stage == "tokenize" else []
    if stage == "tokenizer":
        head = ["tokenizer", "train"]
        extra = ["--set", f"max_characters={TOKENIZER_SAMPLE_CHARS}", "--set", "vocab_size=8000"]
    return [*head, "--input", *inputs, "--output", str(out), "--tasks", "1", "--workers", "1", *extra]


def measure(stage: str, scale: int, work: Path, base: int | None = None) -> Measure:
    base = base or BASE[stage]
    inputs = build_inputs(stage, scale, base, work / f"{stage}_{scale}x" / "in")
    out = work / f"{stage}_{scale}x" / "out"
    code, rss, wall = run_cli(stage_args(stage, inputs, out), cwd=work)
    if code != 0:
        raise RuntimeError(f"{stage} at {scale}x exited {code}")
    report = json.loads((out / "report.json").read_text())
    size = sum(p.stat().st_size for i in inputs for p in ([Path(i)] if Path(i).is_file() else Path(i).rglob("*")))
    shutil.rmtree(work / f"{stage}_{scale}x")
    return Measure(stage, scale, size, report["documents"]["in"], round(rss, 1), round(wall, 2))


def measure_huge_document(work: Path, chars: int) -> Measure:
    """The filter stage on ONE web document of `chars` characters on one line."""
    line = "谷戸の自然観察会では、見つけた植物や昆虫の名前を記録しています、" * (chars // 32 + 1)
    folder = work / f"huge_{chars}"
    folder.mkdir(parents=True)
    inputs = [str(write_shard(folder / "one.parquet", [line[:chars]]))]
    code, rss, wall = run_cli(stage_args("filter", inputs, folder / "out"), cwd=work)
    if code != 0:
        raise RuntimeError(f"filter on a {chars}-character document exited {code}")
    size = os.path.getsize(inputs[0])
    shutil.rmtree(folder)
    return Measure("filter (one document)", chars, size, 1, round(rss, 1), round(wall, 2))


def table(measures: list[Measure]) -> str:
    lines = ["| stage | input 1x | input 4x | docs 1x / 4x | peak RSS 1x | peak RSS 4x | 4x / 1x |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    by_stage: dict[str, dict[int, Measure]] = {}
    for m in measures:
        by_stage.setdefault(m.stage, {})[m.scale] = m
    for stage, ms in by_stage.items():
        if set(ms) != {1, 4}:
            continue
        one, four = ms[1], ms[4]
        lines.append(f"| {stage} | {one.input_bytes / 1e6:.1f} MB | {four.input_bytes / 1e6:.1f} MB | "
                     f"{one.documents_in} / {four.documents_in} | {one.peak_rss_mb:.0f} MB | {four.peak_rss_mb:.0f} MB | "
                     f"{four.peak_rss_mb / one.peak_rss_mb:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--huge", nargs="*", type=int, default=[],
                        help="also run the filter on one document of each of these character counts")
    parser.add_argument("--json", help="write the measures here")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"needs the shared data at {DATA}", file=sys.stderr)
        return 2
    measures: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="jacorpus_memory_") as tmp:
        work = Path(tmp)
        for stage in args.only:
            for scale in (1, 4):
                m = measure(stage, scale, work)
                measures.append(m)
                print(f"{stage:12s} {scale}x  {m.input_bytes / 1e6:7.1f} MB in  {m.documents_in:6d} docs  "
                      f"peak RSS {m.peak_rss_mb:7.0f} MB  {m.wall_s:6.1f} s", flush=True)
        huge = [measure_huge_document(work, chars) for chars in args.huge]
        for m in huge:
            print(f"filter, one {m.scale}-character line: peak RSS {m.peak_rss_mb:.0f} MB, {m.wall_s:.1f} s", flush=True)
    print()
    print(table(measures))
    if args.json:
        Path(args.json).write_text(json.dumps([m.__dict__ for m in measures + huge], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
