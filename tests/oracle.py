"""Test helpers shared across folders: the plain-Python oracle and random compiled models.

The oracle evaluates packages straight from a validated Scenario's weight and value dicts: the
one place a second evaluation route is allowed, so that the compiled model can be checked.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from accord.model import CompiledModel, RedLines, Scenario, option_key


def packages(scenario: Scenario) -> list[dict[str, Any]]:
    """Every package as {issue: option as written}, in the model's mixed-radix order."""
    ids = [i.id for i in scenario.issues]
    return [
        dict(zip(ids, combo, strict=True))
        for combo in itertools.product(*(i.options for i in scenario.issues))
    ]


def oracle_utility(scenario: Scenario, pid: str, choices: dict[str, Any]) -> float:
    pref = scenario.preferences[pid]
    return sum(
        pref.weights[i.id] * pref.values[i.id][option_key(choices[i.id])] for i in scenario.issues
    )


def random_model(seed: int, n_parties: int, n_options: list[int], *, red: float = 0.1,
                 res: float = 0.5, quantum: int = 0) -> CompiledModel:
    """A random compiled model: red lines with probability `red` per option (never every option
    of an issue for one party), reservations up to `res`; `quantum` > 0 rounds values to a grid
    to create ties."""
    rng = np.random.default_rng(seed)
    n_i, o_max = len(n_options), max(n_options)
    values = rng.random((n_parties, n_i, o_max))
    if quantum:
        values = np.round(values * quantum) / quantum
    padding = np.arange(o_max)[None, :] >= np.array(n_options)[:, None]
    values[:, padding] = 0.0
    forbidden = (rng.random((n_parties, n_i, o_max)) < red) | padding[None]
    for p in range(n_parties):
        for i in range(n_i):
            if forbidden[p, i, : n_options[i]].all():
                forbidden[p, i, 0] = False
    return CompiledModel(
        scenario_id="random", party_ids=tuple(f"p{k}" for k in range(n_parties)),
        issue_ids=tuple(f"i{i}" for i in range(n_i)),
        options=tuple(tuple(str(o) for o in range(n)) for n in n_options),
        raw_options=tuple(tuple(range(n)) for n in n_options),
        numeric=np.zeros(n_i, dtype=bool), n_options=np.array(n_options),
        weights=rng.dirichlet(np.ones(n_i), size=n_parties), values=values,
        red_lines=RedLines.from_masks([f"p{k}" for k in range(n_parties)], forbidden, padding),
        padding=padding,
        reservation=np.round(rng.random(n_parties) * res, 3))
