"""FLOPs per token and MFU: the stated formula, the stated embedding convention."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from training.metrics import (
    MetricsLogger,
    Throughput,
    flops_per_token,
    matmul_params,
    total_params,
)
from training.model import ModelArgs, Transformer


@pytest.mark.parametrize("tie", [False, True])
def test_parameter_counts_match_the_module(tie):
    args = ModelArgs(dim=64, n_layers=3, n_heads=4, n_kv_heads=2, vocab_size=300, ffn_dim=160, tie_embeddings=tie)
    model = Transformer(args)
    assert total_params(args) == sum(p.numel() for p in model.parameters())
    assert matmul_params(args) == total_params(args) - (0 if tie else args.vocab_size * args.dim)


def test_flops_per_token_is_6n_plus_attention_term_for_llama31_8b():
    args = ModelArgs(dim=4096, n_layers=32, n_heads=32, n_kv_heads=8, vocab_size=128256, ffn_dim=14336)
    n = 8_030_261_248 - 128256 * 4096  # published size minus the input embedding table
    assert flops_per_token(args, 8192) == 6 * n + 12 * 32 * 32 * 128 * 8192


def test_tied_head_is_still_counted_as_compute():
    tied = ModelArgs(dim=64, n_layers=1, n_heads=4, vocab_size=1000, ffn_dim=128, tie_embeddings=True)
    untied = ModelArgs(dim=64, n_layers=1, n_heads=4, vocab_size=1000, ffn_dim=128, tie_embeddings=False)
    assert flops_per_token(tied, 128) == flops_per_token(untied, 128)


def test_cpu_throughput_reports_tokens_but_no_mfu():
    t = Throughput(ModelArgs(dim=64, n_layers=1, n_heads=4, vocab_size=100, ffn_dim=128), 128, torch.device("cpu"),
                   world_size=2, chars_per_token=1.5)
    t.add(1000)
    figures = t.report()
    assert "mfu" not in figures
    assert figures["tokens_per_s"] == pytest.approx(2 * figures["tokens_per_s_per_device"])
    assert figures["ja_chars_per_s"] == pytest.approx(1.5 * figures["tokens_per_s"])


def test_metrics_go_to_jsonl(tmp_path):
    logger = MetricsLogger(tmp_path, tensorboard=False, quiet=True)
    logger.log(3, {"loss": 2.5, "lr": 1e-4})
    logger.close()
    assert json.loads((tmp_path / "metrics.jsonl").read_text()) == {"step": 3, "loss": 2.5, "lr": 1e-4}


def test_metrics_go_to_tensorboard_events(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logger = MetricsLogger(tmp_path, tensorboard=True, quiet=True)
    for step, loss in ((1, 3.0), (2, 2.5)):
        logger.log(step, {"loss": loss, "mfu": 0.41, "note": "text is not a scalar"})
    logger.log(2, {"val_loss": float("nan")})  # a non-finite value is kept out of TensorBoard
    logger.close()
    events = EventAccumulator(str(tmp_path / "tensorboard"))
    events.Reload()
    assert sorted(events.Tags()["scalars"]) == ["loss", "mfu"]
    assert [(e.step, e.value) for e in events.Scalars("loss")] == [(1, 3.0), (2, 2.5)]
