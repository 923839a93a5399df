"""Git metadata of a checkout (`extra.commit`): read inside the tree only, never through a
symlink, `..` or a special file, and never more than a few bytes."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from benchmarks.evalsets import bad_inputs as bad
import pyarrow.parquet as pq

from corpus.config import ExecutorConfig
from corpus.readers.inputs import resolve_inputs
from corpus.sources.manifest import Source
from corpus.run.stage import StageContext, run_stage
from filters.code.git_metadata import git_head
from pipelines.ingest_code import STAGE, Options

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def checkout(root: Path, head: str, refs: dict[str, str] | None = None, packed: str | None = None) -> Path:
    git = root / ".git"
    git.mkdir(parents=True)
    (git / "HEAD").write_text(head)
    for ref, value in (refs or {}).items():
        (git / ref).parent.mkdir(parents=True, exist_ok=True)
        (git / ref).write_text(value)
    if packed is not None:
        (git / "packed-refs").write_text(packed)
    return root


def with_deadline(fn, seconds: float = 10.0):
    """fn() in a thread: a read that blocks or never ends fails the test instead of hanging it."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "reading git metadata did not finish"
    return result[0]


def test_branch_ref_detached_head_and_packed_refs_give_the_commit(tmp_path):
    assert git_head(checkout(tmp_path / "a", "ref: refs/heads/main\n", {"refs/heads/main": COMMIT + "\n"})) == COMMIT
    assert git_head(checkout(tmp_path / "b", COMMIT + "\n")) == COMMIT
    packed = f"# pack-refs with: peeled fully-peeled sorted\n{COMMIT} refs/heads/dev\n"
    assert git_head(checkout(tmp_path / "c", "ref: refs/heads/dev\n", packed=packed)) == COMMIT


def test_ref_climbing_out_of_the_git_folder_is_not_followed(tmp_path):
    secret = bad.outside_secret(tmp_path / "outside")
    root = checkout(tmp_path / "repo", f"ref: ../../outside/{secret.name}\n")
    assert git_head(root) is None
    root = checkout(tmp_path / "abs", f"ref: {secret}\n")
    assert git_head(root) is None


def test_head_that_is_not_a_commit_id_is_not_recorded(tmp_path):
    assert git_head(checkout(tmp_path / "a", "print('not a commit')\n")) is None
    assert git_head(checkout(tmp_path / "b", "ref: refs/heads/main\n", {"refs/heads/main": "LEAK = 1\n"})) is None


def test_symlinked_fifo_and_huge_heads_are_refused_without_blocking(tmp_path):
    roots = bad.git_escape_checkouts(tmp_path / "gits", bad.outside_secret(tmp_path / "outside"))
    assert {root.name: with_deadline(lambda r=root: git_head(r)) for root in roots} == {r.name: None for r in roots}


def test_symlinked_git_folder_is_not_read(tmp_path):
    real = checkout(tmp_path / "elsewhere", COMMIT + "\n")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".git").symlink_to(real / ".git", target_is_directory=True)
    assert git_head(tmp_path / "repo") is None


def test_stage_never_copies_outside_files_into_commit_metadata(tmp_path):
    secret = bad.outside_secret(tmp_path / "outside")
    roots = bad.git_escape_checkouts(tmp_path / "in", secret)
    files = resolve_inputs([str(tmp_path / "in")])
    ctx = StageContext(name="ingest_code", stage_dir=tmp_path / "out", inputs=files, options=Options(),
                       executor=ExecutorConfig(tasks=1, workers=1),
                       sources=[(Source(name="src", kind="code", paths=[str(tmp_path / "in")]), files)], quiet=True)
    report = with_deadline(lambda: run_stage(STAGE, ctx), 120)
    assert report["documents"]["kept"] == len(roots)  # each checkout's kana.py
    for folder in ("shards", "excluded"):
        for shard in (tmp_path / "out" / folder).glob("*.parquet"):
            for row in pq.read_table(shard).to_pylist():
                extra = json.loads(row["metadata"]["extra"] or "{}")
                assert extra.get("commit") is None, (row["id"], extra.get("commit"))
                assert "outside the input tree" not in row["text"]
    assert os.path.exists(secret)
