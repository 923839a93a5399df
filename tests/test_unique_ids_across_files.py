"""Ids repeated across a stage's files (two WARC files with one WARC-Record-ID, two dumps with
one page id, two jsonl exports numbering from 0) are renamed once every task is done: the
same ids whatever the task split, and the same bytes after a kill during the rewrite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchmarks.evalsets import bad_inputs as bad
from corpus.config import ExecutorConfig
from corpus.run.stage import StageContext, run_stage
from corpus.readers.unique_ids import duplicate_id_count
import corpus.run.unique_ids_across_files as across
from corpus.run.unique_ids_across_files import make_ids_unique, split_suffix

ROOT = Path(__file__).resolve().parent.parent
REAL_WARC = "web/ja_fixture_pages_packed.warc.gz"
REAL_DUMP = "wiki/jawiki_pages-articles_first262pages_2022.xml.bz2"
REAL_JSONL = "text/kwdlc_web_leads.jsonl"
ENV = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}


def ingest(kind: str, inputs: list[Path], out: Path, tasks: int) -> dict:
    proc = subprocess.run([sys.executable, "-m", "corpus.cli", "ingest", kind, "-i", *map(str, inputs), "-o", str(out),
                           "-q", "--tasks", str(tasks)], env=ENV, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((out / "report.json").read_text())


def documents(stage_dir: Path) -> dict[str, tuple]:
    """id -> (kept?, text, duplicate_id_of) over kept and excluded shards; fails on a repeated id."""
    found: dict[str, tuple] = {}
    for folder in ("shards", "excluded"):
        for shard in sorted((stage_dir / folder).glob("*.parquet")):
            for row in pq.read_table(shard).to_pylist():
                assert row["id"] not in found, f"{row['id']} twice"
                extra = json.loads(row["metadata"]["extra"] or "{}")
                found[row["id"]] = (folder == "shards", row["text"], extra.get("duplicate_id_of"))
    return found


def shard_bytes(stage_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(stage_dir)): p.read_bytes() for folder in ("shards", "excluded", "unique_ids")
            for p in sorted((stage_dir / folder).glob("*")) if p.is_file()}


def test_one_record_id_in_three_real_warc_files_is_renamed_the_same_for_one_or_two_tasks(shared_data, tmp_path):
    warcs = bad.warcs_sharing_record_id(tmp_path / "in", shared_data / REAL_WARC, files=3)
    # two tasks: the first writes crawl-0 and crawl-2, the second crawl-1 (shard order is not input order)
    runs = {tasks: ingest("web", warcs, tmp_path / f"out{tasks}", tasks) for tasks in (1, 2)}
    docs = {tasks: documents(tmp_path / f"out{tasks}") for tasks in runs}
    assert docs[1] == docs[2]
    shared = next(i for i in docs[1] if i.endswith("#dup1")).removesuffix("#dup1")
    assert [docs[1][i][2] for i in (shared, shared + "#dup1", shared + "#dup2")] == [None, shared, shared]
    assert docs[1][shared][1].startswith("６月12日の歴史的な米朝首脳会談")  # the first file's page keeps the id
    for report in runs.values():
        assert report["documents"]["in"] == len(docs[1]) == 5
        assert report["figures"]["duplicate_ids"] == {"inputs_read_once": 0, "renamed_within_files": 0,
                                                      "renamed_across_files": 2}


def test_two_dumps_of_one_wiki_keep_both_texts_under_distinct_ids(shared_data, tmp_path):
    older, later = bad.dumps_sharing_page_ids(tmp_path / "in", shared_data / REAL_DUMP, pages=3)
    runs = {tasks: ingest("wiki", [later, older], tmp_path / f"out{tasks}", tasks) for tasks in (1, 2)}
    docs = documents(tmp_path / "out1")
    assert docs == documents(tmp_path / "out2")
    assert sorted(docs) == ["wiki/jawiki/10", "wiki/jawiki/10#dup1", "wiki/jawiki/11", "wiki/jawiki/11#dup1",
                            "wiki/jawiki/5", "wiki/jawiki/5#dup1"]
    for page in ("wiki/jawiki/5", "wiki/jawiki/10", "wiki/jawiki/11"):
        first, second = docs[page], docs[page + "#dup1"]
        assert len(first[1]) > len(second[1]) > 0  # the older dump (first by name) keeps the id
        assert second[2] == page
    assert all(r["figures"]["duplicate_ids"]["renamed_across_files"] == 3 for r in runs.values())


def filter_stage(inputs: list[Path], out: Path, tasks: int) -> dict:
    from pipelines.filter import STAGE, Options

    ctx = StageContext(name="filter", stage_dir=out, inputs=[str(p) for p in inputs], options=Options(),
                       executor=ExecutorConfig(tasks=tasks, workers=1), quiet=True)
    return run_stage(STAGE, ctx)


def test_two_jsonl_exports_numbering_from_zero_leave_filter_with_distinct_ids(shared_data, tmp_path):
    exports = bad.jsonl_sharing_ids(tmp_path / "in", shared_data / REAL_JSONL, files=2, per_file=3)
    reports = [filter_stage(exports, tmp_path / f"out{tasks}", tasks) for tasks in (1, 2)]
    docs = documents(tmp_path / "out1")
    assert docs == documents(tmp_path / "out2")
    lines = [json.loads(line) for path in exports for line in path.read_text(encoding="utf-8").splitlines()]
    assert {doc_id: text for doc_id, (_, text, _) in docs.items()} == {
        **{r["id"]: r["text"] for r in lines[:3]}, **{r["id"] + "#dup1": r["text"] for r in lines[3:]}}
    assert [r["figures"]["duplicate_ids"]["renamed_across_files"] for r in reports] == [3, 3]


def test_one_file_name_in_two_folders_without_ids_gives_distinct_fallback_ids(shared_data, tmp_path):
    lines = (shared_data / REAL_JSONL).read_text(encoding="utf-8").splitlines()[:4]
    inputs = []
    for folder, chunk in (("a", lines[:2]), ("b", lines[2:])):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "leads.jsonl"
        path.write_text("".join(json.dumps({"text": json.loads(l)["text"]}, ensure_ascii=False) + "\n" for l in chunk),
                        encoding="utf-8")
        inputs.append(path)
    report = filter_stage(inputs, tmp_path / "out", 2)
    assert sorted(documents(tmp_path / "out")) == ["leads.jsonl:1", "leads.jsonl:1#dup1", "leads.jsonl:2",
                                                   "leads.jsonl:2#dup1"]
    assert report["figures"]["duplicate_ids"]["renamed_across_files"] == 2


def test_an_id_repeated_within_one_jsonl_file_is_numbered_in_line_order(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps({"id": "a", "text": f"{i}行目の文書です。{bad.JA_PARAGRAPH}"},
                                       ensure_ascii=False) + "\n" for i in range(3)), encoding="utf-8")
    report = filter_stage([path], tmp_path / "out", 1)
    docs = documents(tmp_path / "out")
    assert [docs[i][1][:4] for i in ("a", "a#dup1", "a#dup2")] == ["0行目の", "1行目の", "2行目の"]
    assert report["figures"]["duplicate_ids"] == {"inputs_read_once": 0, "renamed_within_files": 2,
                                                  "renamed_across_files": 0}


# -- the pass itself, on shards written directly ---------------------------------------------


def stage_of_shards(root: Path) -> Path:
    """Three shards: `x` in all, `x#dup1` already given out within the first, `y` in two."""
    for folder in ("shards", "excluded"):
        (root / folder).mkdir(parents=True)
    bad.shard(root / "shards" / "00000.parquet", [("x", "最初の x"), ("y", "最初の y"), ("x#dup1", "同じファイルの x")])
    bad.shard(root / "shards" / "00001.parquet", [("x", "二つ目の x"), ("z", "z"), ("y", "二つ目の y")])
    bad.shard(root / "excluded" / "reader_00000.parquet", [("x", "除外された x")])
    return root


def test_later_copies_continue_the_numbering_begun_within_files(tmp_path):
    stage = stage_of_shards(tmp_path / "stage")
    assert make_ids_unique(stage) == 3
    docs = documents(stage)
    assert sorted(docs) == ["x", "x#dup1", "x#dup2", "x#dup3", "y", "y#dup1", "z"]
    assert docs["x#dup1"] == (True, "同じファイルの x", None)  # the reader's own rename stays
    assert {docs[i][2] for i in ("x#dup2", "x#dup3")} == {"x"} and docs["y#dup1"][2] == "y"
    assert duplicate_id_count(stage) == 0


def test_the_number_of_hashing_passes_changes_nothing(tmp_path):
    results = set()
    for rows_per_pass in (1, 2, 3, 1 << 20):
        stage = stage_of_shards(tmp_path / str(rows_per_pass))
        make_ids_unique(stage, rows_per_pass=rows_per_pass)
        results.add(json.dumps(sorted(documents(stage).items())))
    assert len(results) == 1


def test_different_ids_with_one_digest_are_not_renamed(tmp_path, monkeypatch):
    monkeypatch.setattr(across, "id_digest", lambda doc_id: 7)  # every id collides on its digest
    stage = stage_of_shards(tmp_path / "stage")
    assert make_ids_unique(stage) == 3
    docs = documents(stage)
    assert {"x", "x#dup1", "y", "z"} <= set(docs) and len(docs) == 7
    # one digest for every base only makes numbers look taken: renamed copies skip them
    assert sorted(docs[i][2] for i in docs if docs[i][2]) == ["x", "x", "y"]


def test_a_second_pass_changes_no_byte(tmp_path):
    stage = stage_of_shards(tmp_path / "stage")
    make_ids_unique(stage)
    before = shard_bytes(stage)
    assert make_ids_unique(stage) == 3  # the count is read from the saved plan
    assert shard_bytes(stage) == before


def test_suffix_split_only_takes_a_trailing_number():
    assert split_suffix("web/a#dup12") == ("web/a", 12)
    assert split_suffix("web/a#dup") == ("web/a#dup", -1)
    assert split_suffix("web/a#dup1x") == ("web/a#dup1x", -1)
    assert split_suffix("a#dup1#dup2") == ("a#dup1", 2)


# -- a kill during the rewrite ------------------------------------------------------------

KILLED = """
import os, signal, sys
sys.path.insert(0, {root!r})
real, seen = os.replace, []
def replace(src, dst):
    if str(src).endswith({suffix!r}):
        seen.append(dst)
        if len(seen) > {after}:
            os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
