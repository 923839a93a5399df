"""The fused output-head + cross-entropy (training/loss.py) against the plain path, and the
optional float8 linears (training/parallelize.py)."""

from __future__ import annotations

import sys

import pytest

torch = pytest.importorskip("torch")

from training.loss import linear_cross_entropy


def _inputs(n: int = 50, d: int = 16, v: int = 97, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    hidden = torch.randn(2, n, d, generator=g, requires_grad=True)
    weight = torch.randn(v, d, generator=g, requires_grad=True)
    labels = torch.randint(0, v, (2, n), generator=g)
    return hidden, weight, labels


def _loss_and_grads(chunk: int, autocast: bool = False):
    hidden, weight, labels = _inputs()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        loss = linear_cross_entropy(hidden, weight, labels, chunk)
    (loss * 0.5).backward()  # a non-unit upstream gradient, as gradient accumulation gives
    return loss.detach(), hidden.grad, weight.grad


@pytest.mark.parametrize("chunk", [1, 7, 32, 100, 1000])
def test_fused_loss_and_gradients_equal_the_plain_path_in_float32(chunk):
    plain, fused = _loss_and_grads(0), _loss_and_grads(chunk)
    torch.testing.assert_close(fused[0], plain[0], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(fused[1], plain[1], rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(fused[2], plain[2], rtol=1e-5, atol=1e-7)


def test_fused_loss_under_bf16_autocast_stays_within_bf16_rounding_of_the_plain_path():
    exact, plain, fused = _loss_and_grads(0), _loss_and_grads(0, autocast=True), _loss_and_grads(16, autocast=True)
    assert fused[0].dtype == torch.float32 and fused[1].dtype == fused[2].dtype == torch.float32
    assert abs(float(fused[0] - plain[0])) < 1e-3
    for i in (1, 2):  # as close to fp32 as the unfused bf16 path is
        err_fused = (fused[i] - exact[i]).abs().max()
        err_plain = (plain[i] - exact[i]).abs().max()
        assert err_fused <= 2 * err_plain + 1e-6


def test_model_returns_the_same_loss_fused_or_not():
    from training.model import ModelArgs, Transformer

    model = Transformer(ModelArgs(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, ffn_dim=64, vocab_size=80,
                                  tie_embeddings=True))
    model.init_weights(generator=torch.Generator().manual_seed(0))
    tokens = torch.randint(0, 80, (2, 24), generator=torch.Generator().manual_seed(1))
    docs = torch.tensor([[0] * 10 + [1] * 14, [0] * 24])
    logits = model(tokens[:, :-1], doc_ids=docs[:, :-1])
    plain = torch.nn.functional.cross_entropy(logits.flatten(0, 1), tokens[:, 1:].flatten())
    fused = model(tokens[:, :-1], doc_ids=docs[:, :-1], labels=tokens[:, 1:], loss_chunk=8)
    torch.testing.assert_close(fused, plain, rtol=1e-6, atol=1e-6)


def test_float8_without_torchao_stops_with_an_install_hint(monkeypatch):
    from training.parallelize import apply_float8

    monkeypatch.setitem(sys.modules, "torchao", None)
    monkeypatch.setitem(sys.modules, "torchao.float8", None)
    with pytest.raises(ValueError, match=r"parallel.float8 needs torchao \(pip install 'jacorpus\[fp8\]'"):
        apply_float8(torch.nn.Sequential(torch.nn.Linear(16, 16)), torch.device("cpu"))


def test_float8_converts_block_linears_but_not_the_head_and_keeps_state_dict_keys():
    pytest.importorskip("torchao.float8")
    from training.model import ModelArgs, Transformer
    from training.parallelize import apply_float8

    model = Transformer(ModelArgs(dim=32, n_layers=2, n_heads=2, n_kv_heads=1, ffn_dim=64, vocab_size=64))
    keys = set(model.state_dict())
    assert apply_float8(model, torch.device("cpu")) == 2 * 7
    assert type(model.output) is torch.nn.Linear
    assert type(model.layers[0].attention.wq).__name__ == "Float8Linear"
    assert set(model.state_dict()) == keys
