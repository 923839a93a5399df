"""The S-curve figures printed in the report and docs."""

from __future__ import annotations

import random

import pytest

from filters.dedup.s_curve import (
    candidate_probability,
    format_table,
    merge_probability,
    s_curve_table,
    threshold,
    verify_probability,
)


def test_fineweb_setting_matches_datatroves_own_comment():
    # datatrove/pipeline/dedup/minhash.py: "probability of inclusion for s=0.8: 1-(1-0.8^8)^14=0.924"
    assert candidate_probability(0.8, 14, 8) == pytest.approx(0.924, abs=5e-4)
    assert threshold(14, 8) == pytest.approx(0.72, abs=0.005)


def test_swallow_setting_is_stricter_than_fineweb():
    for j in (0.7, 0.8, 0.85):
        assert candidate_probability(j, 40, 20) < candidate_probability(j, 14, 8)
    assert candidate_probability(0.9, 40, 20) > 0.99


def test_candidate_probability_agrees_with_simulated_bands():
    rng = random.Random(0)
    j, bands, rows, trials = 0.75, 14, 8, 20000
    hits = sum(
        any(all(rng.random() < j for _ in range(rows)) for _ in range(bands)) for _ in range(trials)
    )
    assert hits / trials == pytest.approx(candidate_probability(j, bands, rows), abs=0.015)


def test_verification_removes_low_similarity_candidates_and_keeps_high_ones():
    assert verify_probability(0.5, 112, 0.7) < 1e-4
    assert verify_probability(0.85, 112, 0.7) > 0.999
    assert verify_probability(0.6, 112, 0.0) == 1.0
    assert merge_probability(0.5, 14, 8, 0.7) < candidate_probability(0.5, 14, 8) / 100


def test_report_table_has_the_asked_points():
    table = s_curve_table(14, 8, 0.7)
    assert {"0.70", "0.80", "0.90"} <= set(table["merged"])
    assert table["hashes"] == 112
    assert "| 14 x 8 |" in format_table([("fineweb", 14, 8, 0.0)])
