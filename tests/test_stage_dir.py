"""`--force` and `-o`: a stage writes into, and empties, only a directory it made."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from benchmarks.evalsets.bad_inputs import licensed_tree
from corpus.cli import main
from corpus.run.stage import run_stage
from corpus.run.stage_dir import StageDirError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_stage_runner import STAGE, ctx_for, inputs  # noqa: E402,F401  (fixture)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("jacorpus: error: "), err
    return lines[0]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_force_with_the_output_equal_to_the_input_deletes_nothing(tmp_path, capsys):
    tree = licensed_tree(tmp_path)
    before = snapshot(tree)
    assert main(["ingest", "code", "-i", str(tree), "-o", str(tree), "--force", "-q"]) == 2
    assert "holds the input" in one_error_line(capsys)
    assert snapshot(tree) == before


def test_force_with_the_output_above_the_input_deletes_nothing(tmp_path, capsys, monkeypatch):
    tree = licensed_tree(tmp_path / "work")
    (tmp_path / "work" / "notes.txt").write_text("my notes")
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path / "work")
    assert main(["ingest", "code", "-i", "d", "-o", ".", "--force", "-q"]) == 2
    assert "holds the input" in one_error_line(capsys)
    assert main(["ingest", "code", "-i", str(tree), "-o", str(tmp_path), "--force", "-q"]) == 2
    one_error_line(capsys)
    assert snapshot(tmp_path) == before


def test_force_refuses_a_directory_jacorpus_did_not_make(tmp_path, capsys):
    tree = licensed_tree(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("\\begin{document}")
    for extra in (["--force"], []):  # without --force it would mark the folder, and a later --force empty it
        assert main(["ingest", "code", "-i", str(tree), "-o", str(home), "-q", *extra]) == 2
        assert "was not made by jacorpus" in one_error_line(capsys)
    assert sorted(p.name for p in home.iterdir()) == ["thesis.tex"]


def test_force_empties_its_own_directory_and_never_follows_a_link_out(tmp_path, inputs):  # noqa: F811
    ctx = ctx_for(tmp_path, inputs)
    run_stage(STAGE, ctx)
    out = tmp_path / "out"
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    (out / "stale.parquet").write_text("left by an older run")
    os.symlink(outside, out / "link")
    report = run_stage(STAGE, ctx_for(tmp_path, inputs, force=True))
    assert report["documents"]["in"] == 12
    assert not (out / "stale.parquet").exists() and not (out / "link").exists()
    assert (outside / "keep.txt").read_text() == "keep"
    assert (out / ".jacorpus" / "stage.json").is_file()


def test_an_empty_or_new_directory_is_claimed_and_another_stage_s_directory_refused(tmp_path, inputs):  # noqa: F811
    (tmp_path / "out").mkdir()
    run_stage(STAGE, ctx_for(tmp_path, inputs))
    other = ctx_for(tmp_path, inputs, force=True)
    other.name = "filter"
    with pytest.raises(StageDirError, match="holds the output of stage lines"):
        run_stage(STAGE, other)


def test_an_output_that_is_a_file_is_one_line(tmp_path, capsys):
    tree = licensed_tree(tmp_path)
    (tmp_path / "afile").write_text("x")
    assert main(["ingest", "code", "-i", str(tree), "-o", str(tmp_path / "afile"), "-q"]) == 2
    assert "is a file" in one_error_line(capsys)
