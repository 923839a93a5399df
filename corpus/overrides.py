"""`--set KEY=VALUE`: the one override syntax of the pipeline's stage options and the trainer's config.

KEY is a dotted path into the options mapping (`input.text_key`, `quality.model.enabled`,
`optim.lr`, `model.shape.norm_eps`); VALUE is YAML with YAML 1.2 floats (`corpus.yaml12`),
so `1e-5`, `[a, b]`, `{path: x}` and a `json.dumps`-written mapping keep their types. An
override replaces the value at its path (a mapping value replaces the whole mapping), and
creates the mappings on the way; a path through a value that is not a mapping is an error.

`jacorpus <stage> --set`, `python -m training.cli train --set` and the train stage's `set:`
option (the same dotted keys, as a YAML mapping) all go through `parse_overrides` and
`apply_overrides`. Nothing here imports datatrove: the trainer runs where it is absent.
"""

from __future__ import annotations

from typing import Any

import yaml

from corpus import yaml12
from corpus.config import ConfigError


def parse_overrides(items: list[str] | None, min_depth: int = 1) -> dict[str, Any]:
    """`["a.b=1", "c=[x, y]"]` -> `{"a.b": 1, "c": ["x", "y"]}`, in order; `min_depth=2` asks for
    `section.key` (the trainer's config has no top-level values)."""
    form = "section.key=value" if min_depth >= 2 else "KEY=VALUE"
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or len(key.split(".")) < min_depth or not all(key.split(".")):
            raise ConfigError(f"--set {item}: expected {form}")
        try:
            out[key] = yaml12.load(value)
        except yaml.YAMLError as err:
            raise ConfigError(f"--set {item}: the value is not valid YAML ({getattr(err, 'problem', err)})") from None
    return out


def apply_overrides(data: dict, overrides: dict[str, Any]) -> dict:
    """`data` (a raw options or config mapping, before validation) with each dotted override
    set in place; returns `data`."""
    for dotted, value in overrides.items():
        path = dotted.split(".")
        if not all(path):
            raise ConfigError(f"--set {dotted}={value}: empty key in the path")
        node = data
        for depth, part in enumerate(path[:-1]):
            if node.get(part) is None:
                node[part] = {}
            if not isinstance(node[part], dict):
                raise ConfigError(f"--set {dotted}={value}: {'.'.join(path[:depth + 1])} is not a mapping")
            node = node[part]
        node[path[-1]] = value
    return data
