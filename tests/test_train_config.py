"""Training configs: shipped YAMLs load and have the published Llama sizes; mistakes name file, line and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.config import ConfigError
from training.config import load_config

CONFIGS = Path(__file__).resolve().parent.parent / "training" / "configs"

# parameter counts published on the Hugging Face model cards / safetensors metadata
PUBLISHED = {"llama3.2-1b.yaml": 1_235_814_400, "llama3.2-3b.yaml": 3_212_749_824, "llama3.1-8b.yaml": 8_030_261_248}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_real_configs_have_the_published_llama_parameter_counts(name):
    pytest.importorskip("torch")
    from training.metrics import total_params
    from training.model import ModelArgs

    config = load_config(CONFIGS / name)
    assert total_params(ModelArgs(**config.model.shape)) == PUBLISHED[name]
    assert config.data.seq_len == 8192 and config.training.dtype == "bfloat16"


def test_tiny_config_is_a_cpu_config():
    config = load_config(CONFIGS / "tiny.yaml")
    assert config.training.device == "cpu" and config.parallel.fsdp == "auto"
    assert config.checkpoint.interval * 2 == config.training.max_steps  # a middle checkpoint exists


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_unknown_key_names_file_line_and_key(tmp_path):
    path = write(tmp_path, "model:\n  shape: {dim: 8, n_heads: 2}\ntraining:\n  max_step: 3\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:4: training\.max_step: unknown key"):
        load_config(path)


def test_wrong_type_and_bad_value_are_reported(tmp_path):
    with pytest.raises(ConfigError, match=r"optim\.lr: expected float, got 'fast'"):
        load_config(write(tmp_path, "model:\n  shape: {dim: 8, n_heads: 2}\noptim:\n  lr: fast\n"))
    with pytest.raises(ConfigError, match=r"optim\.schedule: must be one of cosine, wsd, constant"):
        load_config(write(tmp_path, "model:\n  shape: {dim: 8, n_heads: 2}\noptim:\n  schedule: linear\n"))
    with pytest.raises(ConfigError, match="unknown section"):
        load_config(write(tmp_path, "model:\n  shape: {dim: 8, n_heads: 2}\ntrainer: {}\n"))


def test_overrides_apply_before_validation(tmp_path):
    config = load_config(CONFIGS / "tiny.yaml", {"training.max_steps": 5, "data.paths": ["x"]})
    assert config.training.max_steps == 5 and config.data.paths == ["x"]
    with pytest.raises(ConfigError, match="max_steps"):
        load_config(CONFIGS / "tiny.yaml", {"training.max_steps": 0})


def test_exponent_floats_without_a_dot_are_floats_in_the_file_and_in_overrides(tmp_path):
    """YAML 1.1 (PyYAML) reads `1e-5` as a string; a config and `--set` read it as YAML 1.2 does."""
    from corpus.overrides import parse_overrides

    path = write(tmp_path, "model:\n  shape: {dim: 64, n_layers: 2, n_heads: 4, ffn_dim: 192, vocab_size: 96, "
                           "norm_eps: 1e-5}\noptim:\n  lr: 3e-4\n")
    config = load_config(path)
    assert config.optim.lr == 3e-4 and config.model.shape["norm_eps"] == 1e-5
    shape = {"dim": 64, "n_layers": 2, "n_heads": 4, "ffn_dim": 192, "vocab_size": 96, "norm_eps": 1e-05}
    overrides = parse_overrides([f"model.shape={json.dumps(shape)}", "optim.lr=1e-4"])
    config = load_config(CONFIGS / "tiny.yaml", overrides)
    assert type(config.model.shape["norm_eps"]) is float and config.optim.lr == 1e-4


def test_a_dotted_override_reaches_into_the_shape(tmp_path):
    from corpus.overrides import parse_overrides

    config = load_config(CONFIGS / "tiny.yaml", parse_overrides(["model.shape.norm_eps=1e-6"]))
    assert config.model.shape["norm_eps"] == 1e-6 and config.model.shape["dim"] == 64
    with pytest.raises(ConfigError, match=r"model\.shape\.norm_epsilon: unknown key"):
        load_config(CONFIGS / "tiny.yaml", parse_overrides(["model.shape.norm_epsilon=1e-6"]))
    with pytest.raises(ConfigError, match=r"--set optim\.lr\.x=1: optim\.lr is not a mapping"):
        load_config(CONFIGS / "tiny.yaml", parse_overrides(["optim.lr.x=1"]))
    with pytest.raises(ConfigError, match=r"--set lr=1: expected section\.key=value"):
        parse_overrides(["lr=1"], min_depth=2)
    with pytest.raises(ConfigError, match=r"override 'lr': use section\.key"):
        load_config(CONFIGS / "tiny.yaml", {"lr": 1})


def test_a_string_in_the_model_shape_is_a_config_error_naming_file_line_and_key(tmp_path):
    """A quoted number (or YAML 1.1's reading of one) must never reach RMSNorm as its eps."""
    pytest.importorskip("torch")
    path = write(tmp_path, "model:\n  shape:\n    dim: 64\n    n_layers: 2\n    n_heads: 4\n    ffn_dim: 192\n"
                           "    vocab_size: 96\n    norm_eps: '1e-05'\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:8: model\.shape\.norm_eps: expected float, got '1e-05'"):
        load_config(path)
    path = write(tmp_path, "model:\n  shape: {dim: 64, n_layers: 2, n_heads: 4, ffn_dim: 192, vocab_size: 96, "
                           "n_layres: 3}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:2: model\.shape\.n_layres: unknown key"):
        load_config(path)
    path = write(tmp_path, "model:\n  shape: {dim: 64, n_layers: 2, n_heads: 4, ffn_dim: 192, vocab_size: 96, "
                           "rope_theta: 500000}\n")
    assert type(load_config(path).model.shape["rope_theta"]) is float  # an int where a float is declared is widened
    path = write(tmp_path, "model:\n  init_from: /somewhere/hf\n  shape: {dim: 8}\n")
    assert load_config(path).model.shape == {"dim": 8}  # ignored beside init_from, so not checked
