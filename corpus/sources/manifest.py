"""Source manifests (what goes in) and the run manifest (what happened: lineage)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import time
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from corpus import __version__
from corpus.config import ConfigError, Strict, load_yaml, validate
from corpus.readers.input_formats import TextFormat
from corpus.readers.inputs import resolve_inputs
from corpus.sources.remote_sources import Remote
from corpus.sources.safe_names import plain_name_problem

class LicencePolicy(Strict):
    allow: list[str] | None = Field(None, description="licence ids kept; null keeps any known licence")
    unknown: Literal["keep", "exclude"] | None = Field(
        None, description="documents with no licence evidence; null = the kind's default (code: exclude, web/wiki: keep)")


class Source(Strict):
    name: str
    kind: Literal["web", "wiki", "code", "text"] = Field(
        description="web | wiki | code: raw inputs for that ingest stage; text: already-extracted documents "
                    "(jsonl, parquet with a text column, .txt) that skip ingest and enter the filter stage")
    paths: list[str] = Field(default_factory=list, description="files, directories, globs or URLs; relative to the manifest")
    remote: Remote | None = Field(None, description="what `jacorpus fetch` downloads (Common Crawl, Wikipedia, git, URLs)")
    licence: str | None = Field(None, description="licence of the whole source when known (e.g. CC-BY-SA-4.0)")
    licence_policy: LicencePolicy | None = None
    sha256: dict[str, str] = Field(default_factory=dict, description="file name -> expected sha256")
    read: TextFormat = Field(default_factory=TextFormat, description="kind text: text/id keys, .txt splitting, "
                                                                     "metadata.source of the documents")
    description: str = ""

    @field_validator("name")
    @classmethod
    def name_is_one_path_component(cls, value: str) -> str:
        # the name becomes a folder (`fetch -o DIR` writes DIR/<name>/) and a dataset label
        if problem := plain_name_problem(value):
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def paths_or_remote(self) -> "Source":
        if not self.paths and self.remote is None:
            raise ValueError("a source needs paths or remote")
        return self


class SourceManifest(Strict):
    sources: list[Source] = Field(min_length=1)


def load_source_manifest(path: str | Path, run_dir: str | Path) -> list[tuple[Source, list[str]]]:
    """Validated sources with their resolved input files. `${run_dir}` may appear in paths."""
    data, lines = load_yaml(path)
    manifest: SourceManifest = validate(SourceManifest, data, path, lines)
    base = Path(path).resolve().parent
    resolved = []
    for i, source in enumerate(manifest.sources):
        if not source.paths:
            raise ConfigError(f"{path}:{lines.get(('sources', i), '')}: source '{source.name}' is remote: run "
                              f"`jacorpus fetch {path} --output DIR` first and use DIR/sources.yaml")
        patterns = [p.replace("${run_dir}", str(Path(run_dir).resolve())) for p in source.paths]
        line = lines.get(("sources", i, "paths"), "")
        try:
            files = resolve_inputs(patterns, base=base)
        except ConfigError as err:
            raise ConfigError(f"{path}:{line}: sources[{i}].paths: {err}") from None
        resolved.append((source, files))
    return resolved


def sha256_problems(source: Source, files: list[str], base: Path) -> list[str]:
    """A source's `sha256: {file name: digest}` checked against its resolved files.

    A key names a file by its base name or by its path relative to the manifest; every key
    must match one of the source's files and its digest. Returns one line per problem.
    """
    problems = []
    for key, expected in source.sha256.items():
        matches = [f for f in files if Path(f).name == key or os.path.normpath(os.path.relpath(f, base)) == os.path.normpath(key)]
        if not matches:
            problems.append(f"{key}: listed in sha256 but not among the source's files")
        for f in matches:
            if not os.path.isfile(f):
                problems.append(f"{f}: listed in sha256 but not a regular file")
            elif (got := sha256_file(f)) != expected.lower():
                problems.append(f"{f}: sha256 mismatch: expected {expected}, got {got}")
    return problems


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def code_version() -> str:
    """git commit of the checkout when there is one, else the package version."""
    try:
        here = Path(__file__).resolve().parents[2]  # the checkout: corpus/sources/manifest.py
        rev = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5,
        )
        if rev.returncode == 0:
            return f"{__version__}+g{rev.stdout.strip()}{'.dirty' if dirty.stdout.strip() else ''}"
    except (OSError, subprocess.SubprocessError):
        pass
    return __version__


KEY_PACKAGES = ("datatrove", "fugashi", "sentencepiece", "pyarrow", "presidio-analyzer", "trafilatura", "torch")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            pass
    return versions


class RunManifest:
    """RUN/manifest.json: inputs with checksums, config, code and package versions, counts."""

    def __init__(self, run_dir: str | Path):
        self.path = Path(run_dir) / "manifest.json"
        self.data = json.loads(self.path.read_text()) if self.path.exists() else {}

    def start(self, config: dict, config_file: str | None) -> None:
        self.data.setdefault("created", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        self.data["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.data["code_version"] = code_version()
        self.data["packages"] = package_versions()
        self.data["config_file"] = config_file
        self.data["config"] = config
        self.data.setdefault("inputs", {})
        self.data.setdefault("stages", {})

    def add_inputs(self, source: str, paths: list[str]) -> None:
        known = self.data.setdefault("inputs", {})
        for p in paths:
            if not os.path.isfile(p):  # a FIFO blocks a read, a link to /dev/zero never ends: the reader counts them
                known[p] = {"source": source, "not_a_file": True}
                continue
            stat = os.stat(p)
            entry = known.get(p)
            if entry and entry.get("bytes") == stat.st_size and entry.get("mtime") == stat.st_mtime:
                continue  # unchanged since we hashed it
            known[p] = {"source": source, "bytes": stat.st_size, "mtime": stat.st_mtime, "sha256": sha256_file(p)}

    def record_stage(self, stage: str, report: dict) -> None:
        self.data.setdefault("stages", {})[stage] = {
            "documents": report.get("documents"),
            "finished": report.get("finished"),
        }

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.data, indent=2, ensure_ascii=False, sort_keys=True))
        tmp.replace(self.path)
