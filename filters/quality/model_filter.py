"""The model-based rule family: a classifier's quality score and a character LM's perplexity.

Off by default (`quality.model.enabled: false`): the score is reported beside the rules on
the labelled set (docs/filter.md) but no threshold has been validated for production yet.
When a model directory is given, every document of the configured sources gets its score in
`metadata.figures` (`quality_score`, `lm_perplexity`), with or without a threshold, so a
run can be scored first and thresholded later; `min_quality_score` / `max_lm_perplexity`
drop below / above a value, `keep_top_share` / `lm_keep_top_share` turn a share of the
model's held-out web text into that value (filters.quality.model_score).
"""

from __future__ import annotations

from datatrove.data import Document

from filters.quality.analysis import TextAnalysis
from filters.quality.model_score import ClassifierScorer, PerplexityScorer, threshold_for_top_share
from filters.quality.options import ModelOptions
from filters.quality.rules import Check, QualityRuleFilter, limit


class ModelScore:
    """A rule's measure: the model's score of the analysed text (picklable for datatrove workers)."""

    def __init__(self, scorer):
        self.scorer = scorer

    def __call__(self, a: TextAnalysis) -> float:
        return self.scorer.score(a.text)


def _threshold(directory: str, fixed: float | None, share: float | None, higher_is_better: bool) -> float | None:
    if share is None:
        return fixed
    from_share = threshold_for_top_share(directory, share)
    if fixed is None:
        return from_share
    return max(fixed, from_share) if higher_is_better else min(fixed, from_share)


class QualityModelFilter(QualityRuleFilter):
    name = "🤖 quality models"
    family = "model"
    _requires_dependencies = [("sklearn", "scikit-learn"), "kenlm"]

    def __init__(self, options: ModelOptions | None = None, sources=("web",), exclusion_writer=None):
        self.scores: list[tuple[str, ModelScore]] = []
        super().__init__(options or ModelOptions(), sources, exclusion_writer)

    def build_checks(self, o: ModelOptions) -> list[Check]:
        checks: list[Check] = []
        if o.classifier:
            measure = ModelScore(ClassifierScorer(o.classifier))
            self.scores.append(("quality_score", measure))
            threshold = _threshold(o.classifier, o.min_quality_score, o.keep_top_share, higher_is_better=True)
            checks += limit("min_quality_score", "quality_score", measure, threshold, "below")
        if o.lm:
            measure = ModelScore(PerplexityScorer(o.lm))
            self.scores.append(("lm_perplexity", measure))
            threshold = _threshold(o.lm, o.max_lm_perplexity, o.lm_keep_top_share, higher_is_better=False)
            checks += limit("max_lm_perplexity", "lm_perplexity", measure, threshold, "above")
        return checks

    def applies_to(self, doc: Document) -> bool:
        return bool(self.scores) and doc.metadata.get("source") in self.sources

    def _record(self, doc: Document) -> TextAnalysis:
        from filters.quality.analysis import analysis_of

        analysis = analysis_of(doc.text)
        figures = doc.metadata.setdefault("figures", {})
        for figure, measure in self.scores:
            figures[figure] = analysis.figure(measure)
        return analysis

    def measure(self, doc: Document) -> TextAnalysis:
        return self._record(doc)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if self.applies_to(doc):
            try:
                self._record(doc)
            except Exception:  # noqa: BLE001 - the base filter meets the same error and excludes with a reason
                pass
        return super().filter(doc)
