"""pipelines.tokenize: documents -> Megatron shards per source, with accounting and metadata."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sentencepiece as spm
from datatrove.data import Document

from corpus.config import ConfigError, ExecutorConfig
from corpus.formats.megatron_format import TokenShard, read_index, shard_prefixes, source_name
from corpus.formats.schema import SCHEMA, document_to_row
from corpus.run.stage import StageContext, run_stage
from pipelines.tokenize import STAGE, Options
from tokenizer.hf_export import export_tokenizer_json


def _docs(shared_data: Path) -> list[Document]:
    web = [json.loads(line) for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")][:40]
    lemon = (shared_data / "text" / "aozora_lemon_kajii-motojiro.txt").read_text(encoding="utf-8").split("\n")
    docs = [Document(text=r["text"], id=f"web/{r['id']}", metadata={"source": "web", "licence": "unknown"}) for r in web]
    docs += [Document(text=t, id=f"wiki/{i}", metadata={"source": "wiki", "licence": "CC-BY-SA-4.0"}) for i, t in enumerate(lemon) if t.strip()]
    docs += [Document(text="", id="web/empty", metadata={"source": "web"}),
             Document(text=" \n\u3000 ", id="wiki/blank", metadata={"source": "wiki"})]
    return docs


@pytest.fixture
def inputs(tmp_path, shared_data) -> list[str]:
    docs = _docs(shared_data)
    paths = []
    for n, part in enumerate((docs[::2], docs[1::2])):
        path = tmp_path / "in" / f"{n:05d}.parquet"
        path.parent.mkdir(exist_ok=True)
        pq.write_table(pa.Table.from_pylist([document_to_row(d) for d in part], schema=SCHEMA), path)
        paths.append(str(path))
    return paths


def _ctx(tmp_path, inputs, tokenizer, tasks=1, out="tok", **options) -> StageContext:
    return StageContext(name="tokenize", stage_dir=tmp_path / out, inputs=inputs, quiet=True,
                        options=Options(tokenizer=str(tokenizer), **options), executor=ExecutorConfig(tasks=tasks, workers=1))


def _all_documents(stage_dir: Path) -> dict[str, list[np.ndarray]]:
    out: dict[str, list[np.ndarray]] = {}
    for prefix in map(Path, shard_prefixes([stage_dir])):
        sizes = read_index(prefix)[0]
        out.setdefault(prefix.parent.name, []).extend(TokenShard(prefix).document(i) for i in range(len(sizes)))
    return out


def test_documents_become_shards_per_source_with_bos_eos_and_exact_text(tmp_path, shared_data, inputs):
    model = shared_data / "tokenizers" / "llm-jp-tokenizer-100k.ver3.0b1.model"
    report = run_stage(STAGE, _ctx(tmp_path, inputs, model))
    n = len(_docs(shared_data))
    assert report["documents"] == {"in": n, "kept": n - 2, "excluded": 2}
    assert report["excluded_by_reason"] == {"empty_text": 2}
    stage = tmp_path / "tok"
    assert sorted(p.relative_to(stage).as_posix() for p in map(Path, shard_prefixes([stage]))) == ["web/00000", "wiki/00000"]

    sp = spm.SentencePieceProcessor(model_file=str(model))
    docs = _all_documents(stage)
    texts = {d.id: d.text for d in _docs(shared_data)}
    ids = pq.read_table(stage / "web" / "00000.docs.parquet").column("id").to_pylist()
    assert len(ids) == len(docs["web"]) == report["kept"]["by_source"]["web"]
    for doc_id, tokens in zip(ids, docs["web"]):
        assert tokens[0] == sp.bos_id() and tokens[-1] == sp.eos_id()
        assert sp.decode(tokens[1:-1].tolist()) == texts[doc_id]
    assert read_index(stage / "web" / "00000")[3] == np.dtype(np.int32)  # 99,574 ids do not fit uint16


def test_metadata_records_tokenizer_hash_counts_and_licences(tmp_path, shared_data, inputs):
    model = shared_data / "tokenizers" / "llama2.model"
    report = run_stage(STAGE, _ctx(tmp_path, inputs, model, weights={"wiki": 2.0}))
    meta = json.loads((tmp_path / "tok" / "metadata.json").read_text())
    import hashlib

    assert meta["tokenizer"]["sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    assert meta["vocab_size"] == 32000 and meta["dtype"] == "uint16"
    assert meta["bos_id"] == 1 and meta["eos_id"] == 2
    docs = _all_documents(tmp_path / "tok")
    for source in ("web", "wiki"):
        assert meta["sources"][source]["tokens"] == sum(len(t) for t in docs[source])
        assert meta["sources"][source]["documents"] == len(docs[source])
    assert meta["sources"]["wiki"]["licences"] == {"CC-BY-SA-4.0": {"documents": len(docs["wiki"]), "tokens": meta["sources"]["wiki"]["tokens"]}}
    assert meta["tokens"] == report["kept"]["tokens"] == report["figures"]["tokens"]
    weights = dict(zip(meta["megatron_data_path"][1::2], meta["megatron_data_path"][::2]))
    total = meta["tokens"]
    assert weights["wiki/00000"] == pytest.approx(2.0 * meta["sources"]["wiki"]["tokens"] / total, rel=1e-5)
    assert weights["web/00000"] == pytest.approx(meta["sources"]["web"]["tokens"] / total, rel=1e-5)


def test_tokenizer_json_gives_the_same_shards_as_the_model(tmp_path, shared_data, inputs):
    model = shared_data / "tokenizers" / "llama2.model"
    as_json = export_tokenizer_json(model, tmp_path / "hf_tokenizer" / "tokenizer.json")
    run_stage(STAGE, _ctx(tmp_path, inputs, model, out="sp"))
    run_stage(STAGE, _ctx(tmp_path, inputs, as_json, out="hf"))
    for source in ("web", "wiki"):
        a = (tmp_path / "sp" / source / "00000.bin").read_bytes()
        assert a == (tmp_path / "hf" / source / "00000.bin").read_bytes()


def test_two_tasks_write_one_set_per_source_per_task_and_count_kept_from_idx(tmp_path, shared_data, inputs):
    report = run_stage(STAGE, _ctx(tmp_path, inputs, shared_data / "tokenizers" / "llama2.model", tasks=2, add_bos=False))
    stage = tmp_path / "tok"
    names = sorted(p.relative_to(stage).as_posix() for p in map(Path, shard_prefixes([stage])))
    assert names == ["web/00000", "web/00001", "wiki/00000", "wiki/00001"]
    n_idx = sum(len(read_index(p)[0]) for p in map(Path, shard_prefixes([stage])))
    assert report["documents"]["kept"] == n_idx == len(_docs(shared_data)) - 2
    assert all(TokenShard(p).document(0)[0] != 1 for p in map(Path, shard_prefixes([stage])))  # no BOS


def test_the_trainer_reads_the_shards(tmp_path, shared_data, inputs):
    from training.data import load_sources

    report = run_stage(STAGE, _ctx(tmp_path, inputs, shared_data / "tokenizers" / "llama2.model"))
    groups: dict[str, list[str]] = {}
    for prefix in shard_prefixes([tmp_path / "tok"]):
        groups.setdefault(source_name(prefix), []).append(prefix)
    sources = {s.name: s for s in load_sources(groups)}
    assert {name: s.n_documents for name, s in sources.items()} == report["kept"]["by_source"]
    assert {name: s.n_tokens for name, s in sources.items()} == report["kept"]["tokens_by_source"]


def test_missing_tokenizer_is_a_clear_error(tmp_path, inputs):
    ctx = StageContext(name="tokenize", stage_dir=tmp_path / "x", inputs=inputs, quiet=True, options=Options())
    with pytest.raises(ConfigError, match="no tokenizer given"):  # one line and exit 2 from the CLI
        run_stage(STAGE, ctx)
    with pytest.raises(ConfigError, match="tokenizer not found"):
        run_stage(STAGE, _ctx(tmp_path, inputs, tmp_path / "nope.model", out="y"))
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
