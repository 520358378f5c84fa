"""Data-driven attribution (issue 19) against implementations written here, independently of the SQL: Shapley
values by brute force over every subset (≤ 8 channels), and Markov removal effects of order 1–3 by solving the
absorbing chain built the way ChannelAttribution builds it. The models run on random path sets written straight
into int_attribution__paths / int_attribution__path_steps of a throw-away DuckDB file."""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from conftest import query, run_dbt

CHANNELS = list("abcdefgh")
SHAPLEY_MODELS = [
    "int_attribution__coalition_values",
    "int_attribution__coalition_channels",
    "int_attribution__shapley_values",
]
MARKOV_MODELS = [
    "int_attribution__markov_transitions",
    "int_attribution__markov_state_channels",
    "int_attribution__markov_removal_effects",
]


def _random_paths(seed: int, n_paths: int, channels: list[str], max_len: int) -> list[tuple[list[str], bool, float]]:
    rng = random.Random(seed)
    paths = []
    for _ in range(n_paths):
        steps = [rng.choice(channels) for _ in range(rng.randint(1, max_len))]
        # conversion more likely with some channels, so values differ between coalitions
        p = 0.05 + 0.1 * ("a" in steps) + 0.05 * ("c" in steps) + 0.1 * (steps[-1] == "b")
        converting = rng.random() < p
        paths.append((steps, converting, round(rng.uniform(10, 500), 2) if converting else 0.0))
    return paths


def _write_paths(db: Path, paths: list[tuple[list[str], bool, float]]) -> None:
    con = duckdb.connect(str(db))
    con.execute("create schema if not exists intermediate")
    con.execute(
        "create or replace table intermediate.int_attribution__paths (path_id varchar, journey_id varchar, "
        "customer_key varchar, conversion_id varchar, is_converting boolean, conversion_value decimal(18, 2), "
        "path varchar, path_length bigint, channel_set varchar, channel_count bigint)"
    )
    con.execute(
        "create or replace table intermediate.int_attribution__path_steps (path_id varchar, journey_id varchar, "
        "customer_key varchar, conversion_id varchar, is_converting boolean, conversion_value decimal(18, 2), "
        "step_position bigint, step varchar, step_channel varchar)"
    )
    path_rows, step_rows = [], []
    for i, (steps, converting, value) in enumerate(paths):
        pid = f"p{i}"
        channel_set = sorted(set(steps))
        # every third journey has a (possibly non-counted) conversion: the sets Shapley values are computed for
        conversion_id = f"c{i}" if converting or i % 3 == 0 else None
        path_rows.append((pid, pid, f"k{i}", conversion_id, converting, value, " > ".join(steps), len(steps),
                          ",".join(channel_set), len(channel_set)))  # fmt: skip
        for j, step in enumerate(steps, start=1):
            step_rows.append((pid, pid, f"k{i}", conversion_id, converting, value, j, step, step))
    con.executemany(f"insert into intermediate.int_attribution__paths values ({', '.join('?' * 10)})", path_rows)
    con.executemany(f"insert into intermediate.int_attribution__path_steps values ({', '.join('?' * 9)})", step_rows)
    con.close()


def _brute_force_shapley(paths: list[tuple[list[str], bool, float]]) -> dict[tuple[str, str], float]:
    journeys: dict[frozenset, int] = defaultdict(int)
    conversions: dict[frozenset, int] = defaultdict(int)
    for steps, converting, _ in paths:
        journeys[frozenset(steps)] += 1
        conversions[frozenset(steps)] += converting

    def v(coalition: frozenset) -> float:
        return conversions[coalition] / journeys[coalition] if journeys[coalition] else 0.0

    values = {}
    for i, (steps, converting, _) in enumerate(paths):
        if not (converting or i % 3 == 0):
            continue
        players = sorted(set(steps))
        n = len(players)
        for player in players:
            others = [p for p in players if p != player]
            phi = 0.0
            for size in range(n):
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                for subset in itertools.combinations(others, size):
                    phi += weight * (v(frozenset(subset) | {player}) - v(frozenset(subset)))
            values[(",".join(players), player)] = phi
    return values


