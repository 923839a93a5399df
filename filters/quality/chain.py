"""The quality chain: which rule families run, in which order, as datatrove steps.

Cheap decisions first (the URL, then character counts), then sentences, repetition, NG
expressions, the LLM-jp/HojiChar rules, the one rule that needs MeCab, and last the model
scores (off by default), the costliest per page. Each
family is its own BaseFilter with its own exclusion writer, so the excluded shards say
which family dropped a page and the reason says which rule.
"""

from __future__ import annotations

from collections.abc import Callable

from datatrove.pipeline.base import PipelineStep

from filters.quality.char_ratios import CharRatioFilter
from filters.quality.hojichar_rules import HojiCharRuleFilter
from filters.quality.host_blocklist import HostBlocklistFilter
from filters.quality.model_filter import QualityModelFilter
from filters.quality.ng_expressions import NgExpressionFilter
from filters.quality.noun_ratio import NounRatioFilter
from filters.quality.options import QualityOptions
from filters.quality.repetition import RepetitionFilter
from filters.quality.rules import Check, QualityFigures, QualityRuleFilter
from filters.quality.sentences import SentenceFilter

# (options attribute, filter class), in the order they are applied
FAMILIES: list[tuple[str, type[QualityRuleFilter]]] = [
    ("host_blocklist", HostBlocklistFilter),
    ("char_ratios", CharRatioFilter),
    ("sentences", SentenceFilter),
    ("repetition", RepetitionFilter),
    ("ng_expressions", NgExpressionFilter),
    ("hojichar", HojiCharRuleFilter),
    ("noun_ratio", NounRatioFilter),
    ("model", QualityModelFilter),
]


def quality_filters(options: QualityOptions, exclusion_writer: Callable[[str], object] = lambda family: None
                    ) -> list[QualityRuleFilter]:
    """One filter per enabled family; `exclusion_writer(family)` gives each its writer."""
    if not options.enabled:
        return []
    filters = []
    for attribute, cls in FAMILIES:
        family_options = getattr(options, attribute)
        if family_options.enabled:
            filters.append(cls(family_options, sources=options.sources, exclusion_writer=exclusion_writer(cls.family)))
    return filters


def quality_steps(options: QualityOptions, exclusion_writer: Callable[[str], object] = lambda family: None
                  ) -> list[PipelineStep]:
    """The datatrove steps of the quality chain, figures step first when all figures are recorded."""
    filters = quality_filters(options, exclusion_writer)
    if filters and options.record_all_figures:
        return [QualityFigures(filters), *filters]
    return list(filters)


def quality_checks(options: QualityOptions) -> list[tuple[str, Check]]:
    """(family, rule) for every enabled rule, in order: what the report describes."""
    return [(f.family, check) for f in quality_filters(options) for check in f.checks]
