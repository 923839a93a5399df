"""Hostile inputs through every stage's CLI; each run exits 0, names and counts
what it could not use, and loses nothing (in = kept + excluded).

The inputs are made here (benchmarks/evalsets/bad_inputs.py) in a temporary directory. One CLI run per
stage reads all of that stage's bad files at once, next to good ones, so the tests below
also check that one bad file or record does not take its neighbours down. Which file a
row came from is read from its `path` metadata (web, wiki) or its id (code).

Where continuing would be wrong the CLI stops with a non-zero exit and one line; those
cases are listed in docs/reliability.md and tested at the end of this file.
"""

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


def jacorpus(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "corpus.cli", *args, "--quiet"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def rows(stage_dir: Path) -> list[dict]:
    """Every row of a stage's kept and excluded shards, with `kept` and parsed `extra`."""
    out = []
    for folder, kept in (("shards", True), ("excluded", False)):
        for f in sorted((stage_dir / folder).glob("*.parquet")):
            for r in pq.read_table(f).to_pylist():
                meta = r["metadata"] or {}
                out.append({"id": r["id"], "text": r["text"], "kept": kept, "reason": meta.get("reason"),
                            "path": meta.get("path"), "charset": meta.get("charset"),
                            "extra": json.loads(meta.get("extra") or "{}")})
    return out


class StageRun:
    """One finished CLI run of a stage: exit code, report, and rows grouped by input file."""

    def __init__(self, proc: subprocess.CompletedProcess, out: Path, key):
        self.proc, self.out = proc, out
        self.report = json.loads((out / "report.json").read_text()) if (out / "report.json").is_file() else None
        self.rows = rows(out) if self.report else []
        self.by_input: dict[str, list[dict]] = {}
        for r in self.rows:
            self.by_input.setdefault(key(r), []).append(r)

    def outcome(self, name: str) -> tuple[int, Counter]:
        group = self.by_input.get(name, [])
        return sum(r["kept"] for r in group), Counter(r["reason"] for r in group if not r["kept"])


def assert_accounted(run: StageRun) -> None:
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    docs = run.report["documents"]
    assert docs["in"] == docs["kept"] + docs["excluded"]
    assert docs["kept"] == sum(r["kept"] for r in run.rows)
    assert docs["excluded"] == sum(not r["kept"] for r in run.rows)
    assert sum(run.report["excluded_by_reason"].values()) == docs["excluded"]
    assert all(r["reason"] for r in run.rows if not r["kept"]), "an excluded row has no reason"


def by_path(row: dict) -> str:
    return os.path.basename(row["path"] or "")


def by_repo(row: dict) -> str:
    return row["id"].split("/")[1]


# -- ingest web ---------------------------------------------------------------------------

WEB_CASES = {  # file -> (documents kept, {reason: count} excluded)
    "good.warc.gz": (2, {}),
    "truncated.warc.gz": (2, {"truncated_record": 1}),
    "cut_mid_record.warc": (1, {"truncated_record": 1}),
    "zero_bytes.warc.gz": (0, {"empty_file": 1}),
    "utf8_claimed_shift_jis.warc.gz": (1, {}),
    "nul_bytes.warc.gz": (1, {"binary_payload": 1}),
    "one_line_100mb.warc.gz": (1, {"page_too_large": 1}),
    "gzip_bomb_1gb.warc.gz": (0, {"not_warc": 1}),
    "bzip2_truncated.warc.bz2": (0, {"unsupported_compression": 1}),
}


@pytest.fixture(scope="module")
def web_run(tmp_path_factory) -> StageRun:
    d = tmp_path_factory.mktemp("web")
    inp = d / "in"
    bad.web_corpus(inp)
    # every page of this corpus is on one host with the same paragraphs: per-host boilerplate
    # would rightly take them for the host's template; these tests are about reading and decoding
    return StageRun(jacorpus("ingest", "web", "--input", str(inp), "--output", str(d / "out"),
                             "--set", "host_boilerplate=off", cwd=d), d / "out", by_path)


def test_web_ingest_of_bad_warcs_exits_zero_and_accounts_every_record(web_run):
    assert_accounted(web_run)
    assert web_run.report["steps"]["📖 - READER: 🕷 WARC"]["input_files"] == len(WEB_CASES)


@pytest.mark.parametrize("name", sorted(WEB_CASES))
def test_web_bad_input_is_kept_or_excluded_under_its_named_reason(web_run, name):
    kept, reasons = WEB_CASES[name]
    assert web_run.outcome(name) == (kept, Counter(reasons))
    for reason, count in reasons.items():
        assert web_run.report["excluded_by_reason"][reason] >= count


def test_web_page_claiming_utf8_in_shift_jis_is_decoded_by_detection(web_run):
    (page,) = web_run.by_input["utf8_claimed_shift_jis.warc.gz"]
    assert page["charset"] in ("shift_jis", "cp932")
    assert page["extra"]["charset_source"] == "detected"
    assert "\ufffd" not in page["text"] and bad.JA_PARAGRAPH[:40] in page["text"]


def test_web_nul_byte_inside_prose_does_not_reach_the_kept_text(web_run):
    kept = [r for r in web_run.by_input["nul_bytes.warc.gz"] if r["kept"]]
    assert kept and all("\x00" not in r["text"] for r in kept)


# -- ingest wiki --------------------------------------------------------------------------

WIKI_CASES = {
    "good.xml": (2, {}),
    "truncated.xml.bz2": (0, {"truncated_dump": 1}),  # one bzip2 block: nothing before the cut decodes
    "truncated.xml.gz": (2, {"truncated_dump": 1}),  # every complete page before the cut
    "zero_bytes.xml.bz2": (0, {"not_a_mediawiki_dump": 1}),
    "zero_bytes.xml": (0, {"not_a_mediawiki_dump": 1}),
    "invalid.xml": (2, {"invalid_xml": 4}),
    "shift_jis_page.xml": (2, {"invalid_xml": 1}),
    "one_line_100mb.xml.gz": (2, {"page_too_large": 1}),
    "bz2_bomb_1gb.xml.bz2": (0, {"not_a_mediawiki_dump": 1}),
}


@pytest.fixture(scope="module")
def wiki_run(tmp_path_factory) -> StageRun:
    d = tmp_path_factory.mktemp("wiki")
    inp = d / "in"
    bad.wiki_corpus(inp)
    return StageRun(jacorpus("ingest", "wiki", "--input", str(inp), "--output", str(d / "out"), cwd=d), d / "out", by_path)


def test_wiki_ingest_of_bad_dumps_exits_zero_and_accounts_every_page(wiki_run):
    assert_accounted(wiki_run)


@pytest.mark.parametrize("name", sorted(WIKI_CASES))
def test_wiki_bad_input_is_kept_or_excluded_under_its_named_reason(wiki_run, name):
    kept, reasons = WIKI_CASES[name]
    assert wiki_run.outcome(name) == (kept, Counter(reasons))


def test_wiki_broken_pages_do_not_hide_their_neighbours(wiki_run):
    kept_ids = {r["id"] for r in wiki_run.rows if r["kept"]}
    assert {"wiki/jawiki/120", "wiki/jawiki/125", "wiki/jawiki/130", "wiki/jawiki/132", "wiki/jawiki/140", "wiki/jawiki/142"} <= kept_ids


# -- ingest code --------------------------------------------------------------------------

CODE_CASES = {  # repository (tree or archive) -> (files kept, {reason: count} at least)
    "tree": (2, {"empty_file": 1, "binary_file": 1, "undecodable": 1, "file_too_large": 1}),
    "truncated.tar.gz": (0, {"corrupt_archive": 1}),
    "truncated.tar.bz2": (0, {"corrupt_archive": 1}),
    "zero_bytes.zip": (0, {"corrupt_archive": 1}),
    "zero_bytes.tar.gz": (0, {"corrupt_archive": 1}),
    "traversal_tar": (1, {"unsafe_path": 2, "symlink": 1, "hardlink": 1}),
    "traversal_zip": (1, {"unsafe_path": 3, "symlink": 1}),
    "liar": (0, {"corrupt_member": 1}),
    "zip_bomb_256mb.zip": (0, {"archive_bomb": 1}),
}


@pytest.fixture(scope="module")
def code_run(tmp_path_factory) -> StageRun:
    d = tmp_path_factory.mktemp("code")
    inp = d / "in"
    bad.code_corpus(inp)
    run = StageRun(jacorpus("ingest", "code", "--input", str(inp), "--output", str(d / "out"), cwd=d), d / "out", by_repo)
    run.workdir = d
    (inp / "tree" / "one_line.js").unlink()  # 100 MB of disk, not needed once read
    return run


def test_code_ingest_of_bad_trees_and_archives_exits_zero_and_accounts_every_file(code_run):
    assert_accounted(code_run)


@pytest.mark.parametrize("name", sorted(CODE_CASES))
def test_code_bad_input_is_kept_or_excluded_under_its_named_reason(code_run, name):
    kept, reasons = CODE_CASES[name]
    got_kept, got = code_run.outcome(name)
    assert got_kept == kept
    assert all(got[r] == n for r, n in reasons.items()), got


def test_code_shift_jis_source_file_is_kept_decoded(code_run):
    (row,) = [r for r in code_run.by_input["tree"] if r["id"].endswith("/sjis.py")]
    assert row["kept"] and row["charset"] == "cp932" and "ひらがな" in row["text"]


def test_code_archive_path_traversal_writes_nothing_outside(code_run):
    names = ("escaped_by_tar.py", "escaped_by_zip.py", "absolute_by_tar.py", "absolute_by_zip.py", "drive.py")
    roots = [code_run.workdir, code_run.workdir.parent, code_run.workdir.parent.parent, Path("/tmp")]
    assert not [root / n for root in roots for n in names if (root / n).exists()]


# -- filter, dedup, tokenize (parquet shards in) -------------------------------------------

@pytest.fixture(scope="module")
def shard_runs(tmp_path_factory) -> dict[str, StageRun]:
    d = tmp_path_factory.mktemp("shards")
    mixed, no_foreign = d / "in", d / "in_dedup"
    bad.shard_corpus(mixed)
    bad.shard_corpus(no_foreign, foreign=False)
    model = bad.sentencepiece_model(d / "tok")
    key = lambda r: r["id"]
    return {
        "filter": StageRun(jacorpus("filter", "--input", str(no_foreign), "--output", str(d / "filter"), cwd=d),
                           d / "filter", key),
        "dedup": StageRun(jacorpus("dedup", "--input", str(no_foreign), "--output", str(d / "dedup"), cwd=d),
                          d / "dedup", key),
        "tokenize": StageRun(jacorpus("tokenize", "--input", str(no_foreign), "--output", str(d / "tokenize"),
                                      "--set", f"tokenizer={model}", cwd=d), d / "tokenize", key),
        # the same inputs plus a parquet file with no text column, which no reader understands
        "filter_foreign": StageRun(jacorpus("filter", "--input", str(mixed), "--output", str(d / "filter_foreign"),
                                            cwd=d), d / "filter_foreign", key),
    }


@pytest.mark.parametrize("stage", ["filter", "dedup", "tokenize"])
def test_shard_stage_on_bad_shards_exits_zero_and_accounts_every_document(shard_runs, stage):
    run = shard_runs[stage]
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    docs = run.report["documents"]
    assert docs["in"] == docs["kept"] + docs["excluded"]


@pytest.mark.parametrize("stage", ["filter", "dedup", "tokenize"])
def test_shard_stage_counts_each_unreadable_shard_file_as_one_document_in(shard_runs, stage):
    reader = shard_runs[stage].report["steps"]["📖 - READER: 📖 documents"]
    assert reader["documents_in"] == shard_runs[stage].report["documents"]["in"]


@pytest.mark.parametrize("stage", ["filter", "dedup", "tokenize"])
def test_shard_stage_excludes_unreadable_shard_files_under_a_named_reason(shard_runs, stage):
    run = shard_runs[stage]
    excluded = Counter(r["reason"] for r in run.rows if not r["kept"])
    assert excluded["unreadable_file:ArrowInvalid"] == 2  # zero-byte and truncated parquet
    assert not [r for r in run.rows if r["kept"] and r["id"].endswith("#unreadable")]
    if stage == "tokenize":
        assert not (run.out / "unknown").exists()


def test_shard_stage_refuses_a_parquet_file_without_text_before_reading_anything(shard_runs):
    run = shard_runs["filter_foreign"]
    assert run.proc.returncode == 2 and run.report is None
    assert "foreign.parquet: parquet without a 'text' column (columns: a, b)" in run.proc.stderr
    assert "Traceback" not in run.proc.stderr


def test_filter_excludes_empty_web_text_under_a_named_reason(shard_runs):
    (row,) = [r for r in shard_runs["filter"].rows if r["id"] == "web/empty"]
    assert not row["kept"] and row["reason"]


def test_tokenize_excludes_empty_text_under_empty_text(shard_runs):
    assert shard_runs["tokenize"].report["excluded_by_reason"].get("empty_text", 0) >= 1


@pytest.fixture(scope="module")
def dedup_short_duplicates(tmp_path_factory) -> StageRun:
    d = tmp_path_factory.mktemp("dedup_short")
    (d / "in").mkdir()
    bad.shard(d / "in" / "a.parquet", [("web/long", bad.JA_PARAGRAPH * 2), ("web/s1", "あいう"), ("web/s2", "あいう")])
    return StageRun(jacorpus("dedup", "--input", str(d / "in"), "--output", str(d / "out"), cwd=d), d / "out",
                    lambda r: r["id"])


def test_dedup_survives_identical_documents_too_short_to_shingle(dedup_short_duplicates):
    assert_accounted(dedup_short_duplicates)
    assert dedup_short_duplicates.outcome("web/s2") == (0, Counter({"exact_duplicate": 1}))


# -- where continuing would be wrong: a clear non-zero exit, nothing written ---------------


def test_missing_input_path_exits_2_with_one_line_naming_it(tmp_path):
    proc = jacorpus("ingest", "web", "--input", str(tmp_path / "nope.warc.gz"), "--output", str(tmp_path / "out"),
                    cwd=tmp_path)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "nope.warc.gz" in lines[0]
    assert not (tmp_path / "out").exists()


# -- one huge single-line document after ingest (jacorpus filter on someone else's parquet) --

PEAK_RSS = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def filter_peak_rss_mb(tmp: Path, chars: int) -> float:
    """Peak RSS of `jacorpus filter` on one web document of `chars` characters on one line,
    read by a small launcher (a child of this big pytest process would inherit its peak)."""
    line = ("谷戸の自然観察会では、見つけた植物や昆虫の名前を記録しています、" * (chars // 32 + 1))[:chars]
    folder = tmp / f"huge_{chars}"
    folder.mkdir()
    bad.shard(folder / "one.parquet", [("web/one_line", line)])
    env = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS, sys.executable, "-m", "corpus.cli", "filter", "--input",
                           str(folder / "one.parquet"), "--output", str(folder / "out"), "--quiet"],
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    code, maxrss_kb = (int(x) for x in proc.stdout.split())
    assert code == 0
    report = json.loads((folder / "out" / "report.json").read_text())
    assert report["documents"]["in"] == report["documents"]["kept"] + report["documents"]["excluded"] == 1
    return maxrss_kb / 1024


@pytest.mark.slow
def test_filter_memory_stays_bounded_for_one_huge_single_line_document(tmp_path):
    small = filter_peak_rss_mb(tmp_path, 100_000)
    big = filter_peak_rss_mb(tmp_path, 4_000_000)
    assert big < small + 256
