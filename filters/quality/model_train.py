"""Training the quality models: positives (the text one wants more of) against negatives.

The recipe measured in docs/filter.md is clean web-like text (KWDLC pages, labelled clean
documents) against labelled junk; encyclopedia against raw web text, the first recipe,
taught the classifier "encyclopedia vs web" instead of "clean vs junk".

`jacorpus quality train` calls `train(...)`. Inputs are our parquet shards (a stage
directory or files), JSONL with a `text` field, or plain-text files cut into chunks of
about `chunk_chars` characters at line ends (a novel from Aozora Bunko). A seeded fifth of
each class is held out; the manifest reports the held-out metrics and the model's
throughput, and the score's quantiles on held-out web text (for `keep_top_share`).

- classifier: scikit-learn's HashingVectorizer over character 1-3-grams (2^20 buckets,
  l2-normalised counts) and LogisticRegression (balanced classes). fastText is what Swallow
  v2 used, but its supervised training gives NaN on these machines; this is the maintained
  alternative the design names.
- lm: `filters.quality.char_lm`, interpolated Kneser-Ney over characters, on the positives
  only (CCNet's recipe: perplexity under a model of the text one wants more of).
"""

from __future__ import annotations

import hashlib
import json
import platform
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from filters.quality.model_score import CLASSIFIER, CLASSIFIER_COEF, LM, MANIFEST

VECTORIZER = {"analyzer": "char", "ngram_range": [1, 3], "n_features": 2 ** 20, "alternate_sign": False,
              "norm": "l2", "lowercase": False, "dtype": "float32"}


@dataclass
class Corpus:
    """Texts of one class and where they came from (for the manifest)."""

    texts: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunks(text: str, size: int) -> list[str]:
    out, current, length = [], [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        current.append(line)
        length += len(line)
        if length >= size:
            out.append("\n".join(current))
            current, length = [], 0
    if length >= size // 4:
        out.append("\n".join(current))
    return out


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        shards = path / "shards"
        base = shards if shards.is_dir() else path
        return sorted(p for p in base.rglob("*") if p.suffix in (".parquet", ".jsonl", ".txt"))
    return [path]


def read_corpus(paths: list[str], chunk_chars: int = 3000, licence: str | None = None) -> Corpus:
    """Texts of parquet shards, JSONL (`text`) and plain-text files under `paths`."""
    corpus = Corpus()
    for path in (f for p in paths for f in _files(Path(p))):
        licences: set[str] = set()
        if path.suffix == ".parquet":
            from corpus.formats.shard_files import rows

            texts = []
            for row in rows(path, columns=None):
                texts.append(row.get("text"))
                meta = row.get("metadata")  # our shard schema: the licence travels in metadata
                if isinstance(meta, dict) and meta.get("licence"):
                    licences.add(meta["licence"])
        elif path.suffix == ".jsonl":
            texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8") if line.strip()]
        else:
            texts = _chunks(path.read_text(encoding="utf-8"), chunk_chars)
        texts = [t for t in texts if t and t.strip()]
        corpus.texts += texts
        corpus.sources.append({"path": str(path), "sha256": _sha256(path), "documents": len(texts),
                               "licences": sorted(licences | ({licence} if licence else set())) or ["unknown"]})
    return corpus


def _split(texts: list[str], holdout: float, rng: random.Random) -> tuple[list[str], list[str]]:
    order = list(range(len(texts)))
    rng.shuffle(order)
    cut = max(1, int(round(len(texts) * holdout)))
    return [texts[i] for i in order[cut:]], [texts[i] for i in order[:cut]]


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted half)."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return float("nan")
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _throughput(score, texts: list[str]) -> float:
    """MB of UTF-8 scored per CPU-second, one text at a time as the filter stage scores."""
    size = sum(len(t.encode("utf-8")) for t in texts)
    start = time.process_time()
    for text in texts:
        score(text)
    return size / 1e6 / max(time.process_time() - start, 1e-9)


