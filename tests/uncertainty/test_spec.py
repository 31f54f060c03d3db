from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from accord.model import compile_scenario
from accord.uncertainty.spec import (
    LEVELS,
    beta_params,
    beta_table,
    compile_uncertainty,
    gamma_table,
)

from .helpers import one_party


def test_beta_params_keep_mean_and_spread() -> None:
    a, b, s = beta_params(0.3, 0.1)
    assert s == 0.1
    assert a / (a + b) == pytest.approx(0.3)
    assert math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))) == pytest.approx(0.1)


def test_beta_spread_is_capped_near_the_ends() -> None:
    a, b, s = beta_params(0.02, 0.3)
    assert s < 0.3
    assert a + b == pytest.approx(1.0)  # K_MIN
    a, b, _ = beta_params(0.0001, 0.05)  # mean clipped into [EPS, 1 - EPS]
    assert a / (a + b) == pytest.approx(1e-3)


def test_tables_are_midpoint_quantiles() -> None:
    t = beta_table(3.0, 5.0)
    assert t.shape == (LEVELS,)
    assert np.all(np.diff(t) >= 0)
    assert float(t.mean()) == pytest.approx(3 / 8, abs=1e-4)
    g = gamma_table(2.5)
    assert float(g.mean()) == pytest.approx(2.5, rel=2e-3)
    assert float(stats.gamma(2.5).cdf(g[LEVELS // 2])) == pytest.approx(0.5, abs=1 / LEVELS)


def test_blocks_compile_to_arrays() -> None:
    s = one_party({"x": 1, "y": 1, "z": 0},
                  {"x": {"lo": 0, "mid": 0.4, "hi": 1}, "y": {"lo": 0, "hi": 1},
                   "z": {"lo": 0, "hi": 1}},
                  {"x": "mid", "y": "hi", "z": "lo"}, 0.5,
                  {"weights": {"dirichlet": 20}, "values": {"sd": 0.1, "issues": {"y": 0.2}},
                   "reservation": {"low": 0.4, "high": 0.6}})
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    assert spec.random_weights[0] and spec.concentration[0] == 20
    assert list(spec.weight_issues(0)) == [0, 1]  # the zero weight stays zero
    # 0 and 1 are the scale's anchors: only the interior value of x is random.
    assert spec.random_values[0].sum() == 1 and spec.random_values[0, 0, 1]
    assert spec.value_sd[0, 0, 1] == pytest.approx(0.1)
    assert spec.random_reservation[0] and spec.res_low[0] == 0.4
    assert not spec.deterministic


def test_no_block_is_deterministic(small_scenario) -> None:
    spec = compile_uncertainty(small_scenario, compile_scenario(small_scenario))
    assert spec.deterministic
