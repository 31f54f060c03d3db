"""The order of a file does not decide a negotiation (issue 11, part 1).

Over 50 seeds, a scenario and a random permutation of its issues, options and parties give
the same agreement rate and mean utilities within their 95% Monte Carlo intervals, on both
sides of the enumeration limit. Each party keeps its strategy under the permutation; turn
order is drawn per run (`shuffle_turns`, the command line's default), so who opens is not
decided by the file either.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from oracle import random_model

from accord.model.compiled import CompiledModel, RedLines
from accord.negotiate import BidSpace, simulate
from accord.negotiate.space import ENUMERATE_LIMIT

SEEDS = range(50)
STRATEGY = {"p0": "boulware", "p1": "conceder", "p2": "pareto"}


def permuted(model: CompiledModel, rng: np.random.Generator) -> CompiledModel:
    """The same scenario with its issues, each issue's options, and its parties reordered
    (issues and parties never left in place)."""
    ip, pp = np.arange(model.n_issues), np.arange(model.n_parties)
    while (ip == np.arange(model.n_issues)).all():
        ip = rng.permutation(model.n_issues)
    while (pp == np.arange(model.n_parties)).all():
        pp = rng.permutation(model.n_parties)
    n_opt = model.n_options[ip]
    omax = model.padding.shape[1]
    # option map per new issue: new option k is old option op[j][k]; padding stays last
    op = [np.concatenate([rng.permutation(int(n)), np.arange(int(n), omax)]) for n in n_opt]
    take = np.stack([op[j] for j in range(len(ip))])  # (I, O) old option index

    def reorder(a: np.ndarray) -> np.ndarray:  # (P, I, O) -> permuted
        a = a[pp][:, ip]
        return np.take_along_axis(a, np.broadcast_to(take, a.shape), axis=2)

    party_ids = tuple(model.party_ids[p] for p in pp)
    padding = np.take_along_axis(model.padding[ip], take, axis=1)
    return CompiledModel(
        scenario_id=model.scenario_id, party_ids=party_ids,
        issue_ids=tuple(model.issue_ids[i] for i in ip),
        options=tuple(tuple(model.options[i][o] for o in op[j][:n])
                      for j, (i, n) in enumerate(zip(ip, n_opt, strict=True))),
        raw_options=tuple(tuple(model.raw_options[i][o] for o in op[j][:n])
                          for j, (i, n) in enumerate(zip(ip, n_opt, strict=True))),
        numeric=model.numeric[ip].copy(), n_options=n_opt.copy(),
        weights=model.weights[pp][:, ip].copy(), values=reorder(model.values),
        red_lines=RedLines.from_masks(party_ids, reorder(model.forbidden_options()), padding),
        padding=padding,
        reservation=model.reservation[pp].copy(),
    )


def outcomes(model: CompiledModel, seeds: Sequence[int], rounds: int
             ) -> dict[str, np.ndarray]:
    """Per run: agreement (0/1) and each party's utility, keyed by party id."""
    space = BidSpace(model)
    names = [STRATEGY[p] for p in model.party_ids]
    runs = [simulate(model, "stacked", names, rounds=rounds, seed=sd, space=space,
                     shuffle_turns=True) for sd in seeds]
    out = {"agreement": np.array([r.agreement for r in runs], dtype=float)}
    for p in model.party_ids:
        out[p] = np.array([r.utilities[p] for r in runs])
    return out


def interval(x: np.ndarray) -> tuple[float, float]:
    """95% Monte Carlo interval of the mean."""
    half = 1.96 * float(x.std(ddof=1)) / np.sqrt(x.size)
    return float(x.mean()) - half, float(x.mean()) + half


def assert_same_distribution(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    for key in a:
        lo_a, hi_a = interval(a[key])
        lo_b, hi_b = interval(b[key])
        assert lo_a <= hi_b + 1e-9 and lo_b <= hi_a + 1e-9, (
            f"{key}: mean {a[key].mean():.4f} in [{lo_a:.4f}, {hi_a:.4f}] against "
            f"{b[key].mean():.4f} in [{lo_b:.4f}, {hi_b:.4f}] after the permutation")


def test_permutation_keeps_the_model() -> None:
    model = random_model(1, 3, [3, 4, 2, 5])
    other = permuted(model, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    x = np.stack([rng.integers(0, n, 200) for n in model.n_options], axis=1)
    # the same packages in the permuted coding
    y = np.empty_like(x)
    for j, iid in enumerate(other.issue_ids):
        i = model.issue_ids.index(iid)
        y[:, j] = [other.options[j].index(model.options[i][o]) for o in x[:, i]]
    order = [model.party_ids.index(p) for p in other.party_ids]
    assert np.allclose(other.utilities(y), model.utilities(x)[:, order])
    assert (other.accepts(y) == model.accepts(x)[:, order]).all()


@pytest.mark.parametrize(("seed", "n_options", "rounds", "quantum"), [
    (3, [3, 4, 3, 5, 4], 60, 0),     # 720 packages: enumerated and presorted
    (7, [4, 3, 5, 3, 4, 4], 60, 0),  # 2,880 packages
    (42, [3, 4, 3, 5, 4], 60, 4),    # values on a grid: many packages tie
    (25, [3, 4] * 7, 40, 0),         # 35.8 million: per-issue search
    (29, [3, 4] * 7, 40, 4),
])
def test_outcomes_do_not_depend_on_the_order_of_the_file(seed: int, n_options: list[int],
                                                         rounds: int, quantum: int) -> None:
    model = random_model(seed, 3, n_options, red=0.15, res=0.3, quantum=quantum)
    big = model.size > ENUMERATE_LIMIT
    assert BidSpace(model).enumerated != big
    other = permuted(model, np.random.default_rng(seed))
    assert other.issue_ids != model.issue_ids and other.party_ids != model.party_ids
    a = outcomes(model, SEEDS, rounds)
    b = outcomes(other, SEEDS, rounds)
    assert_same_distribution(a, b)
