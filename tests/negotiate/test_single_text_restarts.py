"""The single text's baseline mediators use their remaining rounds (issue 11, part 2): when
stuck at a local optimum they restart from other drafts, keep the best text found and report
a local optimum only when rounds or restarts run out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from oracle import random_model

from accord.evaluate.plan import score_package
from accord.io import load_scenario
from accord.model import compile_scenario
from accord.model.compiled import CompiledModel
from accord.model.scenario import Scenario
from accord.negotiate import single_text
from accord.negotiate.single_text import HillClimbing, SimulatedAnnealing, opening_draft

TREATY = Path(__file__).resolve().parent / "data" / "river-treaty.yaml"


@pytest.fixture(scope="module")
def river() -> tuple[Scenario, CompiledModel]:
    scenario = load_scenario(str(TREATY))
    return scenario, compile_scenario(scenario)


def test_the_river_treaty_improvement_everyone_accepts_is_reached(
        river: tuple[Scenario, CompiledModel]) -> None:
    scenario, model = river
    start = model.decode(opening_draft(model, None))
    # What `accord analyze` prints for the opening draft: the max-min-gain improvement.
    score = score_package(scenario, model, start)
    assert score.improvement is not None
    better = model.encode(score.improvement.choices)
    assert model.accepts(better)[0].all(), "the improvement should be acceptable to all"
    assert not score.all_accept  # the opening draft itself is not
    for seed in range(3):
        r = single_text(model, mediator=HillClimbing(), start=start, rounds=200, seed=seed)
        assert r.agreement, r.reason
        assert r.package is not None and model.accepts(r.package)[0].all()
        assert any(e.get("event") == "restart" for e in r.trace)


def _drafts(r: object) -> list[tuple[str, dict[str, object]]]:
    return [(e["event"], e["choices"]) for e in r.trace if "choices" in e]  # type: ignore[attr-defined]


@pytest.mark.parametrize("mediator", [HillClimbing, SimulatedAnnealing])
def test_restarts_are_seeded_and_drafts_numbered_contiguously(
        river: tuple[Scenario, CompiledModel], mediator: type[HillClimbing]) -> None:
    _, model = river
    runs = {}
    for seed in (4, 4, 5):
        r = single_text(model, mediator=mediator(), rounds=120, seed=seed)
        numbers = [e["draft"] for e in r.trace if "draft" in e]
        assert numbers == list(range(len(numbers)))
        assert r.offers == len(numbers)
        assert any(e.get("event") == "restart" for e in r.trace)
        runs.setdefault(seed, []).append((_drafts(r), r.reason, r.comparisons))
    assert runs[4][0] == runs[4][1]
    assert runs[4][0][0] != runs[5][0][0]


def test_restart_drafts_cross_no_red_line_and_no_constraint() -> None:
    for seed in range(6):
        model = random_model(40 + seed, 3, [3, 4, 2, 3, 3], red=0.2, res=0.6)
        r = single_text(model, mediator=HillClimbing(), rounds=80, seed=seed)
        for e in r.trace:
            if e.get("event") in ("restart", "return"):
                x = model.encode(e["choices"])
                assert model.within_red_lines(x)[0].all() and model.valid(x)[0]


def test_the_final_text_is_the_best_found_by_what_parties_said() -> None:
    # Among the local optima the mediator reached, none is accepted by more parties than the
    # final text, nor, with as many accepting, unanimously preferred to it.
    for seed in range(6):
        model = random_model(60 + seed, 3, [3, 4, 2, 3, 3], red=0.1, res=0.6)
        r = single_text(model, mediator=HillClimbing(), rounds=80, seed=seed)
        last = [e for e in r.trace if "choices" in e][-1]
        final = model.encode(last["choices"])
        yes = int(model.accepts(final)[0].sum())
        texts = [e for e in r.trace if "choices" in e]
        optima = [texts[k - 1] for k, e in enumerate(texts) if e["event"] == "restart"]
        for e in optima:
            x = model.encode(e["choices"])
            other = int(model.accepts(x)[0].sum())
            assert other <= yes
            if other == yes and (x != final).any():
                d = model.utilities(x) - model.utilities(final)
                assert not ((d >= -1e-12).all() and (d > 1e-12).any())


def _zero_sum() -> CompiledModel:
    """Two parties with opposite preferences on every issue and walk-aways nobody can meet
    together: every draft is a local optimum and no restart can help."""
    model = random_model(4, 2, [3, 3, 3], red=0.0, res=0.0)
    table = model.values.copy()
    table[1] = 1.0 - table[0]
    table[:, model.padding] = 0.0
    return CompiledModel(
        scenario_id="zero-sum", party_ids=model.party_ids, issue_ids=model.issue_ids,
        options=model.options, raw_options=model.raw_options, numeric=model.numeric.copy(),
        n_options=model.n_options.copy(), weights=np.tile(model.weights[0], (2, 1)),
        values=table, red_lines=model.red_lines, padding=model.padding.copy(),
        reservation=np.full(2, 0.9))


def test_restarts_that_stop_improving_end_in_an_honest_local_optimum() -> None:
    model = _zero_sum()
    r = single_text(model, mediator=HillClimbing(), rounds=500, seed=2)
    n = sum(e.get("event") == "restart" for e in r.trace)
    assert not r.agreement and n >= 1
    assert "a local optimum: no revision of up to 3 issues helps everyone" in r.reason
    assert f"and {n} restarts" in r.reason
    assert r.rounds < 500  # it stopped because restarts stopped improving, not the deadline
    still = HillClimbing()
    still.patience = 0  # no restarts: the mediator stops at its first local optimum
    r0 = single_text(model, mediator=still, rounds=500, seed=2)
    assert not any(e.get("event") == "restart" for e in r0.trace)
    assert "restarts" not in r0.reason
