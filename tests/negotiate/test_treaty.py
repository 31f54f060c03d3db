"""A hand-made 4-party river treaty above the enumeration limit, where agreement needs every
side to avoid the others' red lines (issue 11, part 1), with public and private red lines;
and the concession order of the per-issue bidder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from accord.io import load_scenario
from accord.model import compile_scenario
from accord.model.compiled import CompiledModel
from accord.negotiate import BidSpace, simulate
from accord.negotiate.space import ENUMERATE_LIMIT, concede
from accord.negotiate.strategies import RedLineKnowledge

TREATY = Path(__file__).resolve().parent / "data" / "river-treaty.yaml"
SEEDS = range(8)


@pytest.fixture(scope="module")
def treaty() -> CompiledModel:
    return compile_scenario(load_scenario(str(TREATY)))


@pytest.fixture(scope="module")
def space(treaty: CompiledModel) -> BidSpace:
    return BidSpace(treaty)


def test_the_treaty_is_large_and_every_ideal_crosses_another_red_line(
        treaty: CompiledModel, space: BidSpace) -> None:
    assert treaty.size > ENUMERATE_LIMIT and not space.enumerated
    assert treaty.party_ids == ("up", "mid", "down", "eco")  # the stakeholder included
    for p in range(treaty.n_parties):
        ideal = space.package(space.best(p))
        crossed = ~treaty.within_red_lines(ideal)[0]
        assert crossed.any(), f"{treaty.party_ids[p]}'s ideal crosses nobody's red line"
    # yet a package acceptable to all exists (the Nash package of `accord solve`)
    jointly = ~space.red_lines.any(axis=0)  # (I, O) options nobody forbids
    assert jointly[:, :].any(axis=1).all()


@pytest.mark.parametrize("strategy", ["linear", "conceder"])
def test_bidders_avoid_the_declared_red_lines_and_agree(treaty: CompiledModel,
                                                        space: BidSpace, strategy: str) -> None:
    runs = [simulate(treaty, "stacked", [strategy], rounds=100, seed=sd, space=space,
                     shuffle_turns=True, record=True) for sd in SEEDS]
    for r in runs:
        offers = [treaty.encode(e["choices"]) for e in r.trace if e["action"] == "offer"]
        assert treaty.within_red_lines(np.array(offers)).all(), \
            "an offer crossed a red line every party declared"
        if r.agreement:
            assert r.package is not None and treaty.accepts(r.package).all()
    assert np.mean([r.agreement for r in runs]) >= 0.5


def test_private_red_lines_are_learnt_from_rejections(treaty: CompiledModel,
                                                      space: BidSpace) -> None:
    declared = space.red_lines
    runs = [simulate(treaty, "stacked", ["linear"], rounds=100, seed=sd, space=space,
                     shuffle_turns=True, record=True, private_red_lines=True)
            for sd in SEEDS]
    crossing_early, crossing_late = 0, 0
    for r in runs:
        offers = [e for e in r.trace if e["action"] == "offer"]
        for k, e in enumerate(offers):
            x = treaty.encode(e["choices"])
            crossed = not treaty.within_red_lines(x).all()
            if k < len(offers) // 4:
                crossing_early += crossed
            elif k >= 3 * len(offers) // 4:
                crossing_late += crossed
        revealed = [(e["party"], i) for e in offers for i in e.get("reveals", [])]
        assert revealed, "nobody revealed a red line"
        for party, issue in revealed:  # a revelation names a red line the party declared
            p, i = treaty.party_ids.index(party), treaty.issue_ids.index(issue)
            assert declared[p, i].any()
        if r.agreement:
            assert r.package is not None and treaty.accepts(r.package).all()
    assert crossing_late < crossing_early  # they learn
    assert any(r.agreement for r in runs)


def test_knowledge_starts_public_or_empty(treaty: CompiledModel) -> None:
    public = RedLineKnowledge(treaty)
    private = RedLineKnowledge(treaty, private=True)
    assert public.others(0).any() and not private.others(0).any()
    x = np.array([0] * treaty.n_issues)  # upstream's ideal side of every issue
    crossed = ~treaty.within_red_lines(x)[0]
    down = treaty.party_ids.index("down")
    assert crossed[down]
    new = private.reveal(down, x)
    assert new and private.known[down, new, 0].all()
    assert private.reveal(down, x) == []  # nothing new the second time
    assert public.reveal(down, x) == []


# --- concession order -------------------------------------------------------------------------


def test_concedes_where_it_costs_least_per_unit_of_the_others_gain() -> None:
    own = np.array([[1.0, 0.0], [1.0, 0.5], [1.0, 0.9]])  # last issue cheapest to concede
    gain = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    x = concede(own, np.zeros(3, dtype=np.int64), 2.5, gain, np.random.default_rng(0))
    assert x.tolist() == [0, 0, 1]
    # the cost is per unit of gain: a dearer move that helps the others twice as much wins
    gain2 = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.1]])
    x = concede(own, np.zeros(3, dtype=np.int64), 2.45, gain2, np.random.default_rng(0))
    assert x.tolist() == [0, 1, 0]


def test_equal_concessions_are_drawn_not_taken_in_file_order() -> None:
    own = np.array([[1.0, 0.5]] * 4)
    gain = np.array([[0.0, 1.0]] * 4)
    picked = set()
    for seed in range(40):
        x = concede(own, np.zeros(4, dtype=np.int64), 3.5, gain, np.random.default_rng(seed))
        assert x.sum() == 1
        picked.add(int(np.flatnonzero(x)[0]))
    assert picked == {0, 1, 2, 3}


def test_large_space_bids_avoid_known_red_lines(treaty: CompiledModel, space: BidSpace) -> None:
    known = RedLineKnowledge(treaty)
    rng = np.random.default_rng(0)
    for p in range(treaty.n_parties):
        for target in (0.9, 0.6, 0.45):
            bid = space.at_least(p, target, rng=rng, avoid=known.others(p))
            assert treaty.within_red_lines(space.package(bid)).all()


def test_told_utilities_the_bidder_uses_the_others_exact_gain(treaty: CompiledModel,
                                                              space: BidSpace) -> None:
    from accord.negotiate import Context, Linear

    s = Linear()
    s.start(Context(space, 0, (0, 1, 2, 3), 10, np.random.default_rng(0), know_utilities=True))
    assert np.allclose(s.direction(), treaty.table[1:].sum(axis=0))  # type: ignore[arg-type]
    s = Linear()
    s.start(Context(space, 0, (0, 1, 2, 3), 10, np.random.default_rng(0)))
    assert s.direction() is None  # nothing observed yet
    runs = [simulate(treaty, "stacked", ["linear"], rounds=100, seed=sd, space=space,
                     shuffle_turns=True, know_utilities=True) for sd in SEEDS]
    for r in runs:
        if r.agreement:
            assert r.package is not None and treaty.accepts(r.package).all()
    assert np.mean([r.agreement for r in runs]) >= 0.5
