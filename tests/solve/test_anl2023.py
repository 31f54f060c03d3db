"""The published ANL 2023 reference values (specials.json of all 50 domains): Pareto front,
Nash point (d = 0) and their "Kalai" point (the frontier point with the smallest |uA - uB|)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from shared_data import needs, shared_data

from accord.io.geniusweb import import_geniusweb
from accord.model import compile_scenario
from accord.solve import frontier, solve
from accord.solve.kalai_smorodinsky import min_difference_point

ANL = shared_data("genius", "anl2023-geniusweb")
DOMAINS = sorted(p.name for p in ANL.iterdir()) if ANL.is_dir() else []
pytestmark = needs("genius", "anl2023-geniusweb")


def test_all_fifty_domains_are_here() -> None:
    assert len(DOMAINS) == 50


@pytest.mark.parametrize("name", DOMAINS)
def test_reproduces_published_values(name: str) -> None:
    d = ANL / name
    ref = json.loads((d / "specials.json").read_text())
    model = compile_scenario(import_geniusweb(d / f"{name}.json",
                                              [d / "profileA.json", d / "profileB.json"]))
    assert model.size == ref["size"]
    front = frontier(model, individual_rationality=False)
    assert front.exact
    published = np.array(sorted(p["utility"] for p in ref["pareto_front"]))
    assert front.utilities.shape == published.shape
    assert np.allclose(front.utilities, published, atol=1e-9)
    for engine in ("enumeration", "milp"):
        nash = solve(model, "nash", individual_rationality=False, engine=engine)
        assert nash.optimal
        assert list(nash.packages[0].utilities.values()) == pytest.approx(
            ref["nash"]["utility"], abs=1e-9)
    kalai = front.utilities[min_difference_point(front)]
    assert kalai == pytest.approx(ref["kalai"]["utility"], abs=1e-9)
    opposition = float(np.hypot(1 - kalai[0], 1 - kalai[1]))
    assert opposition == pytest.approx(ref["opposition"], abs=1e-9)
