"""The `train` stage: tokenize-stage output in, checkpoints + HF export + report out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from datatrove.pipeline.tokens.megatron_tokenizer import MegatronTokenizedFile

from corpus.readers.inputs import stage_output_files
from corpus.run.stage import StageContext, run_stage
from pipelines.train import STAGE, Options


def tokenize_stage_output(out: Path, docs_by_source: dict[str, list[list[int]]], meta: dict) -> Path:
    """The tokenize stage's layout: `<source>/<task>.bin/.idx` and `metadata.json`, plus its report."""
    for source, docs in docs_by_source.items():
        (out / source).mkdir(parents=True, exist_ok=True)
        f = MegatronTokenizedFile(str(out / source), "00000")
        for doc in docs:
            f.write(doc)
        f.close()
    tokens = {s: sum(map(len, d)) for s, d in docs_by_source.items()}
    total = sum(tokens.values())
    meta = {"tokens": total, "sources": {s: {"tokens": t, "files": [f"{s}/00000"]} for s, t in tokens.items()},
            "megatron_data_path": [x for s, t in sorted(tokens.items()) for x in (t / total, f"{s}/00000")], **meta}
    (out / "metadata.json").write_text(json.dumps(meta))
    (out / "report.json").write_text("{}")
    return out


def synthetic_docs(rng, n: int, step: int) -> list[list[int]]:
    return [[1] + [int(t) for t in (rng.integers(0, 90) + step * np.arange(rng.integers(10, 120))) % 90 + 3] + [2]
            for _ in range(n)]


def context(stage_dir: Path, inputs: list[str], **options) -> StageContext:
    return StageContext(name="train", stage_dir=stage_dir, inputs=inputs, options=Options(**options), quiet=True)


def test_stage_trains_from_hf_weights_and_reports_every_document_kept(tmp_path):
    rng = np.random.default_rng(0)
    tok_dir = tokenize_stage_output(tmp_path / "tokenize", {"web": synthetic_docs(rng, 30, 3), "wiki": synthetic_docs(rng, 12, 5)},
                                    {"vocab_size": 100, "bos_id": 1, "eos_id": 2, "characters": 9000})
    report = run_stage(STAGE, context(tmp_path / "train", stage_output_files(tok_dir), max_steps=12))
    assert report["documents"] == {"in": 42, "kept": 42, "excluded": 0}
    assert report["figures"]["steps"] == 12 and report["figures"]["loss_last"] < report["figures"]["loss_first"]
    assert report["figures"]["sources"]["wiki"]["documents"] == 12 and report["figures"]["sources"]["web"]["weight"] == pytest.approx(1.0)
    out = tmp_path / "train"
    init = json.loads((out / "init_hf" / "config.json").read_text())
    assert init["vocab_size"] == 128 and init["bos_token_id"] == 1  # the tokenizer's 100, padded to 64s
    assert report["figures"]["init_from"] == str(out / "init_hf")
    assert (out / "hf" / "model.safetensors").is_file() and (out / "metrics.jsonl").is_file()
    assert (Path(report["figures"]["checkpoint"]) / "complete.json").is_file()
    assert json.loads((out / "report.json").read_text())["figures"]["hf_export"] == str(out / "hf")


def test_stage_without_token_shards_says_so(tmp_path):
    (tmp_path / "metadata.json").write_text("{}")
    with pytest.raises(ValueError, match="no token shards"):
        run_stage(STAGE, context(tmp_path / "train", [str(tmp_path / "metadata.json")]))


def test_options_reject_unknown_keys():
    with pytest.raises(Exception, match="extra"):
        Options(max_stepz=3)


