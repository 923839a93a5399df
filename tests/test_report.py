"""Reports: the numbers equal counts recomputed from the shards; the HTML stands alone and renders."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from corpus.config import ExecutorConfig
from corpus.readers.exclusion import ExcludeMarked
from corpus.reports.html_report import write_html_report
from corpus.reports.report import print_run_report
from corpus.run.stage import DatatroveStage, StageContext, run_stage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_stage_runner import LineReader, Opts  # noqa: E402


class KanaRatio(BaseFilter):
    """Records a measured value on every document, like the quality rules do."""

    name = "kana ratio"

    def filter(self, doc: Document):
        kana = sum(1 for c in doc.text if "\u3040" <= c <= "\u30ff")
        ratio = kana / max(1, len(doc.text))
        doc.metadata.setdefault("figures", {})["kana_ratio"] = ratio
        doc.metadata["licence"] = "CC-BY-4.0" if "CC" in doc.text else "unknown"
        doc.metadata["pii"] = {"EMAIL": doc.text.count("@")}
        return ratio >= 0.2 or (False, "kana_ratio")


def build(ctx):
    return [LineReader(ctx.inputs), ExcludeMarked(exclusion_writer=ctx.exclusion_writer("reader")),
            KanaRatio(exclusion_writer=ctx.exclusion_writer("kana")), ctx.shard_writer()]


STAGE = DatatroveStage(name="filter", options=Opts, reads="", writes="", build=build,
                       figures=lambda ctx, report: {"thresholds": {"kana_ratio": 0.2}})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    lines = ["ひらがなの文章です CC", "漢字漢字漢字漢字", "!broken", "メールは a@b.example です", "ABC def", "これはペンです"]
    inputs = []
    for n in range(2):
        p = root / f"in{n}.txt"
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        inputs.append(str(p))
    run_stage(STAGE, StageContext(name="filter", stage_dir=root / "run" / "filter", inputs=inputs, options=Opts(),
                                  executor=ExecutorConfig(tasks=2), quiet=True))
    return root / "run"


def recount(stage_dir: Path) -> dict:
    kept = [r for f in sorted((stage_dir / "shards").glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    excluded = [r for f in sorted((stage_dir / "excluded").glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    pii = Counter()
    for r in kept:
        for k, v in r["metadata"]["pii"] or []:
            pii[k] += v
    return {
        "kept": len(kept), "excluded": len(excluded),
        "reasons": dict(Counter(r["metadata"]["reason"] for r in excluded)),
        "licences": dict(Counter(r["metadata"]["licence"] or "unknown" for r in kept)),
        "characters": sum(len(r["text"]) for r in kept),
        "pii": {k: v for k, v in pii.items() if v},
    }


def test_report_numbers_equal_counts_recomputed_from_shards(run_dir):
    report = json.loads((run_dir / "filter" / "report.json").read_text())
    truth = recount(run_dir / "filter")
    assert report["documents"]["kept"] == truth["kept"] and report["documents"]["excluded"] == truth["excluded"]
    assert report["excluded_by_reason"] == truth["reasons"]
    assert report["kept"]["licences"] == truth["licences"]
    assert report["kept"]["characters"] == truth["characters"]
    assert {k: v for k, v in report["kept"]["pii"].items() if v} == truth["pii"]


def test_terminal_report_shows_funnel_and_reasons(run_dir, capsys):
    print_run_report(run_dir)
    out = capsys.readouterr().out
    assert "documents per stage" in out and "kana_ratio" in out and "CC-BY-4.0" in out


def test_html_report_is_self_contained_with_plots_and_samples(run_dir):
    path = write_html_report(run_dir)
    html = path.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="https?://', html)  # nothing fetched at view time
    assert "<script" not in html
    assert html.count("<svg") >= 4  # funnel, reasons, licences, histogram
    assert "kana_ratio (all documents)" in html and "threshold 0.2" in html
    assert "excluded: kana_ratio" in html and "漢字漢字" in html  # the sample browser shows excluded text


def test_html_report_renders_in_headless_chromium(run_dir, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium not installed (apt-get install chromium)")
    path = write_html_report(run_dir)
    shot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,1600",
                    f"file://{path}"], check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000  # a blank page is a few KB


def test_html_report_of_one_stage_directory_shows_that_stage_as_fully_as_the_run_report(run_dir, tmp_path):
    whole = write_html_report(run_dir, tmp_path / "run.html").read_text(encoding="utf-8")
    one = write_html_report(run_dir / "filter", tmp_path / "stage.html").read_text(encoding="utf-8")
    section = lambda html: html[html.index('<h2 id="filter">'):]  # noqa: E731
    assert section(one) == section(whole)  # the same charts, histograms and samples
    assert one.count("<svg") == whole.count("<svg") >= 4
    assert "kana_ratio (all documents)" in one and "excluded: kana_ratio" in one


def test_report_cli_writes_the_stage_html_next_to_its_report(run_dir):
    from corpus.cli import main

    assert main(["report", str(run_dir / "filter"), "--html"]) == 0
    html = (run_dir / "filter" / "report.html").read_text(encoding="utf-8")
    assert "threshold 0.2" in html and '<h2 id="filter">' in html
