"""Model properties: weighted mean and median, our calibration, the spatial model's PCE."""

from __future__ import annotations

import numpy as np
import pytest

from accord.forecast import calibrated, compromise, median, smp
from accord.forecast.data import IssueData
from accord.forecast.median import weighted_median
from accord.forecast.models import MODELS, predict


def issue(pos: list[float], sal: list[float], cap: list[float] | None = None,
          outcome: float | None = None) -> IssueData:
    n = len(pos)
    return IssueData(id="x", name="x", actors=tuple(f"a{k}" for k in range(n)),
                     position=np.array(pos, float), salience=np.array(sal, float),
                     capability=np.array(cap or [1.0] * n, float), outcome=outcome)


def test_compromise_is_the_weighted_mean() -> None:
    assert compromise.forecast(issue([0, 100], [30, 10], [1, 3])) == pytest.approx(50.0)
    assert compromise.forecast(issue([0, 100], [75, 25])) == pytest.approx(25.0)


def test_compromise_falls_back_when_nobody_cares() -> None:
    assert compromise.forecast(issue([0, 100], [0, 0], [1, 3])) == pytest.approx(75.0)
    assert compromise.forecast(issue([0, 100], [0, 0], [0, 0])) == pytest.approx(50.0)


def test_weighted_median() -> None:
    x = np.array([4.0, 7.0, 10.0])
    assert weighted_median(x, np.array([24.8, 9.3, 33.6])) == 7.0
    assert weighted_median(x, np.array([1.0, 1.0, 2.0])) == 8.5  # exactly half: midpoint
    assert median.forecast(issue([0, 40, 100], [10, 10, 100])) == 100.0


def test_calibrated_generalises_the_compromise() -> None:
    it = issue([0, 30, 100], [20, 60, 90], [2, 1, 0.5])
    assert calibrated.forecast(it, 1.0, 1.0) == pytest.approx(compromise.forecast(it))
    # A larger salience exponent hands the issue to whoever cares most.
    assert calibrated.forecast(it, 0.0, 8.0) > 95


def test_fit_picks_the_grid_point_that_fits() -> None:
    # Outcomes sit where the most salient actor stands: a high salience exponent wins.
    issues = [issue([0, 100], [90, 30], outcome=0.0), issue([0, 100], [20, 80], outcome=100.0),
              issue([0, 60, 100], [10, 95, 10], outcome=60.0)]
    fit = calibrated.fit(issues)
    assert fit.beta == max(calibrated.GRID_BETA) and fit.n == 3
    assert fit.mae < 1.0


def test_calibrated_constants_are_the_documented_fit() -> None:
    assert (calibrated.ALPHA, calibrated.BETA) == (0.25, 3.0)
    assert calibrated.ALPHA in calibrated.GRID_ALPHA and calibrated.BETA in calibrated.GRID_BETA


def test_pce_is_a_distribution_and_a_unanimous_favourite_absorbs() -> None:
    opts = np.array([0.0, 50.0, 100.0])
    ideals = np.array([0.0, 50.0, 100.0])
    chances = smp.pce(opts, ideals, np.array([1.0, 1.0, 1.0]), 100.0)
    assert chances.sum() == pytest.approx(1.0) and np.all(chances >= 0)
    assert chances[1] > chances[0] == pytest.approx(chances[2])  # the centre is likeliest
    # When every voter prefers one option to each other, it absorbs the walk.
    sure = smp.pce(opts, np.array([45.0, 50.0, 55.0]), np.array([1.0, 1.0, 1.0]), 100.0)
    assert sure == pytest.approx([0.0, 1.0, 0.0])
    symmetric = smp.pce(np.array([0.0, 100.0]), np.array([0.0, 100.0]),
                        np.array([1.0, 1.0]), 100.0)
    assert symmetric == pytest.approx([0.5, 0.5])


def test_smp_bargaining_converges_between_the_sides() -> None:
    run = smp.simulate(issue([0, 0, 100], [50, 50, 100], [1, 1, 1]))
    assert 0 < run.forecast < 100
    assert run.chances.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_stays_within_the_positions(model: str) -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(2, 9))
        pos = rng.choice([0, 25, 50, 75, 100], size=n).astype(float)
        it = issue(list(pos), list(rng.uniform(0, 100, n)), list(rng.uniform(0.1, 5, n)))
        value = predict(it, model)
        assert pos.min() - 1e-9 <= value <= pos.max() + 1e-9


@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_respects_unanimity(model: str) -> None:
    assert predict(issue([40, 40, 40], [10, 50, 90]), model) == pytest.approx(40.0)


def test_unknown_model() -> None:
    with pytest.raises(KeyError, match="unknown model"):
        predict(issue([0, 1], [1, 1]), "oracle")


def test_paired_bootstrap_is_seeded_and_centred() -> None:
    import numpy as np

    from accord.forecast.evaluate import paired_bootstrap

    rng = np.random.default_rng(1)
    base = rng.uniform(0, 40, 200)
    better = base - 5 + rng.normal(0, 2, 200)
    d, lo, hi = paired_bootstrap(better, base)
    assert d == pytest.approx(float(np.mean(better - base)))
    assert lo < d < hi < 0
    assert paired_bootstrap(better, base) == (d, lo, hi)  # fixed seed
    same = paired_bootstrap(base + rng.normal(0, 2, 200), base)
    assert same[1] < 0 < same[2]
