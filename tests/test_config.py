"""Config validation: a bad config is one clear line naming file, line and key, and writes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from corpus.cli import main
from corpus.config import ConfigError, load_pipeline_config

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str, name: str = "pipe.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "corpus.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_unknown_top_level_key_names_file_line_and_key(tmp_path):
    path = write(tmp_path, "run_dir: out\nexecutr:\n  type: local\n")
    with pytest.raises(ConfigError) as err:
        load_pipeline_config(path)
    assert str(err.value) == f"{path}:2: executr: unknown key 'executr'"


def test_wrong_type_names_the_nested_key(tmp_path):
    path = write(tmp_path, "run_dir: out\nexecutor:\n  type: local\n  tasks: many\n")
    with pytest.raises(ConfigError, match=r"pipe.yaml:4: executor.tasks: .*integer.*'many'"):
        load_pipeline_config(path)


def test_unknown_stage_is_rejected(tmp_path):
    path = write(tmp_path, "stages:\n  filtr: {}\n")
    with pytest.raises(ConfigError, match=r"pipe.yaml:2: stages.filtr: unknown stage"):
        load_pipeline_config(path)


def test_invalid_yaml_reports_the_line(tmp_path):
    path = write(tmp_path, "run_dir: out\nstages: [\n")
    with pytest.raises(ConfigError, match=r"pipe.yaml:\d+: invalid YAML"):
        load_pipeline_config(path)


@pytest.mark.parametrize(
    "pipeline, manifest, expected",
    [
        ("run_dir: RUN\nsources: [m.yaml]\nexecutor: {tasks: 0}\n", None, "executor.tasks"),
        ("run_dir: RUN\nsources: [m.yaml]\nbogus: 1\n", None, "unknown key 'bogus'"),
        ("run_dir: RUN\nsources: [missing.yaml]\n", None, "manifest not found"),
        ("run_dir: RUN\nsources: [m.yaml]\n", "sources:\n  - name: w\n    kind: web\n    paths: [nope/*.warc.gz]\n",
         "input path not found"),
        ("run_dir: RUN\nsources: [m.yaml]\n", "sources:\n  - name: w\n    kind: webb\n    paths: [x]\n",
         "m.yaml:3: sources.0.kind"),
    ],
)
def test_bad_config_exits_nonzero_with_one_line_and_writes_nothing(tmp_path, pipeline, manifest, expected):
    run_dir = tmp_path / "RUN"
    write(tmp_path, pipeline.replace("RUN", str(run_dir)))
    if manifest:
        write(tmp_path, manifest, "m.yaml")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_cli(["run", str(tmp_path / "pipe.yaml")], cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jacorpus: error: ") and expected in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not run_dir.exists()


def test_standalone_stage_missing_input_is_one_line(tmp_path, capsys):
    code = main(["filter", "--input", str(tmp_path / "nothing"), "--output", str(tmp_path / "out")])
    assert code == 2
    assert "input path not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_every_command_has_help():
    for args in (["--help"], ["run", "--help"], ["ingest", "web", "--help"], ["filter", "--help"],
                 ["tokenizer", "train", "--help"], ["report", "--help"]):
        result = run_cli(args, cwd=ROOT)
        assert result.returncode == 0, (args, result.stderr)
        assert "usage: jacorpus" in result.stdout
