"""Interleaved rounds, ratios to a reference row, their median and spread (benchmarks/bench.py).

A benchmark run measures every row once per round, and the rows of one round one after
the other (A B C, then C B A, ...: `round_order`). Host state drifts over minutes (other
jobs, thermal, caches), so a row is compared with the reference row *of the same round*:
`ratios` gives one ratio per round, `summary` their median and spread (max - min), and
`verdict` names a difference only when it is larger than that spread.
"""
import statistics


def round_order(rows, index):
    """The order of the rows in round `index` (0-based): as given, then reversed, alternately.

    Over two rounds every row has the same mean position, so a row is not favoured by
    always coming right after a restart or right before the reference."""
    rows = list(rows)
    return rows if index % 2 == 0 else rows[::-1]


def ratios(rounds, row, reference, key):
    """Per round: rounds[i][row][key] / rounds[i][reference][key], for the rounds that have both.

    rounds: a list (one entry per round) of {row name: {key: value}}."""
    out = []
    for measured in rounds:
        if row not in measured or reference not in measured:
            continue
        base = measured[reference].get(key)
        value = measured[row].get(key)
        if value is None or not base:
            continue
        out.append(value / base)
    return out


def summary(values):
    """Median, lowest, highest, spread (highest - lowest) and count of a list of numbers."""
    if not values:
        return {"n": 0, "median": None, "low": None, "high": None, "spread": None}
    low, high = min(values), max(values)
    return {"n": len(values), "median": statistics.median(values), "low": low, "high": high,
            "spread": high - low}


def verdict(stats, neutral=1.0):
    """'higher' or 'lower' when the median differs from `neutral` by more than the spread, else 'same'.

    With a single round there is no spread to compare with: 'n/a'."""
    if stats["n"] < 2:
        return "n/a"
    effect = stats["median"] - neutral
    if abs(effect) > stats["spread"]:
        return "higher" if effect > 0 else "lower"
    return "same"


def target_met(stats, floor):
    """Whether a ratio reaches `floor` (e.g. 0.90 for "within 10 %"): 'yes' when even its lowest
    round does, 'no' when even its highest round does not, else 'median' or 'not at median'."""
    if not stats["n"]:
        return "n/a"
    if stats["low"] >= floor:
        return "yes"
    if stats["high"] < floor:
        return "no"
    return "median" if stats["median"] >= floor else "not at median"


def median_of(rounds, row, key):
    """Median over the rounds of rounds[i][row][key] (absolute figures: req/s, CPU, ...)."""
    values = [measured[row][key] for measured in rounds if row in measured and measured[row].get(key) is not None]
    return statistics.median(values) if values else None
