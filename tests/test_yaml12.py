"""YAML numbers as YAML 1.2 reads them: `1e-5` is a float in config files and in every `--set`.

PyYAML implements YAML 1.1, whose float needs a dot and a signed exponent, so `1e-5` and
`json.dumps(1e-5)` ("1e-05") came back as strings and reached the model (RMSNorm's eps).
"""

from __future__ import annotations

import json
import math

import pytest

from corpus.config import load_pipeline_config, load_yaml
from corpus.yaml12 import load


@pytest.mark.parametrize("text, expected", [
    ("1e-5", 1e-5), ("1e-05", 1e-5), ("1E5", 1e5), ("-2.5e3", -2500.0), ("1.0e-5", 1e-5), ("1.0e5", 1e5),
    ("+3e+2", 300.0), (".5", 0.5), ("-.5e1", -5.0), ("6.", 6.0), ("1_000.5", 1000.5),
])
def test_exponent_and_plain_floats_are_floats(text, expected):
    value = load(text)
    assert type(value) is float and value == expected


@pytest.mark.parametrize("text, expected", [
    ("12", 12), ("0x1f", 31), ("true", True), ("off", False), ("null", None), ("1e", "1e"), ("e5", "e5"),
    ("1.2.3", "1.2.3"), ("v1e5", "v1e5"), ("2026-01-02", None), ("1e-5x", "1e-5x"),
])
def test_everything_else_reads_as_before(text, expected):
    if text == "2026-01-02":  # a timestamp stays a date, as with PyYAML's safe loader
        assert str(load(text)) == "2026-01-02"
        return
    value = load(text)
    assert value == expected and type(value) is type(expected)


def test_infinity_and_nan_still_parse():
    assert load(".inf") == math.inf and load("-.Inf") == -math.inf and math.isnan(load(".nan"))


def test_a_json_mapping_round_trips_its_floats():
    shape = {"dim": 2048, "norm_eps": 1e-05, "rope_theta": 500000.0, "rope_scaling": {"factor": 32.0}}
    assert load(json.dumps(shape)) == shape
    assert type(load(json.dumps(shape))["norm_eps"]) is float


def test_config_files_read_exponent_floats(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("a:\n  eps: 1e-5\n  lr: 3e-4\n  n: 7\n")
    data, lines = load_yaml(path)
    assert data == {"a": {"eps": 1e-5, "lr": 3e-4, "n": 7}} and lines[("a", "lr")] == 3


def test_pipeline_options_keep_exponent_floats_as_numbers(tmp_path):
    """Stage options are `dict[str, Any]` until the stage validates them; the train stage passes
    its `set` mapping straight to the trainer's config, which wants a float for optim.lr."""
    path = tmp_path / "pipe.yaml"
    path.write_text("run_dir: out\nstages:\n  train:\n    options:\n      set: {optim.lr: 1e-4}\n"
                    "  dedup:\n    options:\n      min_jaccard: 8e-1\n")
    config, _ = load_pipeline_config(path)
    assert config.stages["train"].options["set"] == {"optim.lr": 1e-4}
    assert config.stages["dedup"].options["min_jaccard"] == 0.8


def test_corpus_cli_set_reads_exponent_floats():
    from corpus.overrides import apply_overrides, parse_overrides

    parsed = parse_overrides(["min_jaccard=8e-1", "a.b=1e-5", "name=1e"])
    assert apply_overrides({}, parsed) == {"min_jaccard": 0.8, "a": {"b": 1e-5}, "name": "1e"}
