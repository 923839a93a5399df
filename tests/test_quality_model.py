"""Model-based quality scores: the character LM is a proper distribution, the classifier separates
encyclopedic/literary text from web text on held-out real data, and the filter stores and applies them."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from datatrove.data import Document

pytest.importorskip("sklearn")
kenlm = pytest.importorskip("kenlm")

from filters.quality.char_lm import BOS, EOS, UNK, estimate, query_string, write_arpa  # noqa: E402
from filters.quality.model_train import read_corpus, train  # noqa: E402


@pytest.fixture(scope="module")
def corpora(shared_data):
    text = shared_data / "text"
    positive = read_corpus([str(text / "aozora_bocchan_natsume-soseki.txt"), str(text / "aozora_lemon_kajii-motojiro.txt")],
                           chunk_chars=1500, licence="public-domain-jp")
    negative = read_corpus([str(text / "kwdlc_web_leads.jsonl")])
    negative.texts = ["\n".join(negative.texts[i: i + 12]) for i in range(0, 2400, 12)]  # pages of 12 leads
    return positive, negative


@pytest.fixture(scope="module")
def lemon_arpa(shared_data, tmp_path_factory):
    lines = (shared_data / "text" / "aozora_lemon_kajii-motojiro.txt").read_text(encoding="utf-8").splitlines()
    path = tmp_path_factory.mktemp("lm") / "lemon.arpa"
    write_arpa(estimate(lines, order=3), path)
    return path


def test_char_lm_probabilities_after_a_context_sum_to_one(lemon_arpa):
    model = kenlm.Model(str(lemon_arpa))
    vocab = [line.split("\t")[1] for line in lemon_arpa.read_text(encoding="utf-8").split("\\1-grams:")[1]
             .split("\\2-grams:")[0].strip().splitlines()]
    assert UNK in vocab and EOS in vocab
    for context in ("檸檬", "私は", "街を"):
        prefix = query_string(context)
        base = model.score(prefix, bos=True, eos=False)
        total = sum(10 ** (model.score(f"{prefix} {w}", bos=True, eos=False) - base) for w in vocab if w not in (BOS, EOS))
        total += 10 ** (model.score(prefix, bos=True, eos=True) - base)  # </s> after the context
        assert math.isclose(total, 1.0, rel_tol=1e-3), (context, total)


def test_char_lm_perplexity_is_lower_on_prose_than_on_shuffled_characters(lemon_arpa, shared_data):
    import random

    from filters.quality.char_lm import CharLM

    lm = CharLM(lemon_arpa)
    prose = (shared_data / "text" / "aozora_bocchan_natsume-soseki.txt").read_text(encoding="utf-8")[:2000]
    chars = list(prose)
    random.Random(0).shuffle(chars)
    assert lm.perplexity(prose) < 0.5 * lm.perplexity("".join(chars))


@pytest.fixture(scope="module")
def small_models(corpora, tmp_path_factory):
    """A classifier and an LM trained on a few dozen real documents (fast enough for every run)."""
    from filters.quality.model_train import Corpus

    positive, negative = corpora
    small_pos = Corpus(positive.texts[::4], positive.sources)
    small_neg = Corpus(negative.texts[::4], negative.sources)
    out = tmp_path_factory.mktemp("models")
    train(small_pos, small_neg, out / "clf", kind="classifier")
    train(small_pos, small_neg, out / "lm", kind="lm")
    return out


@pytest.mark.slow
def test_classifier_separates_held_out_literature_from_web_text_and_writes_its_manifest(corpora, tmp_path):
    positive, negative = corpora
    info = train(positive, negative, tmp_path / "clf", kind="classifier", seed=1)
    assert info["heldout_auc"] > 0.9 and info["heldout_accuracy"] > 0.8
    manifest = json.loads((tmp_path / "clf" / "manifest.json").read_text(encoding="utf-8"))
    sources = manifest["training_data"]["positive"] + manifest["training_data"]["negative"]
    assert all(len(s["sha256"]) == 64 and s["documents"] > 0 for s in sources)
    assert "public-domain-jp" in manifest["licence"]["training_data"]
    assert len(manifest["web_score_quantiles"]) == 101
    np.load(tmp_path / "clf" / "classifier_coef.npy", allow_pickle=False)  # weights are plain arrays, no pickle


def test_filter_stores_the_scores_and_drops_by_threshold_or_top_share(corpora, small_models, shared_data):
    from filters.quality.model_filter import QualityModelFilter
    from filters.quality.model_score import threshold_for_top_share
    from filters.quality.options import ModelOptions

    positive, negative = corpora
    tmp_path = small_models
    tag_only = QualityModelFilter(ModelOptions(enabled=True, classifier=str(tmp_path / "clf"), lm=str(tmp_path / "lm")))
    web_page = Document(text=negative.texts[-1], id="web/1", metadata={"source": "web"})
    assert tag_only.filter(web_page) is True  # no threshold: scores recorded, nothing dropped
    figures = web_page.metadata["figures"]
    assert 0 <= figures["quality_score"] <= 1 and figures["lm_perplexity"] > 1
    strict = QualityModelFilter(ModelOptions(enabled=True, classifier=str(tmp_path / "clf"), min_quality_score=0.5))
    assert strict.filter(Document(text=negative.texts[-1], id="web/2", metadata={"source": "web"})) == (False, "min_quality_score")
    novel = (shared_data / "text" / "aozora_bocchan_natsume-soseki.txt").read_text(encoding="utf-8")[-3000:]
    assert strict.filter(Document(text=novel, id="web/3", metadata={"source": "web"})) is True
    top = QualityModelFilter(ModelOptions(enabled=True, classifier=str(tmp_path / "clf"), keep_top_share=0.1))
    assert top.checks[0].threshold == pytest.approx(threshold_for_top_share(tmp_path / "clf", 0.1))
    quantiles = json.loads((tmp_path / "clf" / "manifest.json").read_text())["web_score_quantiles"]
    assert quantiles[50] < top.checks[0].threshold <= quantiles[-1]


def test_quality_train_command_writes_a_model_the_filter_stage_accepts(corpora, tmp_path, shared_data):
    from corpus.cli import main
    from pipelines.filter import Options

    text = shared_data / "text"
    out = tmp_path / "cli_lm"
    assert main(["quality", "train", "--kind", "lm", "--positive", str(text / "aozora_lemon_kajii-motojiro.txt"),
                 str(text / "aozora_bocchan_natsume-soseki.txt"), "--negative", str(text / "kwdlc_web_leads.jsonl"),
                 "-o", str(out)]) == 0
    assert (out / "lm.arpa").exists() and json.loads((out / "manifest.json").read_text())["kind"] == "lm"
    Options.model_validate({"quality": {"model": {"enabled": True, "lm": str(out), "lm_keep_top_share": 0.5}}})
