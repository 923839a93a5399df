"""Per-rule report figures: removals, what a rule would remove alone, percentiles, histogram."""

from __future__ import annotations

from collections import Counter

import numpy as np

from filters.quality.char_ratios import hiragana_fraction
from filters.quality.report import histogram, rule_figures
from filters.quality.rules import Check


def test_rule_figures_count_removals_and_what_the_rule_would_remove_alone():
    check = Check("min_hiragana_fraction", "hiragana_fraction", hiragana_fraction, 0.2, "below")
    values = {"hiragana_fraction": [0.0, 0.1, 0.3, 0.4, 0.5]}
    reasons = Counter({("char_ratios", "min_hiragana_fraction"): 1, ("char_ratios", "min_letters"): 3})
    [entry] = rule_figures([("char_ratios", check)], values, reasons)
    assert entry["removed"] == 1 and entry["would_remove_alone"] == 2 and entry["measured"] == 5
    assert entry["percentiles"]["p50"] == 0.3
    assert sum(entry["histogram"]["counts"]) == 5


def test_a_rule_nobody_measured_reports_zero():
    check = Check("max_noun_ratio", "noun_ratio", hiragana_fraction, 0.8, "at_least")
    [entry] = rule_figures([("noun_ratio", check)], {}, Counter())
    assert entry["measured"] == 0 and "histogram" not in entry


def test_histogram_range_always_contains_the_threshold():
    h = histogram(np.array([500.0, 800.0, 1200.0]), 400.0, bins=4)
    assert h["edges"][0] == 400.0 and h["edges"][-1] == 1200.0 and sum(h["counts"]) == 3
    h = histogram(np.array([0.5, 0.5]), 0.5)
    assert sum(h["counts"]) == 2
