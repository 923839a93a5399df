"""Model-based quality scores: a character n-gram classifier and a character LM's perplexity.

Swallow Corpus v2, FineWeb-Edu, DCLM and FineWeb2-HQ keep the pages a classifier trained on
"good" text scores highest; CCNet and Enomoto et al. (2024) use an n-gram LM's perplexity.
Both are trained by `jacorpus quality train` (filters/quality/model_train.py) and stored
as plain files, never pickles, so loading a model runs no code from it:

- classifier: `classifier.json` (scikit-learn HashingVectorizer settings, intercept) and
  `classifier_coef.npy` (the logistic-regression weights, float32). The score is the
  probability that the text is like the positives (encyclopedic/literary Japanese).
- LM: `lm.arpa`, a character model queried with KenLM; the score is perplexity per
  character (lower = more like the training text).

Each directory has `manifest.json`: the training data (files, sha256, documents), the
licences of that data, the held-out metrics, and the score's quantiles on held-out web
text, from which `keep_top_share` turns a share into a threshold.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CLASSIFIER, CLASSIFIER_COEF, LM, MANIFEST = "classifier.json", "classifier_coef.npy", "lm.arpa", "manifest.json"


class ClassifierScorer:
    """P(positive) from hashed character n-grams and logistic-regression weights."""

    figure = "quality_score"
    higher_is_better = True

    def __init__(self, directory: str | Path):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.directory = str(directory)
        config = json.loads((Path(directory) / CLASSIFIER).read_text(encoding="utf-8"))
        self.vectorizer = HashingVectorizer(**config["vectorizer"])
        self.coef = np.load(Path(directory) / CLASSIFIER_COEF, allow_pickle=False).astype(np.float64)
        self.intercept = float(config["intercept"])

    def decision(self, texts: list[str]) -> np.ndarray:
        features = self.vectorizer.transform(texts)
        return features @ self.coef + self.intercept

    def score(self, text: str) -> float:
        return float(1.0 / (1.0 + np.exp(-self.decision([text])[0])))

    def __getstate__(self):
        return {"directory": self.directory}

    def __setstate__(self, state):
        self.__init__(state["directory"])


class PerplexityScorer:
    """Perplexity per character under the directory's character LM."""

    figure = "lm_perplexity"
    higher_is_better = False

    def __init__(self, directory: str | Path):
        from filters.quality.char_lm import CharLM

        self.directory = str(directory)
        self.lm = CharLM(Path(directory) / LM)

    def score(self, text: str) -> float:
        return self.lm.perplexity(text)


def manifest(directory: str | Path) -> dict:
    return json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))


def load_scorer(directory: str | Path) -> ClassifierScorer | PerplexityScorer:
    """The scorer a model directory holds (classifier or LM), by its files."""
    if (Path(directory) / CLASSIFIER).exists():
        return ClassifierScorer(directory)
    if (Path(directory) / LM).exists():
        return PerplexityScorer(directory)
    raise FileNotFoundError(f"{directory}: neither {CLASSIFIER} nor {LM}")


def threshold_for_top_share(directory: str | Path, share: float) -> float:
    """The score that keeps the best `share` of held-out web text (from the manifest's quantiles).

    A streaming, many-task run cannot sort all of its own scores before deciding, so the
    share refers to the reference web sample the model was measured on, as Swallow v2's
    and FineWeb-Edu's fixed thresholds do; the report shows the share actually kept."""
    info = manifest(directory)
    quantiles = np.asarray(info["web_score_quantiles"], dtype=float)  # 0%, 1%, ..., 100%
    higher_is_better = bool(info["higher_is_better"])
    q = (1.0 - share) if higher_is_better else share
    return float(np.interp(q, np.linspace(0, 1, len(quantiles)), quantiles))
