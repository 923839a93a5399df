"""`--input PATH...` for standalone stages: files, directories, globs, or a previous stage's output."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from corpus.config import ConfigError

# folders of a stage directory that hold bookkeeping, not data
BOOKKEEPING = {"logs", "completions", "stats", "excluded", "passes", "work", ".jacorpus"}


class EmptyInput(ConfigError):
    """Inputs that yielded no document at all: almost always a wrong path, glob or text key."""


def refuse_empty(stage: str, documents_in: int, inputs: list[str]) -> None:
    """A stage that read nothing did nothing: say so in one line instead of reporting in=0."""
    if documents_in:
        return
    shown = ", ".join(os.path.basename(p) for p in inputs[:3]) + (" ..." if len(inputs) > 3 else "")
    raise EmptyInput(f"{stage}: the inputs yielded 0 documents ({len(inputs)} file(s){': ' + shown if shown else ''}); "
                     f"check the paths and input.text_key, or pass --allow-empty")


def stage_output_files(stage_dir: Path) -> list[str]:
    """What a finished stage hands on: its kept parquet shards, or (no shards folder) its data files."""
    shards = stage_dir / "shards"
    if shards.is_dir():
        return sorted(str(p) for p in shards.rglob("*.parquet"))
    return sorted(
        str(p) for p in stage_dir.rglob("*")
        if p.is_file() and not (set(p.relative_to(stage_dir).parts[:-1]) & BOOKKEEPING)
        and p.name not in ("report.json", "stats.json", "executor.json")
    )


def resolve_inputs(patterns: list[str], base: Path | None = None) -> list[str]:
    out: list[str] = []
    urls: list[str] = []
    for pattern in patterns:
        if "://" in pattern:  # streamed from a remote store (http, s3, ...), read through fsspec
            urls.append(pattern)
            continue
        path = Path(pattern) if (base is None or os.path.isabs(pattern)) else base / pattern
        if path.exists():  # a real name with [ ] * ? in it (x[1].parquet) is that file, not a pattern
            matches = [str(path)]
        else:
            matches = sorted(glob.glob(str(path), recursive=True)) if glob.has_magic(str(path)) else []
        if not matches:
            raise ConfigError(f"input path not found: {path}")
        for match in matches:
            m = Path(match)
            if m.is_dir() and (m / "report.json").is_file():
                out.extend(stage_output_files(m))
            elif m.is_dir():
                # links and special files too (rglob does not descend into a symlinked
                # folder): the reader counts each one as excluded instead of it vanishing
                out.extend(str(p) for p in sorted(m.rglob("*")) if p.is_symlink() or not p.is_dir())
            else:
                out.append(str(m))
    return [os.path.abspath(p) for p in out] + urls
