"""The compact Llama module: same logits as transformers' LlamaForCausalLM, document masking."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from training.hf_io import load_hf_model, save_random_init
from training.model import ModelArgs, Transformer

LLAMA31_SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 32}

VARIANTS = {
    "llama2_mha_untied": {"n_heads": 4, "n_kv_heads": None, "tie_embeddings": False, "rope_theta": 10000.0},
    "llama3_gqa_untied": {"n_heads": 4, "n_kv_heads": 2, "tie_embeddings": False, "rope_theta": 500000.0},
    "llama31_rope_scaling": {"n_heads": 4, "n_kv_heads": 1, "rope_theta": 500000.0, "rope_scaling": LLAMA31_SCALING},
    "llama32_tied": {"n_heads": 4, "n_kv_heads": 2, "tie_embeddings": True, "rope_theta": 500000.0,
                         "rope_scaling": LLAMA31_SCALING},
    "linear_scaling_head_dim": {"n_heads": 2, "n_kv_heads": 2, "head_dim": 24, "rope_scaling": {"rope_type": "linear", "factor": 2.0}},
}


def tiny(**kw) -> ModelArgs:
    base = {"dim": 48, "n_layers": 2, "n_heads": 4, "vocab_size": 96, "ffn_dim": 112, "max_seq_len": 64, "norm_eps": 1e-5}
    base.update(kw)
    return ModelArgs(**base)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_logits_match_transformers_llama_on_same_random_weights(tmp_path, variant):
    args = tiny(**VARIANTS[variant])
    save_random_init(args, tmp_path, seed=3)
    ours = load_hf_model(tmp_path).eval()
    theirs = transformers.LlamaForCausalLM.from_pretrained(tmp_path, dtype=torch.float32).eval()
    tokens = torch.randint(0, args.vocab_size, (2, 50), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a, b = ours(tokens), theirs(tokens).logits
    torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


def test_document_masking_equals_running_each_document_alone():
    torch.manual_seed(0)
    model = Transformer(tiny(n_heads=4, n_kv_heads=2)).eval()
    model.init_weights()
    tokens = torch.randint(0, 96, (1, 30))
    doc_ids = torch.tensor([[0] * 12 + [1] * 18])
    with torch.no_grad():
        packed = model(tokens, doc_ids=doc_ids)
        first = model(tokens[:, :12])
        second = model(tokens[:, 12:], positions=torch.arange(12, 30)[None])
        unmasked = model(tokens)
    torch.testing.assert_close(packed[:, :12], first, rtol=0, atol=1e-5)
    torch.testing.assert_close(packed[:, 12:], second, rtol=0, atol=1e-5)
    assert not torch.allclose(packed[:, 12:], unmasked[:, 12:], atol=1e-3)  # the mask does something


@pytest.mark.filterwarnings("ignore:flex_attention called without torch.compile")
def test_flex_attention_backend_matches_dense_mask():
    pytest.importorskip("torch.nn.attention.flex_attention")
    torch.manual_seed(0)
    dense = Transformer(tiny(n_heads=4, n_kv_heads=2)).eval()
    dense.init_weights()
    flex = Transformer(tiny(n_heads=4, n_kv_heads=2, attn_backend="flex")).eval()
    flex.load_state_dict(dense.state_dict())
    tokens = torch.randint(0, 96, (2, 64))
    doc_ids = torch.zeros(2, 64, dtype=torch.int32)
    doc_ids[0, 20:] = 1
    doc_ids[1, 40:] = 1
    with torch.no_grad():
        torch.testing.assert_close(flex(tokens, doc_ids=doc_ids), dense(tokens, doc_ids=doc_ids), rtol=0, atol=1e-4)


def test_compiled_flex_attention_path_matches_dense_mask():
    """What a GPU run executes: fullgraph-compiled blocks taking a compiled BlockMask built from
    each batch's document ids. Forward only, since CPU FlexAttention has no backward."""
    pytest.importorskip("torch.nn.attention.flex_attention")
    from training.model import Attention
    from training.parallelize import apply_compile

    torch.manual_seed(0)
    dense = Transformer(tiny(n_heads=4, n_kv_heads=2, max_seq_len=256)).eval()
    dense.init_weights()
    flex = Transformer(tiny(n_heads=4, n_kv_heads=2, max_seq_len=256, attn_backend="flex")).eval()
    flex.load_state_dict(dense.state_dict())
    apply_compile(flex)
    assert all(m.flex_attention is not None for m in flex.modules() if isinstance(m, Attention))
    tokens = torch.randint(0, 96, (2, 256))
    doc_ids = torch.zeros(2, 256, dtype=torch.int32)
    doc_ids[0, 100:], doc_ids[1, 30:], doc_ids[1, 200:] = 1, 1, 2
    with torch.no_grad():
        torch.testing.assert_close(flex(tokens, doc_ids=doc_ids), dense(tokens, doc_ids=doc_ids), rtol=0, atol=1e-4)
        doc_ids[0, 180:] = 2  # a new batch's boundaries must reach the compiled mask
        torch.testing.assert_close(flex(tokens, doc_ids=doc_ids), dense(tokens, doc_ids=doc_ids), rtol=0, atol=1e-4)


