"""Character n-gram MinHash signatures: datatrove's file format, datatrove's stages, honest estimates."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.utils.hashing import HashConfig

from filters.dedup.char_minhash import CharMinhashSignature, docs_table_path, full_signature_path


def config(bands=14, rows=8, n=5) -> MinhashConfig:
    return MinhashConfig(n_grams=n, num_buckets=bands, hashes_per_bucket=rows,
                         hash_config=HashConfig(precision=32, hash_fc="sha1"))


@pytest.fixture(scope="module")
def leads(shared_data) -> list[str]:
    lines = (shared_data / "text" / "kwdlc_web_leads.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    return ["\n".join(texts[i : i + 10]) for i in range(0, 600, 10)]


def perturb(text: str, fraction: float, rng: random.Random) -> str:
    """Replace `fraction` of the characters, in runs, with characters from elsewhere in the text."""
    chars = list(text)
    for _ in range(int(len(chars) * fraction / 4)):
        i = rng.randrange(len(chars))
        chars[i : i + 4] = rng.sample(chars, 4)
    return "".join(chars)


def docs_of(texts: list[str]) -> list[Document]:
    return [Document(text=t, id=f"web/{i}", metadata={"source": "web"}) for i, t in enumerate(texts)]


def test_bucket_files_are_byte_identical_to_datatroves_own_run(tmp_path, leads):
    ours = CharMinhashSignature(str(tmp_path / "ours"), config())
    list(ours.run(iter(docs_of(leads)), rank=3))
    parent = CharMinhashSignature(str(tmp_path / "parent"), config())
    MinhashDedupSignature.run(parent, iter(docs_of(leads)), rank=3)  # datatrove's run, our shingles
    for bucket in range(14):
        name = f"bucket_{bucket:03d}/00003.minhash.sig"
        assert (tmp_path / "ours" / name).read_bytes() == (tmp_path / "parent" / name).read_bytes()
    assert (tmp_path / "ours" / full_signature_path(3)).stat().st_size == len(leads) * 112 * 4
    assert (tmp_path / "ours" / docs_table_path(3)).is_file()


def test_datatroves_stock_buckets_cluster_and_filter_remove_a_planted_near_duplicate(tmp_path, leads):
    texts = leads[:20] + [perturb(leads[4], 0.02, random.Random(0))]
    cfg = config()
    list(CharMinhashSignature(str(tmp_path / "sigs"), cfg).run(iter(docs_of(texts)), rank=0))
    for bucket in range(cfg.num_buckets):
        MinhashDedupBuckets(str(tmp_path / "sigs"), str(tmp_path / "buckets"), config=cfg).run(
            None, rank=bucket, world_size=cfg.num_buckets)
    MinhashDedupCluster(str(tmp_path / "buckets"), str(tmp_path / "remove"), config=cfg).run(None, 0, 1)
    kept = [d.id for d in MinhashDedupFilter(str(tmp_path / "remove")).run(iter(docs_of(texts)), rank=0)]
    assert len(kept) == 20
    assert ("web/4" in kept) != ("web/20" in kept)


def test_estimated_jaccard_tracks_the_true_character_ngram_jaccard(leads):
    step = CharMinhashSignature("memory://sig-test", config(bands=20, rows=10))
    rng = random.Random(1)
    errors = []
    for base in leads[:40]:
        variant = perturb(base, rng.uniform(0.02, 0.3), rng)
        a, b = step.get_shingles(base), step.get_shingles(variant)
        true = len(np.intersect1d(a, b)) / len(np.union1d(a, b))
        estimate = float((step.signature(a) == step.signature(b)).mean())
        errors.append(estimate - true)
    errors = np.array(errors)
    # binomial sd at 200 hashes is at most 0.035; the mean error of 40 pairs must be ~0
    assert abs(errors.mean()) < 0.02
    assert np.abs(errors).max() < 0.14


def test_shingles_ignore_width_case_whitespace_and_punctuation():
    step = CharMinhashSignature("memory://sig-test", config())
    same = step.get_shingles("ＡＢＣ　ｄｅｆ、ｶﾀｶﾅです。")
    assert np.array_equal(same, step.get_shingles("abcdef カタカナです"))
    assert not np.array_equal(same, step.get_shingles("abcdefカタカナでした"))


def test_documents_shorter_than_n_characters_get_no_bucket_record(tmp_path):
    step = CharMinhashSignature(str(tmp_path), config())
    docs = [Document(text="短い。", id="a"), Document(text="これは十分に長い文書です。", id="b")]
    assert [d.id for d in step.run(iter(docs), rank=0)] == ["a", "b"]
    records = np.fromfile(tmp_path / "bucket_000" / "00000.minhash.sig", dtype="<u4").reshape(-1, 9)
    assert records[:, 8].tolist() == [1]  # document index 1 only
    assert step.stats.stats["too_short_to_shingle"].total == 1


def test_signatures_are_32_bit_only():
    with pytest.raises(ValueError, match="precision=32"):
        CharMinhashSignature("memory://x", MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="sha1")))
