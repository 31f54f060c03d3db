"""sensitivity --posterior: weighted one-at-a-time, no Sobol indices, and it says so."""

from __future__ import annotations

import json

import numpy as np
import pytest

from accord.io import load_scenario
from accord.model import compile_scenario
from accord.uncertainty import compile_uncertainty
from accord.uncertainty.sensitivity import sensitivity

from .helpers import REACTIONS


def test_unit_weights_reproduce_the_plain_one_at_a_time() -> None:
    s = load_scenario(REACTIONS)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    plain = sensitivity(s, "draft-2", samples=4000, sobol_n=64, seed=3, model=m, spec=spec)
    unit = sensitivity(s, "draft-2", samples=4000, sobol_n=64, seed=3, model=m, spec=spec,
                       weigh=lambda p, draw, n: np.ones(n))
    assert [e.assumption for e in unit.tornado] == [e.assumption for e in plain.tornado]
    for a, b in zip(unit.tornado, plain.tornado, strict=True):
        assert a.accept_low == pytest.approx(b.accept_low, abs=1e-12)
        assert a.accept_high == pytest.approx(b.accept_high, abs=1e-12)
        assert a.all_low == pytest.approx(b.all_low, abs=1e-12)
        assert a.all_high == pytest.approx(b.all_high, abs=1e-12)
    assert unit.sobol == [] and any("Sobol indices need independent inputs" in n
                                    for n in unit.notes)


def test_cli_posterior(cli) -> None:
    r = cli("sensitivity", REACTIONS, "--plan", "draft-2", "--posterior", "--samples", "4000",
            "--format", "json")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["posterior"] is True and not d.get("sobol")
    assert any("independent inputs" in n for n in d["notes"])
    assert d["smallest_flip"]  # break-even is still given
