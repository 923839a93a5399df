"""A stage's output directory: which directories jacorpus may write into, and empty on `--force`.

`--force` deletes a stage's previous output. `-o` is typed by a person, so it can name
the input (`-i d -o d`), the working directory (`-o .`) or a home folder; deleting it
would be unrecoverable. A stage therefore only ever writes into, and `--force` only ever
empties, a directory that is new, empty, or marked as this stage's own: the marker
`<dir>/.jacorpus/stage.json` is written when a stage starts. An output directory that
contains one of the stage's inputs is refused outright.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from corpus.config import ConfigError

OWN = ".jacorpus"          # the marker, the lock and the input fingerprint live here
MARKER = "stage.json"
STARTED = "started.json"   # the fingerprint of the inputs this stage directory was started on


class StageDirError(ConfigError):
    """The output directory cannot be used as asked; phrased as one line."""


def marker_path(stage_dir: Path) -> Path:
    return stage_dir / OWN / MARKER


def read_marker(stage_dir: Path) -> dict | None:
    try:
        return json.loads(marker_path(stage_dir).read_text())
    except (OSError, ValueError):
        return None


def _legacy_stage(stage_dir: Path) -> str | None:
    """The stage of a directory written before markers existed (its report.json names it)."""
    try:
        report = json.loads((stage_dir / "report.json").read_text())
    except (OSError, ValueError):
        return None
    return report.get("stage") if isinstance(report, dict) and "documents" in report else None


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def check_output_dir(stage_dir: Path, stage: str, inputs: list[str]) -> None:
    """Refuse, with one line, an output directory this stage must not write into."""
    if stage_dir.exists() and not stage_dir.is_dir():
        raise StageDirError(f"{stage_dir}: the output is a file, not a directory")
    resolved = stage_dir.resolve()
    for path in inputs:
        if "://" not in path and _inside(Path(path).resolve(), resolved):
            raise StageDirError(f"{stage_dir}: the output directory holds the input {path}; "
                                "choose an output directory outside the inputs")
    if not stage_dir.is_dir() or not any(stage_dir.iterdir()):
        return
    owner = (read_marker(stage_dir) or {}).get("stage") or _legacy_stage(stage_dir)
    if owner is None:
        raise StageDirError(f"{stage_dir}: exists and was not made by jacorpus (no {OWN}/{MARKER}); "
                            "choose a new or empty output directory")
    if owner != stage:
        raise StageDirError(f"{stage_dir}: holds the output of stage {owner}; write {stage} to another directory")


def claim(stage_dir: Path, stage: str) -> None:
    """Create the directory (if needed) and mark it as this stage's own."""
    (stage_dir / OWN).mkdir(parents=True, exist_ok=True)
    if read_marker(stage_dir) is None:
        tmp = marker_path(stage_dir).with_suffix(".tmp")
        tmp.write_text(json.dumps({"stage": stage, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}))
        tmp.replace(marker_path(stage_dir))


def clear(stage_dir: Path) -> None:
    """`--force`: delete everything the stage wrote, keeping its marker and lock.

    Only ever called on a directory `check_output_dir` accepted and `claim` marked; checked
    again here because deleting the wrong directory cannot be undone.
    """
    if read_marker(stage_dir) is None:
        raise StageDirError(f"{stage_dir}: refusing to delete a directory without {OWN}/{MARKER}")
    for entry in stage_dir.iterdir():
        if entry.name == OWN:
            (entry / STARTED).unlink(missing_ok=True)
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            os.unlink(entry)  # a symlink is removed, never followed
