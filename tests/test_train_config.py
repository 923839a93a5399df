"""Training configs: shipped YAMLs load and have the published Llama sizes; mistakes name file, line and key."""

from __future__ import annotations

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
    path = write(tmp_path, "model:\n  shape: {dim: 8}\ntraining:\n  max_step: 3\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:4: training\.max_step: unknown key"):
        load_config(path)


def test_wrong_type_and_bad_value_are_reported(tmp_path):
    with pytest.raises(ConfigError, match=r"optim\.lr: expected float, got 'fast'"):
        load_config(write(tmp_path, "model:\n  shape: {dim: 8}\noptim:\n  lr: fast\n"))
    with pytest.raises(ConfigError, match=r"optim\.schedule: must be one of cosine, wsd, constant"):
        load_config(write(tmp_path, "model:\n  shape: {dim: 8}\noptim:\n  schedule: linear\n"))
    with pytest.raises(ConfigError, match="unknown section"):
        load_config(write(tmp_path, "model:\n  shape: {dim: 8}\ntrainer: {}\n"))


def test_overrides_apply_before_validation(tmp_path):
    config = load_config(CONFIGS / "tiny.yaml", {"training.max_steps": 5, "data.paths": ["x"]})
    assert config.training.max_steps == 5 and config.data.paths == ["x"]
    with pytest.raises(ConfigError, match="max_steps"):
        load_config(CONFIGS / "tiny.yaml", {"training.max_steps": 0})