os.replace = replace
from corpus.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def uninterrupted(shared_data, tmp_path_factory) -> tuple[list[Path], Path]:
    """Three WARC files sharing a record id, and their ingest in three tasks without a kill."""
    root = tmp_path_factory.mktemp("uninterrupted")
    warcs = bad.warcs_sharing_record_id(root / "in", shared_data / REAL_WARC, files=3)
    ingest("web", warcs, root / "whole", 3)
    return warcs, root / "whole"


@pytest.mark.parametrize("suffix, after", [("plan.npz.tmp", 0), (".unique_ids.tmp", 0), (".unique_ids.tmp", 1)],
                         ids=["before_the_plan_is_saved", "before_the_first_shard_is_replaced",
                              "after_the_first_shard_is_replaced"])
def test_a_kill_during_the_rewrite_then_a_rerun_gives_the_uninterrupted_bytes(uninterrupted, tmp_path, suffix, after):
    warcs, whole = uninterrupted
    args = ["ingest", "web", "-i", *map(str, warcs), "-o", str(tmp_path / "killed"), "-q", "--tasks", "3"]
    code = KILLED.format(root=str(ROOT), suffix=suffix, after=after)
    killed = subprocess.run([sys.executable, "-c", code, *args], env=ENV, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not (tmp_path / "killed" / "report.json").exists()
    if after:  # one shard rewritten, one not: ids still repeat
        assert duplicate_id_count(tmp_path / "killed") == 1
    report = ingest("web", warcs, tmp_path / "killed", 3)
    assert shard_bytes(tmp_path / "killed") == shard_bytes(whole)
    assert report["figures"]["duplicate_ids"]["renamed_across_files"] == 2
    assert not list((tmp_path / "killed").rglob("*.tmp"))
