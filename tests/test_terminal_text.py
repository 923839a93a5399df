"""`inspect` and `report` print hostile names and documents inert: no MarkupError, no escape sequence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from corpus.config import ExecutorConfig
from corpus.readers.path_list import PathListReader
from corpus.run.stage import DatatroveStage, StageContext, run_stage
from corpus.reports.terminal_text import json_safe, markup_safe, visible

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_stage_runner import Opts  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAME = "x[/]y.py"
HOSTILE = "本文\x1b[2J\x1b]0;pwned\x07\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\\x9b31m\u202eevil"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


class MarkupReader(PathListReader):
    name = "markup"

    def read_path(self, path):
        meta = {"source": "web", "dataset": "[bold]set[/]", "path": f"{Path(path).parent}/{NAME}",
                "licence": "[/]MIT", "pii": {"[red]": 1}}
        yield Document(text=HOSTILE, id=f"web/{NAME}", metadata=dict(meta))
        yield Document(text="short\x1b[31m", id=f"web/{NAME}#2", metadata=dict(meta))


class Short(BaseFilter):
    name = "short"

    def filter(self, doc):
        return len(doc.text) > 12 or (False, "[/]too_short\x1b[5m")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    (root / "in.txt").write_text("x")
    stage = DatatroveStage(name="filter", options=Opts, reads="", writes="",
                           build=lambda ctx: [MarkupReader(ctx.inputs), Short(exclusion_writer=ctx.exclusion_writer("short")),
                                              ctx.shard_writer()])
    run_stage(stage, StageContext(name="filter", stage_dir=root / "run" / "filter", inputs=[str(root / "in.txt")],
                                  options=Opts(), executor=ExecutorConfig(tasks=1), quiet=True))
    return root / "run"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "corpus.cli", *args], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "COLUMNS": "200"}, timeout=120)


def assert_inert(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    assert "MarkupError" not in result.stderr
    for raw in RAW:
        assert raw not in result.stdout, f"{raw!r} reached the terminal"
    return result.stdout


@pytest.mark.parametrize("args", [[], ["--excluded"], ["--json"], ["--excluded", "--json"]])
def test_inspect_shows_markup_names_and_control_bytes_inert(run_dir, args):
    out = assert_inert(cli("inspect", str(run_dir / "filter"), *args))
    if "--json" in args:
        rows = [json.loads(line) for line in out.splitlines()]
        assert rows and rows[0]["id"].startswith(f"web/{NAME}")  # the same JSON, only escaped
        assert "--excluded" in args or "\x1b]0;pwned\x07" in rows[0]["text"]
    else:
        assert NAME in out and "[/]MIT" in out
        assert "\\x1b[2J" in out if "--excluded" not in args else "\\x1b[31m" in out


@pytest.mark.parametrize("target", ["run", "stage"])
def test_report_shows_markup_names_and_reasons_inert(run_dir, target):
    out = assert_inert(cli("report", str(run_dir if target == "run" else run_dir / "filter")))
    assert "[/]MIT" in out and "[/]too_short\\x1b[5m" in out


def test_report_json_stays_json_with_c1_and_bidi_escaped(run_dir):
    out = assert_inert(cli("report", str(run_dir), "--json"))
    assert json.loads(out)["filter"]["excluded_by_reason"] == {"[/]too_short\x1b[5m": 1}


def test_visible_escapes_controls_but_keeps_text_newlines_and_tabs():
    assert visible("a\tb\nc\x1b[31m\x9b\u202ed") == "a\tb\nc\\x1b[31m\\x9b\\u202ed"
    assert markup_safe("[bold]x[/]") == "\\[bold]x\\[/]"
    assert json.loads(json_safe(json.dumps("\x9b\u202e", ensure_ascii=False))) == "\x9b\u202e"


def test_a_shard_whose_file_name_looks_like_a_glob_is_read_as_that_file(run_dir, tmp_path):
    import shutil

    odd = tmp_path / "x[red]y.parquet"
    shutil.copy(next((run_dir / "filter" / "shards").glob("*.parquet")), odd)
    out = assert_inert(cli("inspect", str(odd)))
    assert NAME in out
