"""What a quality rule is, and the datatrove filter that applies a family of them.

A rule (`Check`) is a measured figure, a threshold and a direction. A family filter
(repetition, character ratios, ...) is one datatrove `BaseFilter` that applies its rules
in order and drops a document at the first rule that fires, with that rule's name as
the reason and every value it measured in `metadata["figures"]`. Families only decide;
the measuring is done once per text by `filters.quality.analysis`, so the same figure
is never computed twice, whichever step asks first.

`QualityFigures` is the optional step that measures every rule of every family on
every document before any of them drops anything, so the report's histograms cover all
documents and a user can see what a different threshold would remove.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from loguru import logger

from filters.quality.analysis import TextAnalysis, analysis_of

DropIf = Literal["below", "above", "at_least"]


@dataclass(frozen=True)
class Check:
    """One rule: drop when `measure(analysis)` is below / above / at least `threshold`."""

    reason: str  # stable snake_case exclusion reason, e.g. "max_katakana_fraction"
    figure: str  # key in metadata["figures"], e.g. "katakana_fraction"
    measure: Callable[[TextAnalysis], float]
    threshold: float
    drop_if: DropIf

    def fails(self, value: float) -> bool:
        if self.drop_if == "below":
            return value < self.threshold
        if self.drop_if == "above":
            return value > self.threshold
        return value >= self.threshold


def limit(reason: str, figure: str, measure: Callable[[TextAnalysis], float], threshold: float | None,
          drop_if: DropIf) -> list[Check]:
    """A one-element list with the rule, or nothing when its threshold is switched off (None)."""
    return [] if threshold is None else [Check(reason, figure, measure, float(threshold), drop_if)]


class QualityRuleFilter(BaseFilter):
    """Applies one family of rules to the documents of the configured sources (web by default).

    Documents of other sources (wiki, code) pass untouched: the rules were tuned on web
    text and would, for example, drop every source file for its lack of hiragana.
    """

    type = "🔻 - FILTER"
    name = "quality rules"
    family = "quality"

    def __init__(self, options, sources: Iterable[str] = ("web",), exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.options = options
        self.sources = tuple(sources)
        self.checks: list[Check] = self.build_checks(options) if getattr(options, "enabled", True) else []

    @abstractmethod
    def build_checks(self, options) -> list[Check]:
        """The family's rules, in the order they are applied."""

    def applies_to(self, doc: Document) -> bool:
        return bool(self.checks) and doc.metadata.get("source") in self.sources

    def measure(self, doc: Document) -> TextAnalysis:
        """Write every rule's figure into the document's metadata (used by QualityFigures)."""
        analysis = analysis_of(doc.text)
        figures = _figures_of(doc)
        for check in self.checks:
            figures[check.figure] = analysis.figure(check.measure)
        return analysis

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if not self.applies_to(doc):
            return True
        try:
            analysis = analysis_of(doc.text)
            figures = _figures_of(doc)
            for check in self.checks:
                value = analysis.figure(check.measure)
                figures[check.figure] = value
                if check.fails(value):
                    return False, check.reason
        except Exception as err:  # noqa: BLE001 - one unmeasurable document must not end the run: exclude it, say why
            logger.warning(f"{self.name}: could not measure {doc.id}: {err!r}")
            return False, "quality_error"
        return True


def _figures_of(doc: Document) -> dict[str, float]:
    figures = doc.metadata.get("figures")
    if not isinstance(figures, dict):
        figures = {}
        doc.metadata["figures"] = figures
    return figures


class QualityFigures(PipelineStep):
    """Measures every rule of the given families on every document, before any drops.

    Without it a document dropped by an early rule is never measured by later ones, so
    their histograms in the report would only cover the survivors.
    """

    type = "🏷 TAGGER"
    name = "quality figures"

    def __init__(self, families: list[QualityRuleFilter]):
        super().__init__()
        self.families = families

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            with self.track_time():
                measured = False
                for family in self.families:
                    if family.applies_to(doc):
                        try:
                            family.measure(doc)
                            measured = True
                        except Exception:  # noqa: BLE001 - the family's filter meets the same error and excludes the document
                            self.stat_update("measure_errors")
            if measured:
                self.stat_update("measured")
            yield doc