@pytest.mark.slow
@pytest.mark.realdata
def test_llama2_tokenized_aozora_trains_and_bits_per_char_drop_on_held_out_text(shared_data, tmp_path):
    """Real Japanese text under Llama 2's real tokenizer: the export beats its own random
    init in bits per character on held-out paragraphs, and carries the tokenizer."""
    spm = pytest.importorskip("sentencepiece")
    from training.evaluate import evaluate_model

    model = shared_data / "tokenizers" / "llama2.model"
    sp = spm.SentencePieceProcessor(model_file=str(model))
    paragraphs = [p for p in (shared_data / "text" / "aozora_bocchan_natsume-soseki.txt").read_text(encoding="utf-8").splitlines() if len(p) > 20]
    train, held = paragraphs[:300], paragraphs[-40:]
    docs = [[sp.bos_id()] + ids + [sp.eos_id()] for ids in sp.encode(train)]
    tok_dir = tokenize_stage_output(tmp_path / "tokenize", {"aozora": docs},
                                    {"tokenizer": {"path": str(model)}, "vocab_size": 32000, "bos_id": 1, "eos_id": 2,
                                     "characters": sum(map(len, train))})
    report = run_stage(STAGE, context(tmp_path / "train", stage_output_files(tok_dir), max_steps=24,
                                      set={"optim.lr": 1.0e-2}))
    assert report["figures"]["loss_last"] < report["figures"]["loss_first"] - 1.0
    export = tmp_path / "train" / "hf"
    assert (export / "tokenizer.model").is_file()
    (tmp_path / "held.txt").write_text("\n".join(held), encoding="utf-8")
    before = evaluate_model(tmp_path / "train" / "init_hf", [str(tmp_path / "held.txt")], tokenizer=model, seq_len=128)
    after = evaluate_model(export, [str(tmp_path / "held.txt")], seq_len=128)
    assert after["characters"] == before["characters"] > 1000
    assert after["bits_per_char"] < before["bits_per_char"] - 2.0


def test_stage_grows_given_weights_to_an_expanded_tokenizer_and_warms_up_new_rows(tmp_path):
    """Weights with 96 tokens, shards from a tokenizer expanded to 104 (the tokenizer stage's
    `vocab_mapping.json` beside it): the stage grows the model and trains new rows first."""
    from training.hf_io import load_hf_state_dict, save_random_init
    from training.model import ModelArgs

    base = ModelArgs(dim=32, n_layers=1, n_heads=4, n_kv_heads=2, vocab_size=96, ffn_dim=64, max_seq_len=128)
    save_random_init(base, tmp_path / "base", seed=1)
    tok = tmp_path / "tok"
    tok.mkdir()
    (tok / "tokenizer.model").write_bytes(b"not read: vocab_size comes from metadata.json")
    new = {str(i): [3 + i % 7, 40 + i % 5] for i in range(96, 104)}
    (tok / "vocab_mapping.json").write_text(json.dumps({"base_vocab_size": 96, "vocab_size": 104, "new_tokens": new}))
    rng = np.random.default_rng(1)
    docs = [[1] + [int(t) for t in rng.integers(3, 104, rng.integers(20, 90))] + [2] for _ in range(30)]
    tok_dir = tokenize_stage_output(tmp_path / "tokenize", {"web": docs},
                                    {"tokenizer": {"path": str(tok / "tokenizer.model")}, "vocab_size": 104, "bos_id": 1, "eos_id": 2})
    report = run_stage(STAGE, context(tmp_path / "train", stage_output_files(tok_dir), max_steps=4,
                                      init_from=str(tmp_path / "base"), set={"vocab.new_rows_warmup_steps": 4}))
    assert report["documents"]["in"] == 30
    before = load_hf_state_dict(tmp_path / "base")
    after = load_hf_state_dict(tmp_path / "train" / "hf")
    assert after["tok_embeddings.weight"].shape == (128, 32)  # 104 padded to a multiple of 64
    assert torch.equal(after["tok_embeddings.weight"][:96], before["tok_embeddings.weight"])
    assert torch.equal(after["layers.0.attention.wq.weight"], before["layers.0.attention.wq.weight"])
    assert not torch.equal(after["tok_embeddings.weight"][96:104], before["tok_embeddings.weight"][:8])
    assert (tmp_path / "train" / "hf" / "tokenizer.model").is_file()


def test_stage_rerun_refuses_a_planted_checkpoint_with_one_line(tmp_path):
    """DCP unpickles `.metadata`: a checkpoint the run did not write is refused before loading."""
    from corpus.config import ConfigError

    rng = np.random.default_rng(0)
    tok_dir = tokenize_stage_output(tmp_path / "tokenize", {"web": synthetic_docs(rng, 20, 3)},
                                    {"vocab_size": 100, "bos_id": 1, "eos_id": 2})
    out = tmp_path / "train"
    run_stage(STAGE, context(out, stage_output_files(tok_dir), max_steps=4))
    last = sorted((out / "checkpoints").glob("step_*"))[-1]
    (last / ".metadata").write_bytes(b"\x80\x04planted")
    (out / "report.json").unlink()  # an interrupted stage: the rerun resumes from its latest checkpoint
    with pytest.raises(ConfigError, match=r"^train: .*step_00000004: refused to load: \.metadata changed"):
        run_stage(STAGE, context(out, stage_output_files(tok_dir), max_steps=4))
