"""PyYAML's safe loader with YAML 1.2 floats: `1e-5` and JSON's `1e-05` are floats, not strings.

PyYAML implements YAML 1.1, whose float needs a dot and a signed exponent (`1.0e-5`), so
`norm_eps: 1e-5`, `--set optim.lr=3e-4` or a JSON mapping passed to `--set` (`json.dumps`
writes `1e-05`) arrived as strings and failed deep inside the trainer (RMSNorm under
torch.compile) or passed unnoticed into `dict[str, Any]` stage options. Every config file
and every `--set` value in the project goes through this loader.

Only the float rule changes. Everything else stays YAML 1.1 on purpose: the pipeline
relies on a bare `off` reading as false (`host_boilerplate=off`), and the configs' line
index is built from `compose` with the same resolvers.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_FLOAT = "tag:yaml.org,2002:float"

_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
"""YAML 1.2 core schema floats that YAML 1.1 misses: an exponent without a dot (`1e-5`, `1E5`)
or without a sign (`1.0e5`), or a leading dot (`.5e1`); the 1.1 rule still covers the rest"""


class Loader(yaml.SafeLoader):
    """`yaml.SafeLoader` plus YAML 1.2's exponent floats."""


Loader.add_implicit_resolver(_FLOAT, _EXPONENT_FLOAT, list("-+0123456789."))


def load(text: str) -> Any:
    """Like `yaml.safe_load`, with YAML 1.2 floats."""
    return yaml.load(text, Loader=Loader)  # noqa: S506 - Loader is a SafeLoader subclass


def compose(text: str) -> yaml.Node | None:
    """Like `yaml.compose(text, Loader=yaml.SafeLoader)`, with YAML 1.2 floats."""
    return yaml.compose(text, Loader=Loader)
