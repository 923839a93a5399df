"""Ingest inputs that are not data files: a FIFO (opening it would block for ever), a
symlink to a folder (not descended into), a dangling symlink. Each is one excluded
document under a named reason; the stage never hangs and never leaves one out silently."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from benchmarks.evalsets import bad_inputs as bad
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "corpus.cli", *args, "--quiet"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def excluded_reasons(out: Path) -> Counter:
    reasons: Counter = Counter()
    for shard in (out / "excluded").glob("*.parquet"):
        reasons.update((r["metadata"] or {}).get("reason") for r in pq.read_table(shard).to_pylist())
    return reasons


def special_inputs(folder: Path, good: Path) -> None:
    """Next to one good file: a FIFO, a symlinked folder and a dangling symlink with the same suffix."""
    suffix = "".join(good.suffixes)
    os.mkfifo(folder / f"pipe{suffix}")
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir()
    (folder / f"linked_folder{suffix}").symlink_to(elsewhere, target_is_directory=True)
    (folder / f"dangling{suffix}").symlink_to(folder.parent / "missing")


@pytest.mark.parametrize("stage", ["web", "wiki"])
def test_fifo_and_linked_folder_among_inputs_are_counted_not_opened(tmp_path, stage):
    folder = tmp_path / "in"
    folder.mkdir()
    if stage == "web":
        good = bad.write_warc_gz(folder / "good.warc.gz", bad.good_records(0, 2))
    else:
        good = folder / "good.xml"
        good.write_bytes(bad.wiki_dump(bad.good_wiki_pages(1, 2)))
    special_inputs(folder, good)
    proc = cli("ingest", stage, "--input", str(folder), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["documents"]["kept"] == 2
    reasons = excluded_reasons(tmp_path / "out")
    assert reasons["special_file"] == 1 and reasons["symlinked_directory"] == 1
    assert sum(n for r, n in reasons.items() if r.startswith("unreadable_file")) == 1  # the dangling link
