"""A finished stage is "already complete" only for the inputs and options it ran on."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from corpus.cli import main
from corpus.run.fingerprint import changes, fingerprint
from corpus.run.stage import StaleStageError, run_stage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_stage_dir import one_error_line  # noqa: E402

from benchmarks.evalsets.bad_inputs import licensed_tree  # noqa: E402
from test_stage_runner import STAGE, ctx_for, inputs  # noqa: E402,F401  (fixture)


def test_report_records_inputs_with_size_and_sha256_and_the_options(tmp_path, inputs):  # noqa: F811
    report = run_stage(STAGE, ctx_for(tmp_path, inputs))
    recorded = report["fingerprint"]
    assert sorted(recorded["inputs"]) == sorted(inputs)
    first = recorded["inputs"][inputs[0]]
    assert first["bytes"] == os.path.getsize(inputs[0]) and len(first["sha256"]) == 64
    assert recorded["options"] == {}


def test_a_file_added_behind_the_glob_makes_the_rerun_refuse_naming_it(tmp_path, capsys):
    tree = licensed_tree(tmp_path)
    out = tmp_path / "out"
    assert main(["ingest", "code", "-i", str(tree), "-o", str(out), "-q"]) == 0
    (tree / "extra.py").write_text("x = 2\n")
    assert main(["ingest", "code", "-i", str(tree), "-o", str(out), "-q"]) == 2
    line = one_error_line(capsys)
    assert "1 input file(s) added (extra.py)" in line and "--force" in line
    assert main(["ingest", "code", "-i", str(tree), "-o", str(out), "-q", "--force"]) == 0
    assert json.loads((out / "report.json").read_text())["inputs"] == 3


def test_a_changed_option_makes_the_rerun_refuse_naming_it(tmp_path, capsys):
    tree = licensed_tree(tmp_path)
    out = tmp_path / "out"
    assert main(["ingest", "code", "-i", str(tree), "-o", str(out), "-q"]) == 0
    assert main(["ingest", "code", "-i", str(tree), "-o", str(out), "-q", "--set", "max_line_length=50"]) == 2
    assert "option max_line_length: 1000 -> 50" in one_error_line(capsys)


def test_a_file_rewritten_in_place_is_found_but_a_touch_is_not(tmp_path, inputs):  # noqa: F811
    run_stage(STAGE, ctx_for(tmp_path, inputs))
    os.utime(inputs[0], ns=(1, 1))  # mtime moved, bytes the same: hashed, found unchanged
    assert run_stage(STAGE, ctx_for(tmp_path, inputs))["documents"]["in"] == 12
    text = Path(inputs[1]).read_text(encoding="utf-8")
    Path(inputs[1]).write_text(text.replace("こんにちは", "さようなら"), encoding="utf-8")  # same size
    with pytest.raises(StaleStageError, match=r"1 input file\(s\) modified \(in1\.txt\)"):
        run_stage(STAGE, ctx_for(tmp_path, inputs))
    with pytest.raises(StaleStageError, match=r"1 input file\(s\) gone \(in2\.txt\)"):
        run_stage(STAGE, ctx_for(tmp_path, inputs[:2]))


def test_an_interrupted_run_does_not_resume_on_other_inputs(tmp_path, inputs):  # noqa: F811
    run_stage(STAGE, ctx_for(tmp_path, inputs[:2]))
    (tmp_path / "out" / "report.json").unlink()  # as if killed before the report
    with pytest.raises(StaleStageError, match="unfinished run started on other inputs"):
        run_stage(STAGE, ctx_for(tmp_path, inputs))
    assert run_stage(STAGE, ctx_for(tmp_path, inputs, force=True))["documents"]["in"] == 12


def test_changes_names_nested_options_and_counts_files(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("a")
    recorded = fingerprint([str(a)], {"pii": {"email": True}, "n": 1})
    assert changes(recorded, [str(a)], {"pii": {"email": True}, "n": 1}) == []
    assert changes(recorded, [str(a)], {"pii": {"email": False}, "n": 1}) == ["option pii.email: True -> False"]
