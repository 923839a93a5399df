"""pipelines.tokenizer_train: the `tokenizer` stage on parquet shards, demo-sized and real."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sentencepiece as spm
from datatrove.data import Document

from corpus.config import ConfigError
from corpus.formats.schema import SCHEMA, document_to_row
from corpus.run.stage import StageContext, run_stage
from pipelines.tokenizer_train import STAGE, Options
from tokenizer.hf_export import check_identical
from tokenizer.sampling import is_held_out


def _write(path: Path, docs: list[Document]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([document_to_row(d) for d in docs], schema=SCHEMA), path)
    return str(path)


@pytest.fixture(scope="module")
def demo_like(tmp_path_factory, shared_data) -> list[str]:
    """~20 documents, a few tens of KB, two sources and one empty document: the demo's size."""
    folder = tmp_path_factory.mktemp("shards")
    web = [json.loads(line) for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")][:12]
    novel = (shared_data / "text" / "aozora_bocchan_natsume-soseki.txt").read_text(encoding="utf-8").split("\n")
    docs = [Document(text=r["text"], id=f"web/{r['id']}", metadata={"source": "web"}) for r in web]
    docs += [Document(text="\n".join(novel[i:i + 25]), id=f"wiki/{i}", metadata={"source": "wiki"}) for i in range(0, 200, 25)]
    docs.append(Document(text="", id="web/empty", metadata={"source": "web"}))
    return [_write(folder / "00000.parquet", docs[:10]), _write(folder / "00001.parquet", docs[10:])]


def _run(tmp_path: Path, inputs: list[str], **options) -> dict:
    ctx = StageContext(name="tokenizer", stage_dir=tmp_path / "tokenizer", inputs=inputs, options=Options(**options), quiet=True)
    return run_stage(STAGE, ctx)


def test_demo_sized_corpus_trains_a_tokenizer_and_accounts_for_every_document(tmp_path, demo_like):
    report = _run(tmp_path, demo_like)
    out = tmp_path / "tokenizer"
    for name in ("tokenizer.model", "tokenizer.json", "tokenizer_config.json", "training.json", "report.json"):
        assert (out / name).is_file(), name
    d = report["documents"]
    assert d["in"] == 21 and d["in"] == d["kept"] + d["excluded"]
    assert sum(report["excluded_by_reason"].values()) == d["excluded"]
    assert set(report["excluded_by_reason"]) <= {"not_sampled", "held_out"}
    held = report["excluded_by_reason"].get("held_out", 0)
    empty_held = is_held_out("web/empty", 0.1, seed=1)
    # every document gave sentences to the (unbounded) sample, but the held-out ones and the empty one
    assert d["kept"] == 21 - held - (0 if empty_held else 1)
    f = report["figures"]
    assert f["roundtrip_exact"] and f["tokenizer_json_identical"]
    assert f["byte_fallback_share"] < 0.01 and f["chars_per_token"] > 1.0
    assert 7036 < f["vocab_size"] <= 32000  # JIS characters included; never more than asked
    assert set(f["sample_by_source"]) == {"web", "wiki"}
    sp = spm.SentencePieceProcessor(model_file=str(out / "tokenizer.model"))
    assert sp.decode(sp.encode("今日は良い天気\n明日も")) == "今日は良い天気\n明日も"
    record = json.loads((out / "training.json").read_text())
    assert record["config"]["sentencepiece"]["normalization_rule_name"] == "identity"
    assert record["tokenizer_json_check"]["identical"]


def test_mix_leaves_unnamed_sources_out_of_the_sample(tmp_path, demo_like):
    report = _run(tmp_path, demo_like, mix={"wiki": 1.0}, model_type="unigram", held_out_fraction=0.0)
    by_source = report["figures"]["sample_by_source"]
    assert by_source["web"]["sentences_sampled"] == 0 and by_source["wiki"]["share"] == 1.0
    assert report["documents"]["kept"] == 8  # the eight wiki documents
    assert report["excluded_by_reason"] == {"not_sampled": 13}
    assert report["figures"]["evaluated_on"] == "training_sample"


def test_unreadable_shard_is_counted_not_fatal(tmp_path, demo_like):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    report = _run(tmp_path, demo_like + [str(broken)])
    assert report["excluded_by_reason"]["unreadable_file:ArrowInvalid"] == 1  # named as in every stage
    assert report["documents"]["in"] == 22


def test_no_text_at_all_is_a_clear_error(tmp_path):
    empty = _write(tmp_path / "e.parquet", [Document(text="", id="web/0", metadata={"source": "web"})])
    with pytest.raises(ConfigError, match="no text to train on"):  # one line and exit 2 from the CLI
        _run(tmp_path, [empty])


def test_real_japanese_corpus_beats_llama2_on_held_out_text(tmp_path, shared_data):
    """A few MB of real text: the stage's held-out figures and its tokenizer.json identity."""
    web = [json.loads(line) for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]
    novel = (shared_data / "text" / "aozora_56656_tsumi-to-batsu_yonekawa.utf8.txt").read_text(encoding="utf-8").split("\n")
    docs = [Document(text=r["text"], id=f"web/{r['id']}", metadata={"source": "web"}) for r in web]
    docs += [Document(text="\n".join(novel[i:i + 40]), id=f"aozora/{i}", metadata={"source": "aozora"}) for i in range(0, len(novel), 40)]
    report = _run(tmp_path, [_write(tmp_path / "in.parquet", docs)], vocab_size=16000)
    f = report["figures"]
    assert f["evaluated_on"] == "held_out"
    assert f["chars_per_token"] > 1.5  # Llama 2 gets ~0.8 on such text
    assert f["byte_fallback_share"] < 0.002 and f["roundtrip_exact"] and f["tokenizer_json_identical"]
    held = json.loads((tmp_path / "tokenizer" / "training.json").read_text())["sample"]["documents_held_out"]
    assert report["excluded_by_reason"]["held_out"] == held > 0
    model, as_json = tmp_path / "tokenizer" / "tokenizer.model", tmp_path / "tokenizer" / "tokenizer.json"
    assert check_identical(model, as_json, [d.text for d in docs[:300]])["identical"]


@pytest.mark.slow
def test_issue_target_32k_beats_sentencepiece_defaults_on_held_out_text(tmp_path, shared_data):
    from benchmarks.tokenizer import japanese_documents, split, write_shards
    from tokenizer.backends import load_tokenizer
    from tokenizer.evaluate import evaluate
    from tokenizer.sampling import split_sentences

    docs = japanese_documents(shared_data)
    train, held = split(docs)
    report = _run(tmp_path, write_shards(docs, tmp_path / "shards"))
    spm.SentencePieceTrainer.train(sentence_iterator=iter([s for d in train for s in split_sentences(d["text"])]),
                                   model_prefix=str(tmp_path / "defaults"), model_type="bpe", vocab_size=32000, minloglevel=2)
    texts = [d["text"] for d in held]
    ours = evaluate(load_tokenizer(tmp_path / "tokenizer" / "tokenizer.model"), texts)
    defaults = evaluate(load_tokenizer(tmp_path / "defaults.model"), texts)
    assert report["figures"]["chars_per_token"] == ours["chars_per_token"]  # the stage held out the same documents
    assert ours["chars_per_token"] > defaults["chars_per_token"]  # measured 2.10 vs 1.99 (unigram defaults)
    assert ours["byte_fallback_share"] < 0.001 and ours["roundtrip_exact"]


def test_options_keep_the_trainers_defaults_but_the_three_chosen_for_the_stage():
    """Every SentencePiece setting the stage does not choose on purpose is the trainer's default."""
    import dataclasses

    from pipelines.tokenizer_train import _train_config
    from tokenizer.train import TrainConfig

    stage, trainer = dataclasses.asdict(_train_config(Options())), dataclasses.asdict(TrainConfig())
    differ = {k for k in trainer if stage[k] != trainer[k]} - {"num_threads"}  # the stage's 0 = all cores
    assert differ == {"model_type", "character_coverage"}


def test_options_sample_budgets_are_the_samplers():
    """The stage's sample budgets and held-out slice default to the sampler's own, so a run
    without options samples exactly what `SentenceSampler()` would."""
    import inspect

    from tokenizer.sampling import SentenceSampler

    sampler = {k: p.default for k, p in inspect.signature(SentenceSampler).parameters.items()
               if p.default is not inspect.Parameter.empty and p.default is not None}
    options = Options()
    shared = {k: getattr(options, k) for k in sampler if hasattr(options, k)}
    assert shared == {k: sampler[k] for k in shared}
    assert {"max_characters", "max_sentences", "held_out_fraction", "held_out_max_chars", "min_held_out", "seed"} <= set(shared)
