"""benchmarks/stats.py: per-round ratios, their median and spread, and when a difference is named."""
from __future__ import annotations

import importlib.util
import pathlib

import pytest

SPEC = importlib.util.spec_from_file_location(
    "bench_stats", pathlib.Path(__file__).resolve().parents[3] / "benchmarks" / "stats.py")
stats = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(stats)


def test_round_order_alternates():
    rows = ["a", "b", "c"]
    assert stats.round_order(rows, 0) == ["a", "b", "c"]
    assert stats.round_order(rows, 1) == ["c", "b", "a"]
    assert stats.round_order(rows, 2) == ["a", "b", "c"]


def test_ratios_pair_each_row_with_the_reference_of_its_own_round():
    # the host slows down by half in round 2: the ratio does not move
    rounds = [{"ref": {"rps": 400}, "x": {"rps": 360}},
              {"ref": {"rps": 200}, "x": {"rps": 180}},
              {"x": {"rps": 999}},                       # no reference this round: skipped
              {"ref": {"rps": 0}, "x": {"rps": 10}}]     # failed reference: skipped
    assert stats.ratios(rounds, "x", "ref", "rps") == pytest.approx([0.9, 0.9])


def test_summary_median_and_spread():
    got = stats.summary([1.0, 0.8, 0.9, 1.2])
    assert got == {"n": 4, "median": pytest.approx(0.95), "low": 0.8, "high": 1.2, "spread": pytest.approx(0.4)}
    assert stats.summary([])["median"] is None


@pytest.mark.parametrize("values, expected", [
    ([0.70, 0.72, 0.75], "lower"),      # effect 0.28 > spread 0.05
    ([1.30, 1.35, 1.32], "higher"),
    ([0.90, 0.95, 1.02], "same"),       # effect 0.05 < spread 0.12
    ([0.80, 0.90, 1.00], "same"),       # all rounds lower, but effect 0.10 < spread 0.20: not stated
    ([0.85], "n/a"),                    # one round: no spread
])
def test_verdict_names_a_difference_only_beyond_the_spread(values, expected):
    assert stats.verdict(stats.summary(values)) == expected


@pytest.mark.parametrize("values, expected", [
    ([0.91, 0.95, 0.99], "yes"),
    ([0.85, 0.92, 0.97], "median"),
    ([0.80, 0.85, 0.95], "not at median"),
    ([0.70, 0.75, 0.80], "no"),
    ([], "n/a"),
])
def test_target_met(values, expected):
    assert stats.target_met(stats.summary(values), 0.90) == expected


def test_median_of_absolute_figures():
    rounds = [{"a": {"rps": 3}}, {"a": {"rps": 1}}, {"a": {"rps": 2}}, {"b": {"rps": 9}}]
    assert stats.median_of(rounds, "a", "rps") == 2
    assert stats.median_of(rounds, "c", "rps") is None
