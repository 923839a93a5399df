"""tokenizer.sampling: bounded memory, exact per-source mix, stable held-out split."""

from __future__ import annotations

import random

import pytest

from tokenizer.sampling import SentenceSampler, id_hash, is_held_out, split_sentences


def _docs(n: int, source: str, chars: int = 40):
    rng = random.Random(n)
    for i in range(n):
        text = "\n".join("".join(rng.choice("あいうえおかきくけこ漢字") for _ in range(chars)) + "。" for _ in range(3))
        yield f"{source}/{i}", source, text


def test_split_sentences_cuts_long_lines_after_sentence_ends_and_never_exceeds_the_limit():
    line = "これは文です。" * 50 + "あ" * 120
    parts = split_sentences(f"短い行\n\n  \n{line}", max_chars=100)
    assert parts[0] == "短い行"
    assert all(len(p) <= 100 for p in parts)
    assert "".join(parts[1:]) == line
    assert parts[1].endswith("。")


def test_sample_stays_within_character_budget_whatever_the_corpus_size():
    sampler = SentenceSampler(max_characters=5_000, held_out_fraction=0.0)
    for i, (doc_id, source, text) in enumerate(_docs(2_000, "web")):
        sampler.add_document(i, doc_id, source, text)
        if i % 100 == 0:
            assert sum(item[1] for pool in sampler._pools.values() for item in pool.heap) <= 5_000
    sample = sampler.finish()
    assert 4_800 <= sum(len(s) for s in sample.sentences) <= 5_000
    assert len(sample.documents_sampled) < 2_000


def test_sentence_budget_bounds_the_sample_too():
    sampler = SentenceSampler(max_sentences=100, held_out_fraction=0.0)
    for i, (doc_id, source, text) in enumerate(_docs(500, "web")):
        sampler.add_document(i, doc_id, source, text)
    assert len(sampler.finish().sentences) == 100


def test_mix_gives_exact_character_shares_even_when_one_source_is_small():
    sampler = SentenceSampler(max_characters=50_000, mix={"web": 0.5, "wiki": 0.25, "code": 0.25}, held_out_fraction=0.0)
    index = 0
    for source, n in (("web", 3_000), ("wiki", 60), ("code", 1_000)):
        for doc_id, src, text in _docs(n, source):
            sampler.add_document(index, doc_id, src, text)
            index += 1
    sample = sampler.finish()
    shares = {s: v["share"] for s, v in sample.by_source.items()}
    # wiki has only ~7.4k characters: the others shrink so the 2:1:1 ratio still holds
    assert shares == pytest.approx({"web": 0.5, "wiki": 0.25, "code": 0.25}, abs=0.01)
    assert sample.by_source["wiki"]["characters_sampled"] > 0.9 * sample.by_source["wiki"]["characters_seen"]


def test_source_missing_from_mix_is_not_sampled():
    sampler = SentenceSampler(mix={"wiki": 1.0}, held_out_fraction=0.0)  # 0 also turns off min_held_out
    assert sampler.add_document(0, "web/0", "web", "日本語の文。") == "not_in_mix"
    assert sampler.add_document(1, "wiki/0", "wiki", "日本語の文。") == "offered"
    sample = sampler.finish()
    assert sample.documents_sampled == {1}
    assert sample.by_source["web"]["sentences_sampled"] == 0


def test_held_out_documents_are_stable_and_never_reach_the_sample():
    ids = [f"web/{i}" for i in range(2_000)]
    held = {i for i in ids if is_held_out(i, 0.1, seed=1)}
    assert 150 < len(held) < 250
    assert held == {i for i in reversed(ids) if is_held_out(i, 0.1, seed=1)}
    assert held != {i for i in ids if is_held_out(i, 0.1, seed=2)}

    sampler = SentenceSampler(held_out_fraction=0.1, seed=1)
    for i, doc_id in enumerate(ids):
        sampler.add_document(i, doc_id, "web", f"文書{i}の本文です。")
    sample = sampler.finish()
    assert len(sample.held_out) == len(held)
    assert not {f"文書{ids.index(h)}の本文です。" for h in held} & set(sample.sentences)


def test_sample_is_uniform_over_the_stream_not_biased_to_its_start():
    sampler = SentenceSampler(max_sentences=1_000, held_out_fraction=0.0, seed=3)
    for i in range(10_000):
        sampler.add_document(i, str(i), "web", f"{'前' if i < 5_000 else '後'}半の文{i}")
    first_half = sum(s.startswith("前") for s in sampler.finish().sentences)
    assert 400 < first_half < 600


def test_tiny_corpus_still_holds_out_its_smallest_hash_document():
    ids = [f"doc/{i}" for i in range(6)]
    assert not any(is_held_out(i, 0.01, seed=1) for i in ids)
    sampler = SentenceSampler(held_out_fraction=0.01, seed=1)
    for n, doc_id in enumerate(ids):
        sampler.add_document(n, doc_id, "web", f"文書{n}の本文です。\n二行目{n}。")
    sample = sampler.finish()
    first = min(range(6), key=lambda n: id_hash(ids[n], 1))
    assert sample.held_out == [f"文書{first}の本文です。\n二行目{first}。"]
    assert first not in sample.documents_sampled and len(sample.documents_sampled) == 5
    assert not any(str(first) in s for s in sample.sentences)
    assert sampler.documents_held_out == 1


def test_a_single_document_is_never_held_out_from_its_own_sample():
    sampler = SentenceSampler(held_out_fraction=0.01)
    sampler.add_document(0, "only", "web", "唯一の文書。")
    sample = sampler.finish()
    assert sample.held_out == [] and sample.sentences == ["唯一の文書。"]