def _heldout(score, pos_test: list[str], neg_test: list[str]) -> tuple[np.ndarray, np.ndarray, dict]:
    """Scores of the held-out texts, which of them are positive, and the figures both model
    kinds report on them (sizes, throughput, the web side's score quantiles for thresholds)."""
    test = pos_test + neg_test
    truth = np.array([True] * len(pos_test) + [False] * len(neg_test))
    scores = np.array([score(t) for t in test])
    return scores, truth, {
        "heldout_documents": {"positive": len(pos_test), "negative": len(neg_test)},
        "mb_per_cpu_second": _throughput(score, test),
        "web_score_quantiles": np.quantile(scores[~truth], np.linspace(0, 1, 101)).tolist(),
    }


def train_classifier(pos: list[str], neg: list[str], out: Path, rng: random.Random, c: float = 4.0) -> dict:
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression

    from filters.quality.model_score import ClassifierScorer

    pos_train, pos_test = _split(pos, 0.2, rng)
    neg_train, neg_test = _split(neg, 0.2, rng)
    vectorizer = HashingVectorizer(**{**VECTORIZER, "ngram_range": tuple(VECTORIZER["ngram_range"]), "dtype": np.float32})
    features = vectorizer.transform(pos_train + neg_train)
    labels = np.array([1] * len(pos_train) + [0] * len(neg_train))
    # liblinear works on the sparse rows; lbfgs spends its time on 2^20 dense coefficients (10x slower here)
    model = LogisticRegression(C=c, solver="liblinear", max_iter=1000, class_weight="balanced").fit(features, labels)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / CLASSIFIER_COEF, model.coef_[0].astype(np.float32), allow_pickle=False)
    (out / CLASSIFIER).write_text(json.dumps({"vectorizer": VECTORIZER, "intercept": float(model.intercept_[0]),
                                               "C": c}, indent=2), encoding="utf-8")
    scorer = ClassifierScorer(out)
    scores, truth, figures = _heldout(scorer.score, pos_test, neg_test)
    return {
        "kind": "classifier", "figure": scorer.figure, "higher_is_better": True,
        "train_documents": {"positive": len(pos_train), "negative": len(neg_train)},
        "heldout_auc": auc(scores, truth), "heldout_accuracy": float(((scores >= 0.5) == truth).mean()),
        **figures,
    }


def train_lm(pos: list[str], neg: list[str], out: Path, rng: random.Random, order: int = 3) -> dict:
    from filters.quality.char_lm import estimate, write_arpa
    from filters.quality.model_score import PerplexityScorer

    pos_train, pos_test = _split(pos, 0.2, rng)
    _, neg_test = _split(neg, 0.2, rng)
    out.mkdir(parents=True, exist_ok=True)
    write_arpa(estimate((line for text in pos_train for line in text.split("\n")), order=order), out / LM)
    scorer = PerplexityScorer(out)
    perplexity, truth, figures = _heldout(scorer.score, pos_test, neg_test)
    return {
        "kind": "lm", "figure": scorer.figure, "higher_is_better": False, "order": order,
        "train_documents": {"positive": len(pos_train)},
        "heldout_auc": auc(-perplexity, truth),
        "heldout_median_perplexity": {"positive": float(np.median(perplexity[truth])),
                                      "negative": float(np.median(perplexity[~truth]))},
        **figures,
    }


def train(positive: Corpus, negative: Corpus, out: str | Path, kind: str = "classifier", seed: int = 0,
          order: int = 3, licence_note: str | None = None) -> dict:
    """Train one model into `out` and write its manifest; returns the manifest."""
    out = Path(out)
    rng = random.Random(seed)
    if not positive.texts or not negative.texts:
        raise ValueError("quality train needs positive and negative texts")
    if kind == "classifier":
        result = train_classifier(positive.texts, negative.texts, out, rng)
    elif kind == "lm":
        result = train_lm(positive.texts, negative.texts, out, rng, order=order)
    else:
        raise ValueError(f"unknown model kind {kind!r}")
    import sklearn

    data_licences = sorted({lic for s in positive.sources + negative.sources for lic in s["licences"]})
    info = {
        **result,
        "created_by": "jacorpus quality train",
        "seed": seed,
        "training_data": {"positive": positive.sources, "negative": negative.sources},
        "licence": {"training_data": data_licences,
                    "note": licence_note or "weights are derived from the training data above; use them under "
                                            "terms compatible with every licence listed"},
        "versions": {"python": platform.python_version(), "scikit-learn": sklearn.__version__},
    }
    (out / MANIFEST).write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    return info