@pytest.mark.parametrize("seed", [1, 2])
def test_shapley_values_equal_a_brute_force_implementation(tmp_path: Path, seed: int) -> None:
    paths = _random_paths(seed, 1500, CHANNELS, 8) + [(CHANNELS[::-1], True, 100.0)]  # one journey with all 8
    db = tmp_path / "w.duckdb"
    _write_paths(db, paths)
    result = run_dbt(db, "run", "--select", *SHAPLEY_MODELS, vars={"attribution_shapley_max_exact_channels": 8})
    assert result.returncode == 0, result.stdout[-3000:]
    expected = _brute_force_shapley(paths)
    got = {
        (channel_set, channel): (phi, share, is_sampled)
        for channel_set, channel, phi, share, is_sampled in query(
            db, "select channel_set, channel, shapley_value, credit_share, is_sampled "
            "from intermediate.int_attribution__shapley_values",
        )
    }
    assert set(got) == set(expected)
    assert max(len(s.split(",")) for s, _ in expected) == 8  # the 8-channel sets are exercised
    for key, phi in expected.items():
        assert got[key][0] == pytest.approx(phi, abs=1e-12), key
        assert not got[key][2]
    # efficiency: Σ_c φ_c(T) = v(T); the shares of a set sum to 1
    by_set: dict[str, float] = defaultdict(float)
    for (channel_set, _), (_, share, _) in got.items():
        by_set[channel_set] += share
    assert all(abs(total - 1) < 1e-12 for total in by_set.values())

    # beyond the exact limit: sampled permutations, deterministic and close to the exact values
    sampled_vars = {"attribution_shapley_max_exact_channels": 3, "attribution_shapley_permutations": 3000}
    assert run_dbt(db, "run", "--select", *SHAPLEY_MODELS, vars=sampled_vars).returncode == 0
    sampled = {
        (s, c): (phi, flag)
        for s, c, phi, flag in query(
            db,
            "select channel_set, channel, shapley_value, is_sampled from intermediate.int_attribution__shapley_values",
        )
    }
    errors = [abs(sampled[key][0] - phi) for key, phi in expected.items() if sampled[key][1]]
    assert errors and sum(errors) / len(errors) < 0.01, sum(errors) / len(errors)


def _markov_credit(paths: list[tuple[list[str], bool, float]], order: int) -> dict[str, float]:
    """ChannelAttribution's chain: states are k consecutive steps (the whole path when shorter), a repeated
    state is one visit; removal sends every state holding the channel to null; solved by Gauss-Seidel."""
    counts: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for steps, converting, _ in paths:
        windows = [tuple(steps[i - order + 1: i + 1]) for i in range(order - 1, len(steps))] or [tuple(steps)]
        states = [("(start)",)]
        for window in windows:
            if window != states[-1]:
                states.append(window)
        for a, b in zip(states, states[1:], strict=False):
            counts[a][b] += 1
        counts[states[-1]][("(conversion)",) if converting else ("(null)",)] += 1

    def p_conversion(removed: str | None) -> float:
        x: dict[tuple, float] = defaultdict(float)
        x[("(conversion)",)] = 1.0
        while True:
            change = 0.0
            for state, outs in counts.items():
                if removed in state:
                    continue
                total = sum(outs.values())
                new = sum(n / total * x[t] for t, n in outs.items() if removed not in t)
                change = max(change, abs(new - x[state]))
                x[state] = new
            if change < 1e-15:
                return x[("(start)",)]

    full = p_conversion(None)
    channels = sorted({c for steps, _, _ in paths for c in steps})
    effects = {c: 1 - p_conversion(c) / full for c in channels}
    total = sum(converting for _, converting, _ in paths)
    return {c: total * effects[c] / sum(effects.values()) for c in channels}


@pytest.mark.parametrize("order", [1, 2, 3])
def test_markov_removal_effects_equal_an_independent_solution(tmp_path: Path, order: int) -> None:
    paths = _random_paths(10 + order, 2000, CHANNELS[:5], 6)
    db = tmp_path / "w.duckdb"
    _write_paths(db, paths)
    result = run_dbt(db, "run", "--select", *MARKOV_MODELS, vars={"attribution_markov_order": order})
    assert result.returncode == 0, result.stdout[-3000:]
    expected = _markov_credit(paths, order)
    got = dict(
        query(db, "select channel, conversions_credited from intermediate.int_attribution__markov_removal_effects")
    )
    assert set(got) == set(expected)
    for channel, credit in expected.items():
        assert got[channel] == pytest.approx(credit, rel=1e-7), (channel, got[channel], credit)
    assert sum(got.values()) == pytest.approx(sum(c for _, c, _ in paths))
