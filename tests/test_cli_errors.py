"""Mistakes a person makes on the command line cost one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus.cli import _disk_full, disk_full_message, main
from corpus.formats.schema import SCHEMA

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_stage_dir import one_error_line  # noqa: E402

from benchmarks.evalsets.bad_inputs import licensed_tree  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def empty_shard(path: Path) -> Path:
    pq.write_table(pa.Table.from_pylist([], schema=SCHEMA), path)
    return path


def pipeline(tmp_path: Path, text: str) -> Path:
    (tmp_path / "m.yaml").write_text(f"sources:\n  - name: c\n    kind: code\n    paths: [{licensed_tree(tmp_path)}]\n")
    path = tmp_path / "pipe.yaml"
    path.write_text(text.replace("RUN", str(tmp_path / "RUN")), encoding="utf-8")
    return path


@pytest.mark.parametrize("text, expected", [
    ("run_dir: RUN\nsources: [m.yaml]\nexecutor: {workers: 0}\n", "executor.workers: Value error, workers must be -1"),
    ("", "empty pipeline config"),
    ("run_dir: RUN\nsources: [m.yaml]\nrun_dir: elsewhere\n", "pipe.yaml:3: duplicate key 'run_dir' (first on line 1)"),
    ("run_dir: RUN\nsources: [m.yaml]\nstages:\n  filter: {options: {}}\n  filter: {enabled: false}\n",
     "pipe.yaml:5: duplicate key 'filter'"),
])
def test_bad_pipeline_configs_are_one_line_and_write_nothing(tmp_path, capsys, monkeypatch, text, expected):
    path = pipeline(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(path), "-q"]) == 2
    assert expected in one_error_line(capsys)
    assert not (tmp_path / "RUN").exists() and not (tmp_path / "runs").exists()


def test_a_run_dir_that_is_a_file_is_one_line(tmp_path, capsys):
    path = pipeline(tmp_path, "run_dir: RUN\nsources: [m.yaml]\n")
    (tmp_path / "RUN").write_text("not a directory")
    assert main(["run", str(path), "-q"]) == 2
    assert "run_dir: " in one_error_line(capsys) and (tmp_path / "RUN").read_text() == "not a directory"


def test_duplicate_keys_in_a_source_manifest_or_an_options_file_are_refused(tmp_path, capsys):
    path = pipeline(tmp_path, "run_dir: RUN\nsources: [m.yaml]\n")
    (tmp_path / "m.yaml").write_text((tmp_path / "m.yaml").read_text() + "    kind: web\n")
    assert main(["run", str(path), "-q"]) == 2
    assert "m.yaml:5: duplicate key 'kind'" in one_error_line(capsys)
    options = tmp_path / "opts.yaml"
    options.write_text("max_line_length: 10\nmax_line_length: 20\n")
    assert main(["ingest", "code", "-i", str(tmp_path / "d"), "-o", str(tmp_path / "o"), "--options", str(options)]) == 2
    assert "opts.yaml:2: duplicate key 'max_line_length'" in one_error_line(capsys)


def test_workers_zero_and_bad_set_values_are_one_line_before_any_file(tmp_path, capsys):
    tree = licensed_tree(tmp_path)
    out = tmp_path / "out"
    assert main(["ingest", "code", "-i", str(tree), "-o", str(out), "--workers", "0"]) == 2
    assert "workers must be -1 (all) or at least 1" in one_error_line(capsys)
    assert main(["ingest", "code", "-i", str(tree), "-o", str(out), "--set", "k=[1"]) == 2
    assert "--set k=[1: the value is not valid YAML" in one_error_line(capsys)
    assert not out.exists()


def test_tokenize_without_its_tokenizer_is_one_line(tmp_path, capsys):
    shard = empty_shard(tmp_path / "a.parquet")
    assert main(["tokenize", "-i", str(shard), "-o", str(tmp_path / "t"), "-q",
                 "--set", f"tokenizer={tmp_path / 'missing.model'}"]) == 2
    assert "tokenizer not found" in one_error_line(capsys)
    assert not (tmp_path / "t").exists()  # refused before the output directory is made


def test_tokenizer_training_on_no_documents_is_one_line(tmp_path, capsys):
    shard = empty_shard(tmp_path / "a.parquet")
    assert main(["tokenizer", "train", "-i", str(shard), "-o", str(tmp_path / "t"), "-q"]) == 2
    assert "tokenizer" in one_error_line(capsys)


def test_report_of_a_missing_or_empty_directory_is_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nonexistent")]) == 2
    assert "no such run or stage directory" in one_error_line(capsys)
    assert main(["report", str(tmp_path)]) == 2
    assert "no stage report here" in one_error_line(capsys)


def test_the_cli_process_prints_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "corpus.cli", "report", str(tmp_path / "nonexistent")],
                            capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"jacorpus: error: {tmp_path / 'nonexistent'}: no such run or stage directory"


def test_disk_full_is_found_behind_wrappers_and_names_the_path_and_free_space(tmp_path):
    full = OSError(errno.ENOSPC, "No space left on device")
    try:
        try:
            raise full
        except OSError as err:
            raise RuntimeError("task failed") from err
    except RuntimeError as wrapped:
        assert _disk_full(wrapped) is full
    assert _disk_full(ValueError("x")) is None
    message = disk_full_message(full, str(tmp_path / "out" / "shards"))
    assert message.startswith(f"disk full writing {tmp_path / 'out' / 'shards'} (") and " free on that file system" in message


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A 256 kB tmpfs: the stage runs out of space for real (needs root; skipped elsewhere)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if shutil.which("mount") is None or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                                                       capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_disk_full_during_a_stage_is_one_line_naming_the_output_and_free_space(tmp_path, tiny_filesystem):
    tree = licensed_tree(tmp_path)
    for i in range(30):  # about 1 MB of code: more than the file system holds
        (tree / f"m{i}.py").write_text("".join(f"def f{j}_{i}():\n    return {j * 7919 % 1000003} * {j}\n"
                                               for j in range(600)))
    result = subprocess.run([sys.executable, "-m", "corpus.cli", "ingest", "code", "-i", str(tree),
                             "-o", str(tiny_filesystem / "out"), "-q"],
                            capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"jacorpus: error: disk full writing {tiny_filesystem / 'out'} (") and "free" in lines[0]
