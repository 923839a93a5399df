"""Token shards: Megatron .bin/.idx reading, weighted mixing, packing with document ids,
deterministic and exactly resumable batches."""

from __future__ import annotations

import numpy as np
import pytest
from datatrove.pipeline.tokens.megatron_tokenizer import MegatronTokenizedFile

from corpus.formats.megatron_format import TokenShard, shard_prefixes, source_name
from training.data import (
    PackedBatches,
    TokenSource,
    load_sources,
    validation_batches,
)


def write_shard(folder, name: str, docs: list[list[int]], token_size: int = 2) -> str:
    """Token shards written by datatrove's own Megatron writer, as the tokenize stage does."""
    f = MegatronTokenizedFile(str(folder), name, token_size=token_size)
    for doc in docs:
        f.write(doc)
    f.close()
    return str(folder / name)


def numbered_docs(source: int, n: int, rng: np.random.Generator) -> list[list[int]]:
    """Document j of source s holds tokens that encode (s, j), so a batch shows where each token came from."""
    return [[source * 10000 + j * 10 + (k % 10) for k in range(int(rng.integers(5, 60)))] for j in range(n)]


@pytest.fixture
def two_sources(tmp_path):
    rng = np.random.default_rng(0)
    web = numbered_docs(1, 80, rng)
    wiki = numbered_docs(2, 40, rng)
    write_shard(tmp_path, "web_00000_tokens", web[:50])
    write_shard(tmp_path, "web_00001_tokens", web[50:], token_size=4)
    write_shard(tmp_path, "wiki_00000_tokens", wiki)
    groups = {}
    for prefix in shard_prefixes([tmp_path]):
        groups.setdefault(source_name(prefix), []).append(prefix)
    return groups, {"web": web, "wiki": wiki}


def test_reads_every_document_of_datatrove_megatron_shards_uint16_and_int32(two_sources):
    groups, docs = two_sources
    assert sorted(groups) == ["web", "wiki"]
    web = [TokenShard(p) for p in groups["web"]]
    assert [s.dtype for s in web] == [np.dtype(np.uint16), np.dtype(np.int32)]
    read = [s.document(i).tolist() for s in web for i in range(len(s))]
    assert read == docs["web"]


def test_packed_windows_keep_document_order_and_mark_document_boundaries(two_sources):
    groups, docs = two_sources
    sources = load_sources({"wiki": groups["wiki"]})
    loader = PackedBatches(sources, seq_len=64, batch_size=1, seed=5)
    batch = loader.next_batch()
    assert np.all(np.diff(batch.doc_ids[0]) >= 0) and len(np.unique(batch.doc_ids[0])) > 1
    for seg in np.unique(batch.doc_ids[0]):
        span = batch.input_ids[0][batch.doc_ids[0] == seg].tolist()
        doc = docs["wiki"][(span[0] - 20000) // 10]  # numbered_docs: token // 10 names the document
        assert any(doc[i : i + len(span)] == span for i in range(len(doc) - len(span) + 1))
    assert (batch.labels[0, :-1] == batch.input_ids[0, 1:]).all()


def test_sources_are_mixed_by_weight_times_tokens(two_sources):
    groups, docs = two_sources
    tokens = {name: sum(map(len, d)) for name, d in docs.items()}
    weights = {"web": 1.0, "wiki": 3.0}
    loader = PackedBatches(load_sources(groups), seq_len=16, batch_size=10, weights=weights)
    names = [n for _ in range(20) for n in loader.next_batch().sources]
    share = weights["wiki"] * tokens["wiki"] / sum(weights[n] * tokens[n] for n in tokens)
    assert abs(names.count("wiki") - 200 * share) <= 1  # Megatron's blending stays within one sample


def test_natural_mix_weighs_sources_by_tokens(two_sources):
    groups, docs = two_sources
    sources = load_sources(groups)
    loader = PackedBatches(sources, seq_len=16, batch_size=100)
    share = loader.next_batch().sources.count("web") / 100
    expected = sum(map(len, docs["web"])) / (sum(map(len, docs["web"])) + sum(map(len, docs["wiki"])))
    assert abs(share - expected) <= 0.01


def test_same_seed_gives_same_batches_and_another_seed_does_not(two_sources):
    groups, _ = two_sources
    a = [PackedBatches(load_sources(groups), 32, 4, seed=1).next_batch().input_ids for _ in range(2)]
    b = PackedBatches(load_sources(groups), 32, 4, seed=2).next_batch().input_ids
    assert np.array_equal(a[0], a[1]) and not np.array_equal(a[0], b)


def test_resuming_from_saved_state_continues_with_exactly_the_next_batches(two_sources):
    groups, _ = two_sources
    uninterrupted = PackedBatches(load_sources(groups), 48, 3, seed=9)
    reference = [uninterrupted.next_batch() for _ in range(40)]  # several epochs of wiki
    first = PackedBatches(load_sources(groups), 48, 3, seed=9)
    for _ in range(17):
        first.next_batch()
    state = first.state_dict()
    resumed = PackedBatches(load_sources(groups), 48, 3, seed=9)
    resumed.load_state_dict(state)
    for ref in reference[17:]:
        got = resumed.next_batch()
        assert np.array_equal(got.input_ids, ref.input_ids) and np.array_equal(got.doc_ids, ref.doc_ids)
        assert got.sources == ref.sources


def test_resume_with_another_world_size_is_refused(two_sources):
    groups, _ = two_sources
    state = PackedBatches(load_sources(groups), 48, 3, world_size=2, rank=0).state_dict()
    with pytest.raises(ValueError, match="world_size"):
        PackedBatches(load_sources(groups), 48, 3).load_state_dict(state)


def test_ranks_read_disjoint_documents_in_an_epoch(two_sources):
    groups, _ = two_sources
    seen = []
    for rank in range(2):
        loader = PackedBatches(load_sources({"wiki": groups["wiki"]}), 16, 1, rank=rank, world_size=2)
        seen.append({int(loader._order(0)[i]) for i in range(len(loader._order(0)))})
    assert not seen[0] & seen[1] and len(seen[0] | seen[1]) == 40


def test_held_out_documents_never_appear_in_training(two_sources):
    groups, _ = two_sources
    sources = load_sources(groups, val_fraction=0.1, seed=0)
    held = {s.name: {tuple(s.tokens(int(d))[:3]) for d in s.val} for s in sources}
    assert all(held.values())
    loader = PackedBatches(sources, 64, 8)
    trained = set()
    for _ in range(30):
        b = loader.next_batch()
        for row, seg, name in zip(b.input_ids, b.doc_ids, b.sources):
            trained |= {(name, int(t) // 10) for t in row}
    val_docs = {(s.name, int(s.tokens(int(d))[0]) // 10) for s in sources for d in s.val}
    assert not trained & val_docs
    batches = validation_batches(sources, 64, 2, max_batches=3)
    again = validation_batches(sources, 64, 2, max_batches=3)
    assert batches and all(np.array_equal(a.input_ids, b.input_ids) for a, b in zip(batches, again))


def test_empty_documents_are_skipped_not_looped_on(tmp_path):
    write_shard(tmp_path, "a_00000_tokens", [[], [1, 2, 3], []])
    source = TokenSource("a", [TokenShard(str(tmp_path / "a_00000_tokens"))])
    assert source.n_documents == 3 and len(source.train) == 1
    batch = PackedBatches([source], 8, 1).next_batch()
    assert batch.input_ids[0].tolist() == [1, 2, 3, 1, 2, 3, 1, 2]

