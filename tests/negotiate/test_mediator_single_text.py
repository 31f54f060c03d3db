"""The single text's baseline mediators after issue 11 (part 2): larger moves before giving
up, honest words when they stop, drafts numbered contiguously, comparisons counted."""

from __future__ import annotations

import numpy as np
from oracle import random_model

from accord.model import CompiledModel
from accord.model.compiled import RedLines
from accord.negotiate import single_text
from accord.negotiate.single_text import HillClimbing


def _coalition() -> CompiledModel:
    """Three parties, three yes/no issues: each wants its own issue switched on (weight 0.6)
    and the other two off (0.2 each). From all-off every one- or two-issue change hurts
    somebody; switching all three makes everyone better off and above the walk-away 0.5."""
    values = np.zeros((3, 3, 2))
    for p in range(3):
        for i in range(3):
            values[p, i] = [0.0, 1.0] if i == p else [1.0, 0.0]
    weights = np.full((3, 3), 0.2)
    np.fill_diagonal(weights, 0.6)
    return CompiledModel(
        scenario_id="coalition", party_ids=("a", "b", "c"), issue_ids=("x", "y", "z"),
        options=(("0", "1"),) * 3, raw_options=((0, 1),) * 3,
        numeric=np.zeros(3, dtype=bool), n_options=np.full(3, 2), weights=weights,
        values=values,
        red_lines=RedLines.from_masks(("a", "b", "c"), np.zeros((3, 3, 2), dtype=bool),
                                      np.zeros((3, 2), dtype=bool)),
        padding=np.zeros((3, 2), dtype=bool), reservation=np.full(3, 0.5))


def test_a_three_issue_change_that_makes_all_accept_is_found() -> None:
    model = _coalition()
    r = single_text(model, mediator=HillClimbing(), start={"x": 0, "y": 0, "z": 0},
                    rounds=20, seed=1)
    assert r.agreement
    assert r.package is not None and r.package.tolist() == [1, 1, 1]


def test_a_stuck_mediator_says_what_it_found() -> None:
    # Two parties with opposite preferences on every issue and walk-aways nobody can meet
    # together: every revision hurts one of them.
    model = random_model(4, 2, [3, 3, 3], red=0.0, res=0.0)
    table = model.values.copy()
    table[1] = 1.0 - table[0]
    table[:, model.padding] = 0.0
    zero_sum = CompiledModel(
        scenario_id="zero-sum", party_ids=model.party_ids, issue_ids=model.issue_ids,
        options=model.options, raw_options=model.raw_options, numeric=model.numeric.copy(),
        n_options=model.n_options.copy(), weights=np.tile(model.weights[0], (2, 1)),
        values=table, red_lines=model.red_lines, padding=model.padding.copy(),
        reservation=np.full(2, 0.9))
    r = single_text(zero_sum, mediator=HillClimbing(), rounds=30, seed=2)
    assert not r.agreement
    assert "a local optimum: no revision of up to 3 issues helps everyone" in r.reason
    assert "no draft improves" not in r.reason


def test_drafts_are_numbered_contiguously_and_comparisons_counted() -> None:
    for seed in range(4):
        model = random_model(20 + seed, 3, [3, 4, 2, 3], red=0.2, res=0.3)
        r = single_text(model, mediator=HillClimbing(), rounds=40, seed=seed)
        numbers = [e["draft"] for e in r.trace if "draft" in e]
        assert numbers == list(range(len(numbers)))
        assert r.comparisons is not None and set(r.comparisons) == set(model.party_ids)
        assert all(n > 0 for n in r.comparisons.values())


def test_an_issue_left_open_is_scored_over_its_completions() -> None:
    model = random_model(7, 2, [3, 3, 4], red=0.0, res=0.2)
    forbidden = model.forbidden_options()
    forbidden[0, 0, :2] = True  # a forbids options 0, 1 of issue 0; b forbids option 2
    forbidden[1, 0, 2] = True
    deadlocked = CompiledModel(
        scenario_id="deadlock", party_ids=model.party_ids, issue_ids=model.issue_ids,
        options=model.options, raw_options=model.raw_options, numeric=model.numeric.copy(),
        n_options=model.n_options.copy(), weights=model.weights.copy(),
        values=model.values.copy(),
        red_lines=RedLines.from_masks(model.party_ids, forbidden, model.padding),
        padding=model.padding.copy(),
        reservation=model.reservation.copy())
    r = single_text(deadlocked, mediator=HillClimbing(), rounds=30, seed=3)
    assert not r.agreement
    final = r.trace[-1]
    assert final["event"] == "final vote" and final["open"]["issues"] == ["i0"]
    last = [e for e in r.trace if "choices" in e][-1]["choices"]
    for k, p in enumerate(deadlocked.party_ids):
        # brute force over the open issue's completions
        us, acc = [], []
        for o in range(3):
            x = deadlocked.encode({**last, "i0": o})
            us.append(float(deadlocked.utilities(x)[k]))
            acc.append(bool(deadlocked.accepts(x)[0, k]))
        lo, hi = final["open"]["utility_range"][p]
        assert abs(lo - min(us)) < 1e-8 and abs(hi - max(us)) < 1e-8
        word = "every" if all(acc) else "some" if any(acc) else "none"
        assert final["open"]["accepts_in"][p] == word
        assert final["votes"][p] is (word == "every")
