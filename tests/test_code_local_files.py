"""Files of a local tree: links and special files are counted as excluded documents, never
read through and never silently left out."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path

from benchmarks.evalsets import bad_inputs as bad
import pyarrow.parquet as pq

from corpus.config import ExecutorConfig
from corpus.readers.inputs import resolve_inputs
from corpus.sources.manifest import Source
from corpus.run.stage import StageContext, run_stage
from pipelines.ingest_code import STAGE, Options


def ingest(tmp_path: Path, inputs: list[str]) -> tuple[dict, dict[str, dict]]:
    """Run the stage on `inputs` (within a deadline: a FIFO must not block it); rows by path."""
    files = resolve_inputs(inputs)
    ctx = StageContext(name="ingest_code", stage_dir=tmp_path / "out", inputs=files, options=Options(),
                       executor=ExecutorConfig(tasks=1, workers=1),
                       sources=[(Source(name="src", kind="code", paths=inputs), files)], quiet=True)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(run_stage(STAGE, ctx)), daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "ingest did not finish (blocked on a special file?)"
    rows = {}
    for folder in ("shards", "excluded"):
        for shard in sorted((tmp_path / "out" / folder).glob("*.parquet")):
            for row in pq.read_table(shard).to_pylist():
                meta = row["metadata"]
                rows[meta["path"]] = {"kept": folder == "shards", "reason": meta.get("reason"), "text": row["text"],
                                      "extra": json.loads(meta.get("extra") or "{}")}
    return result[0], rows


def test_links_fifos_and_symlinked_folders_are_each_one_excluded_document(tmp_path):
    secret = bad.outside_secret(tmp_path / "outside")
    bad.linked_tree(tmp_path / "in" / "tree", secret)
    report, rows = ingest(tmp_path, [str(tmp_path / "in")])
    assert {path: row["reason"] for path, row in rows.items() if not row["kept"]} == {
        "LICENSE": "unsupported_extension",
        "hard_outside.py": "hardlink",
        "inside_b.py": "hardlink",
        "pipe.py": "special_file",
        "linked_dir": "symlink",
    }
    assert sorted(path for path, row in rows.items() if row["kept"]) == ["inside_a.py", "kana.py"]
    assert report["documents"] == {"in": 7, "kept": 2, "excluded": 5}
    assert all("outside the input tree" not in row["text"] for row in rows.values())


def test_hardlink_to_a_file_outside_the_tree_is_not_read_even_alone(tmp_path):
    secret = bad.outside_secret(tmp_path / "outside")
    tree = tmp_path / "in" / "tree"
    tree.mkdir(parents=True)
    (tree / "LICENSE").write_text(bad.MIT)
    os.link(secret, tree / "copy.py")
    _, rows = ingest(tmp_path, [str(tmp_path / "in")])
    assert rows["copy.py"]["reason"] == "hardlink" and rows["copy.py"]["text"] == ""


def test_files_hardlinked_within_the_tree_keep_the_first_like_a_tar(tmp_path):
    tree = tmp_path / "in" / "tree"
    tree.mkdir(parents=True)
    (tree / "LICENSE").write_text(bad.MIT)
    (tree / "a.py").write_text("A = 1\n")
    for name in ("b.py", "c.py"):
        os.link(tree / "a.py", tree / name)
    _, rows = ingest(tmp_path, [str(tmp_path / "in")])
    assert Counter((r["kept"], r["reason"]) for p, r in rows.items() if p.endswith(".py")) == {
        (True, None): 1, (False, "hardlink"): 2}
    assert rows["a.py"]["kept"]
