"""Hugging Face checkpoints in and out: transformers-written weights load, our exports reload in transformers."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from training.hf_io import args_from_hf_config, export_hf, load_hf_model, read_hf_config
from training.model import ModelArgs, Transformer


def hf_model(**kw):
    config = transformers.LlamaConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=80, max_position_embeddings=64, rms_norm_eps=1e-5, **kw,
    )
    torch.manual_seed(0)
    return transformers.LlamaForCausalLM(config).eval()


def test_loads_weights_that_transformers_saved(tmp_path):
    theirs = hf_model(tie_word_embeddings=True)
    theirs.save_pretrained(tmp_path)
    ours = load_hf_model(tmp_path).eval()
    assert ours.args.tie_embeddings and ours.args.n_kv_heads == 2
    tokens = torch.randint(0, 80, (2, 20))
    with torch.no_grad():
        torch.testing.assert_close(ours(tokens), theirs(tokens).logits, rtol=0, atol=1e-5)


def test_sharded_export_with_index_reloads_in_transformers(tmp_path):
    torch.manual_seed(1)
    args = ModelArgs(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=80, ffn_dim=64, max_seq_len=64)
    model = Transformer(args).eval()
    model.init_weights()
    export_hf(model.state_dict(), args, tmp_path, dtype="float32", max_shard_bytes=20_000)
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) > 1
    assert "lm_head.weight" in index["weight_map"]
    theirs = transformers.LlamaForCausalLM.from_pretrained(tmp_path, dtype=torch.float32).eval()
    tokens = torch.randint(0, 80, (1, 30))
    with torch.no_grad():
        assert torch.equal(model(tokens), load_hf_model(tmp_path)(tokens))
        torch.testing.assert_close(model(tokens), theirs(tokens).logits, rtol=0, atol=1e-5)


def test_reads_both_rope_config_spellings():
    scaling = {"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
    base = {"hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 10, "intermediate_size": 8}
    old = args_from_hf_config({**base, "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", **scaling}})
    new = args_from_hf_config({**base, "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, **scaling}})
    legacy_type = args_from_hf_config({**base, "rope_theta": 500000.0, "rope_scaling": {"type": "llama3", **scaling}})
    assert old.rope_theta == new.rope_theta == 500000.0
    assert old.rope_scaling == new.rope_scaling == legacy_type.rope_scaling == {"rope_type": "llama3", **scaling}
    plain = args_from_hf_config({**base, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0}})
    assert plain.rope_scaling is None


def test_export_config_round_trips_through_transformers(tmp_path):
    model = hf_model(rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                   "high_freq_factor": 4.0, "original_max_position_embeddings": 32})
    model.save_pretrained(tmp_path / "in")
    ours = load_hf_model(tmp_path / "in")
    export_hf(ours.state_dict(), ours.args, tmp_path / "out", dtype="float32")
    assert args_from_hf_config(read_hf_config(tmp_path / "out")) == ours.args
    back = transformers.AutoConfig.from_pretrained(tmp_path / "out")
    assert back.num_key_value_heads == 2 and back.rope_parameters["rope_type"] == "llama3"


def test_unsupported_llama_variants_are_refused():
    base = {"hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 10, "intermediate_size": 8}
    with pytest.raises(ValueError, match="bias"):
        args_from_hf_config({**base, "attention_bias": True})
    with pytest.raises(ValueError, match="not a Llama"):
        args_from_hf_config({**base, "model_type": "mistral"})
