"""Pipeline YAML: load, validate, and say exactly what is wrong and where.

A config error must cost the user one line of output and no files: every problem is
reported as `FILE:LINE: <key path>: <message>` before any stage starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from corpus import yaml12


class ConfigError(Exception):
    """A config problem, already phrased as one line for the user."""


class Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid")


class ExecutorConfig(Strict):
    """Maps onto datatrove's executors; tasks are input files, so tasks > files idles."""

    type: Literal["local", "slurm", "ray"] = "local"
    tasks: int = Field(1, ge=1, description="datatrove tasks per stage (files are split across tasks)")
    workers: int = Field(-1, description="tasks run at once (local/ray); -1 = all")
    # slurm
    partition: str | None = None
    time: str = "24:00:00"
    cpus_per_task: int = 1
    mem_per_cpu_gb: int = 2
    sbatch_args: dict[str, Any] = Field(default_factory=dict)
    # ray
    ray_address: str | None = None
    cpus_per_ray_task: int = 1

    @field_validator("workers")
    @classmethod
    def workers_is_all_or_positive(cls, value: int) -> int:
        # datatrove's pool refuses 0 only once the stage has started writing
        if value != -1 and value < 1:
            raise ValueError("workers must be -1 (all) or at least 1")
        return value


class StageConfig(Strict):
    """Keys every stage accepts; a stage's own options live under `options`."""

    enabled: bool = True
    inputs: list[str] | None = Field(None, description="override the inputs this stage reads")
    executor: ExecutorConfig | None = None
    options: dict[str, Any] = Field(default_factory=dict)


STAGE_ORDER = ("ingest_web", "ingest_wiki", "ingest_code", "filter", "dedup", "tokenizer", "tokenize", "train")


class PipelineConfig(Strict):
    run_dir: str = "runs/demo"
    sources: list[str] = Field(default_factory=list, description="source manifests (data_manifests/*.yaml)")
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    stages: dict[Literal[STAGE_ORDER], StageConfig] = Field(default_factory=dict)  # type: ignore[valid-type]


def _line_index(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map each key path in a YAML document to its 1-based line."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[path + (key,)] = key_node.start_mark.line + 1
            _line_index(value_node, path + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, path + (i,), out)
    return out


def _refuse_duplicate_keys(node: yaml.Node, path: Path) -> None:
    """YAML keeps the last of two equal keys silently; in a config that hides a typo or a
    merge mistake (two `options:` blocks, one of them ignored)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if isinstance(key_node, yaml.ScalarNode) and key != "<<":
                if key in seen:
                    raise ConfigError(f"{path}:{key_node.start_mark.line + 1}: duplicate key '{key}' "
                                      f"(first on line {seen[key]})")
                seen[key] = key_node.start_mark.line + 1
            _refuse_duplicate_keys(value_node, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, path)


def load_yaml(path: str | Path) -> tuple[Any, dict[tuple, int]]:
    """Parse a YAML file and return its data and a key-path -> line index."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    try:
        node = yaml12.compose(text)  # YAML 1.2 floats: `1e-5` is a number, not a string
        data = yaml12.load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {getattr(err, 'problem', err)}") from None
    if node is not None:
        _refuse_duplicate_keys(node, path)
    return (data if data is not None else {}), (_line_index(node) if node is not None else {})


def format_validation_error(err: ValidationError, file: str | Path, lines: dict[tuple, int], prefix: tuple = ()) -> str:
    """First problem of a pydantic error as `FILE:LINE: key.path: message`."""
    first = err.errors()[0]
    loc = prefix + tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    # pydantic puts the Literal key of a dict into loc as `[key]`: strip decorations
    loc = tuple(p for p in loc if p not in ("[key]",))
    line = None
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            line = lines[loc[:cut]]
            break
    kind = first["type"]
    where = ".".join(str(p) for p in loc) or "(top level)"
    if kind == "extra_forbidden":
        message = f"unknown key '{loc[-1]}'"
    elif kind == "literal_error" and len(loc) >= 2 and loc[-2] == "stages":
        message = f"unknown stage (expected one of {', '.join(STAGE_ORDER)})"
    else:
        message = first["msg"]
        if "input" in first and not isinstance(first["input"], dict):
            message += f" (got {first['input']!r})"
    return f"{file}{':' + str(line) if line else ''}: {where}: {message}"


def validate(model: type[BaseModel], data: Any, file: str | Path, lines: dict[tuple, int], prefix: tuple = ()) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, file, lines, prefix)) from None


def load_pipeline_config(path: str | Path) -> tuple[PipelineConfig, dict[tuple, int]]:
    data, lines = load_yaml(path)
    if not data:  # an empty file would run the demo's defaults into runs/demo
        raise ConfigError(f"{path}: empty pipeline config; it names at least run_dir and sources (see pipelines/demo.yaml)")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a pipeline config is a mapping of keys (run_dir, sources, executor, stages)")
    return validate(PipelineConfig, data, path, lines), lines
