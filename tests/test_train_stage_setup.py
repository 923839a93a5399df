"""training.stage_setup: a run's config and shards from the tokenize stage's output, the YAML read once."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

import training.config
from corpus.formats.megatron_format import write_token_shard
from training.stage_setup import prepare

TINY = Path(__file__).resolve().parent.parent / "training" / "configs" / "tiny.yaml"


def tokenize_output(out: Path, meta: dict) -> list[str]:
    rng = np.random.default_rng(0)
    for source, n in (("web", 12), ("wiki", 5)):
        docs = [[1] + [int(t) for t in rng.integers(3, 90, rng.integers(10, 60))] + [2] for _ in range(n)]
        (out / source).mkdir(parents=True)
        write_token_shard(out / source / "00000", docs, vocab_size=100)
    (out / "metadata.json").write_text(json.dumps(meta))
    return sorted(str(p) for p in out.rglob("*") if p.is_file())


@pytest.fixture
def yaml_reads(monkeypatch) -> list[str]:
    """Every training YAML read, through the real loader."""
    reads: list[str] = []
    real = training.config.load_yaml

    def counted(path):
        reads.append(str(Path(path).resolve()))
        return real(path)

    monkeypatch.setattr(training.config, "load_yaml", counted)
    return reads


def test_random_init_is_written_and_the_config_file_read_once(tmp_path, yaml_reads):
    inputs = tokenize_output(tmp_path / "tokenize", {"vocab_size": 100, "bos_id": 1, "eos_id": 2})
    said: list[str] = []
    setup = prepare(inputs, "training/configs/tiny.yaml", {"training.max_steps": 3}, tmp_path / "train", said.append)
    assert yaml_reads == [str(TINY)]
    assert setup.config.model.init_from == str(tmp_path / "train" / "init_hf")
    init = json.loads((tmp_path / "train" / "init_hf" / "config.json").read_text())
    assert init["vocab_size"] == 128 and init["bos_token_id"] == 1  # 100 padded to a multiple of 64
    assert setup.config.training.max_steps == 3 and setup.config.data.paths == []
    assert sorted(setup.groups) == ["web", "wiki"] and setup.documents == 17
    assert any("random" in line for line in said)


def test_expanded_tokenizer_sets_the_mapping_on_the_loaded_config(tmp_path, yaml_reads):
    from training.hf_io import save_random_init
    from training.model import ModelArgs

    save_random_init(ModelArgs(dim=32, n_layers=1, n_heads=4, n_kv_heads=2, vocab_size=64, ffn_dim=64,
                               max_seq_len=128), tmp_path / "base", seed=1)
    tok = tmp_path / "tok"
    tok.mkdir()
    (tok / "tokenizer.model").write_bytes(b"not read: vocab_size comes from metadata.json")
    (tok / "vocab_mapping.json").write_text("{}")
    inputs = tokenize_output(tmp_path / "tokenize", {"tokenizer": {"path": str(tok / "tokenizer.model")},
                                                     "vocab_size": 100})
    setup = prepare(inputs, TINY, {"model.init_from": str(tmp_path / "base")}, tmp_path / "train", lambda _: None)
    assert yaml_reads == [str(TINY)]
    assert setup.config.vocab.mapping == str(tok / "vocab_mapping.json")
    assert setup.config.vocab.tokenizer == str(tok / "tokenizer.model")
    assert setup.config.model.init_from == str(tmp_path / "base") and not (tmp_path / "train" / "init_hf").exists()


def test_no_token_shards_is_an_error(tmp_path):
    (tmp_path / "metadata.json").write_text("{}")
    with pytest.raises(ValueError, match="no token shards"):
        prepare([str(tmp_path / "metadata.json")], TINY, {}, tmp_path / "train")


def test_tokenizer_facts_without_metadata_come_from_the_tokenizer_as_tokenize_loads_it(tmp_path, shared_data):
    """A metadata.json that names the tokenizer but not its vocabulary (written by hand, or by an
    older run): the size and BOS/EOS ids are read from the tokenizer, through the loader tokenize
    and evaluate use, and what metadata does record wins."""
    from training.stage_setup import _tokenizer_facts

    llama2 = shared_data / "tokenizers" / "llama2.model"
    assert _tokenizer_facts(llama2, {}) == {"vocab_size": 32000, "bos_token_id": 1, "eos_token_id": 2}
    assert _tokenizer_facts(llama2, {"eos_id": 7})["eos_token_id"] == 7
    assert _tokenizer_facts(None, {}) == {}
