"""Vocabulary expansion: new rows are the mean of their base pieces; warm-up trains only new rows."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from training.model import ModelArgs, Transformer
from training.vocab_expansion import NewRowsWarmup, expand_state_dict, load_mapping


def base_model(tie: bool = False) -> Transformer:
    torch.manual_seed(0)
    model = Transformer(ModelArgs(dim=16, n_layers=1, n_heads=2, vocab_size=50, ffn_dim=32, tie_embeddings=tie))
    model.init_weights()
    return model


@pytest.fixture
def mapping_file(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps({"base_vocab_size": 50, "vocab_size": 53,
                                "new_tokens": {"50": [3, 4], "51": [7], "52": [1, 2, 9]}}))
    return path


def test_new_rows_are_the_mean_of_their_base_pieces_and_base_rows_are_unchanged(mapping_file):
    model = base_model()
    mapping = load_mapping(mapping_file)
    state, args = expand_state_dict(model.state_dict(), model.args, mapping, pad_to_multiple=8)
    emb, head = state["tok_embeddings.weight"], state["output.weight"]
    old_emb, old_head = model.tok_embeddings.weight.detach(), model.output.weight.detach()
    assert args.vocab_size == 56 and emb.shape == (56, 16) and head.shape == (56, 16)
    assert torch.equal(emb[:50], old_emb) and torch.equal(head[:50], old_head)
    torch.testing.assert_close(emb[50], old_emb[[3, 4]].mean(0))
    torch.testing.assert_close(emb[52], old_emb[[1, 2, 9]].mean(0))
    torch.testing.assert_close(head[51], old_head[7])
    torch.testing.assert_close(emb[55], old_emb.mean(0))  # padding row: the global mean
    grown = Transformer(args)
    grown.load_state_dict(state)


def test_mapping_formats_list_and_jsonl_are_read(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([{"id": 50, "token": "日本", "pieces": [3, 4]}]))
    (tmp_path / "b.jsonl").write_text('{"id": 50, "base_ids": [3, 4]}\n{"id": 51, "piece_ids": [5]}\n')
    assert load_mapping(tmp_path / "a.json").pieces == {50: [3, 4]}
    b = load_mapping(tmp_path / "b.jsonl")
    assert b.base_vocab_size == 50 and b.vocab_size == 52


def test_mapping_to_ids_outside_the_base_vocabulary_is_refused(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"base_vocab_size": 50, "new_tokens": {"50": [51]}}))
    with pytest.raises(ValueError, match="outside the base"):
        load_mapping(tmp_path / "bad.json")


@pytest.mark.parametrize("tie", [False, True])
def test_warmup_updates_only_new_rows(mapping_file, tie):
    model = base_model(tie)
    mapping = load_mapping(mapping_file)
    state, args = expand_state_dict(model.state_dict(), model.args, mapping)
    model = Transformer(args)
    model.load_state_dict({**state, "output.weight": state.get("output.weight", state["tok_embeddings.weight"])})
    before = {k: v.clone() for k, v in model.state_dict().items()}
    warm = NewRowsWarmup(model, mapping.base_vocab_size)
    opt = warm.make_optimizer(1e-2, (0.9, 0.95), 1e-8, fused=None)
    tokens = torch.tensor([[1, 50, 51, 52, 3, 50, 7, 2]])
    for _ in range(3):
        loss = torch.nn.functional.cross_entropy(model(tokens[:, :-1]).flatten(0, 1), tokens[:, 1:].flatten())
        loss.backward()
        warm.mask_gradients()
        opt.step()
        model.zero_grad(set_to_none=True)
    after = model.state_dict()
    for key, old in before.items():
        if key in ("tok_embeddings.weight", "output.weight"):
            assert torch.equal(after[key][:50], old[:50]), key
            assert not torch.equal(after[key][50:53], old[50:53]), key
        else:
            assert torch.equal(after[key], old), key