def test_compiling_one_model_leaves_every_other_model_eager():
    """The compiled kernels belong to the compiled model: a scoring copy or a second model in the
    same process (the GPU checks build several) still runs eager code."""
    from training.model import Attention
    from training.parallelize import apply_compile

    compiled_model = Transformer(tiny(attn_backend="flex"))
    other = Transformer(tiny(attn_backend="flex"))
    apply_compile(compiled_model)
    assert compiled_model.chunk_kernel is not None and compiled_model.create_block_mask is not None
    assert other.chunk_kernel is None and other.create_block_mask is None
    assert all(m.flex_attention is None for m in other.modules() if isinstance(m, Attention))
    assert all(m.flex_attention is None for m in Transformer(tiny(attn_backend="flex")).modules()
               if isinstance(m, Attention))


def test_tied_model_shares_one_matrix_for_embedding_and_head():
    model = Transformer(tiny(tie_embeddings=True))
    assert model.output.weight is model.tok_embeddings.weight
    n = sum(p.numel() for p in model.parameters())
    untied = sum(p.numel() for p in Transformer(tiny()).parameters())
    assert untied - n == 96 * 48


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="n_kv_heads"):
        tiny(n_heads=4, n_kv_heads=3)
    with pytest.raises(ValueError, match="rope_scaling"):
        tiny(rope_scaling={"rope_type": "yarn", "factor": 4.0})


def test_shape_fields_are_checked_against_their_declared_types():
    """A string eps (YAML 1.1's `1e-05`) used to reach RMSNorm and fail only inside torch.compile."""
    with pytest.raises(TypeError, match=r"norm_eps: expected float, got '1e-05'"):
        tiny(norm_eps="1e-05")
    with pytest.raises(TypeError, match=r"n_layers: expected int, got 2.0"):
        tiny(n_layers=2.0)
    with pytest.raises(TypeError, match=r"tie_embeddings: expected bool, got 1"):
        tiny(tie_embeddings=1)
    with pytest.raises(TypeError, match=r"dim: expected int, got True"):
        tiny(dim=True)
    with pytest.raises(TypeError, match=r"rope_scaling\.factor: expected a number, got '8'"):
        tiny(rope_scaling={**LLAMA31_SCALING, "factor": "8"})
    args = tiny(rope_theta=500000, norm_eps=0, rope_scaling={**LLAMA31_SCALING, "factor": 8})
    assert type(args.rope_theta) is float and type(args.norm_eps) is float
    assert type(args.rope_scaling["factor"]) is float and args.rope_scaling["original_max_position_embeddings"] == 32
