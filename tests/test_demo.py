"""The demo: `jacorpus run` with no arguments runs every stage on inputs the project makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.config import STAGE_ORDER

ROOT = Path(__file__).resolve().parent.parent


def jacorpus(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "corpus.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("demo")
    first = jacorpus(["run"], cwd)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    return cwd, first


def test_demo_runs_every_stage_with_balanced_accounting(demo_run):
    cwd, _ = demo_run
    run_dir = cwd / "runs" / "demo"
    for stage in STAGE_ORDER:
        report = json.loads((run_dir / stage / "report.json").read_text())
        d = report["documents"]
        assert d["in"] == d["kept"] + d["excluded"], stage
        assert d["in"] > 0, stage
        assert sum(report["excluded_by_reason"].values()) == d["excluded"] or stage in ("tokenizer", "train"), stage
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert all(len(entry["sha256"]) == 64 for entry in manifest["inputs"].values())
    assert set(manifest["stages"]) == set(STAGE_ORDER)


def test_demo_keeps_good_japanese_and_excludes_the_rest(demo_run):
    cwd, _ = demo_run
    run_dir = cwd / "runs" / "demo"
    web = json.loads((run_dir / "ingest_web" / "report.json").read_text())
    assert web["documents"]["excluded"] >= 1  # the English page
    code = json.loads((run_dir / "ingest_code" / "report.json").read_text())
    assert code["excluded_by_reason"]["licence_not_allowed"] >= 1
    assert any(i.startswith("GPL") for i in code["figures"]["licence_rejected"])
    filt = json.loads((run_dir / "filter" / "report.json").read_text())
    assert filt["documents"]["excluded"] >= 1  # the bad-quality pages
    assert filt["kept"]["pii"]  # the e-mail/phone planted in a demo page are masked
    assert (run_dir / "tokenizer" / "tokenizer.model").is_file()
    assert list((run_dir / "tokenize").rglob("*.idx"))


def test_demo_prints_the_report(demo_run):
    _, first = demo_run
    assert "documents per stage" in first.stdout
    for stage in STAGE_ORDER:
        assert stage in first.stdout


def test_second_run_does_no_work_and_says_so(demo_run):
    cwd, _ = demo_run
    again = jacorpus(["run", "--quiet"], cwd)
    assert again.returncode == 0, again.stderr[-2000:]
    again = jacorpus(["run"], cwd)
    for stage in STAGE_ORDER:
        assert f"[{stage}] already complete" in again.stdout


def test_force_reruns_a_stage(demo_run):
    cwd, _ = demo_run
    forced = jacorpus(["run", "--stage", "ingest_wiki", "--force"], cwd)
    assert forced.returncode == 0, forced.stderr[-2000:]
    assert "[ingest_wiki] already complete" not in forced.stdout
    assert "[ingest_wiki] in=" in forced.stdout
