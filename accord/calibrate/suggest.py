"""What to float next: the packages whose reaction would tell us the most (a heuristic).

Expected information gain (Lindley 1956; Bayesian experimental design, Chaloner and Verdinelli
1995). For a package x and party p with posterior acceptance probability q, a hypothetical
reaction of confidence c (accepts with probability c if the party accepts, 1 - c if not) has
expected gain H(q) - E[H(q | reaction)], the mutual information between the reaction and the
party's verdict; the package's gain is the sum over parties (reactions are independent given
the preferences, and the parties' posteriors are independent).

Steps:
1. Candidates: the scenario's plans, the bargaining solutions (`accord.solve`), and `budget`
   packages drawn uniformly over the option grid from the seed (the stated search budget).
2. Posterior acceptance q_p(x) for each candidate from the same importance weights.
3. Rank by sum_p [H(q_p) - E H(posterior)] and keep the top K distinct packages.

It is a heuristic: it scores one reaction at a time (myopic), and trusts the model's
observation channel.
"""

from __future__ import annotations

import numpy as np

from accord.model import CompiledModel
from accord.model.compiled import FloatArray, IntArray

HYPOTHETICAL_CONFIDENCE = 0.9
METHODS = ("nash", "ks", "egalitarian", "utilitarian")


def entropy(q: FloatArray) -> FloatArray:
    """Binary entropy in bits, 0 at 0 and 1."""
    q = np.clip(np.asarray(q, dtype=np.float64), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(q * np.log2(q) + (1 - q) * np.log2(1 - q))
    return np.nan_to_num(h, nan=0.0)


def information_gain(q: FloatArray, c: float = HYPOTHETICAL_CONFIDENCE) -> FloatArray:
    """H(q) - E[H(q | reaction)] for a reaction of confidence c, elementwise over q."""
    q = np.clip(np.nan_to_num(np.asarray(q, dtype=np.float64), nan=0.0), 0.0, 1.0)
    says_yes = c * q + (1 - c) * (1 - q)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_yes = np.where(says_yes > 0, c * q / says_yes, 0.0)
        q_no = np.where(says_yes < 1, (1 - c) * q / (1 - says_yes), 0.0)
    return entropy(q) - (says_yes * entropy(q_yes) + (1 - says_yes) * entropy(q_no))


def candidates(model: CompiledModel, plans: IntArray, budget: int, seed: int,
               time_limit: float = 5.0) -> tuple[IntArray, list[str]]:
    """(K, I) distinct candidate packages and a label for each: plans, solutions, random."""
    rows: list[IntArray] = []
    labels: list[str] = []
    seen: set[bytes] = set()

    def add(x: IntArray, label: str) -> None:
        key = np.asarray(x, dtype=np.int64).tobytes()
        if key not in seen:
            seen.add(key)
            rows.append(np.asarray(x, dtype=np.int64))
            labels.append(label)

    for k, x in enumerate(plans):
        add(x, f"plan:{k}")
    try:
        from accord.solve import solve

        for method in METHODS:
            try:
                res = solve(model, method=method, time_limit=time_limit)
            except ValueError:
                continue
            for sp in res.packages[:1]:
                add(np.asarray(sp.package, dtype=np.int64), f"solution:{method}")
    except ImportError:  # the solve extra is not installed: plans and the search only
        pass
    rng = np.random.default_rng([seed, 15])
    for b in range(budget):
        add(rng.integers(0, model.n_options), f"search:{b}")
    return np.stack(rows) if rows else np.zeros((0, model.n_issues), dtype=np.int64), labels


def rank(gain: FloatArray, k: int) -> list[int]:
    """Indices of the k largest gains, ties broken by candidate order."""
    order = np.lexsort((np.arange(gain.size), -gain))
    return [int(i) for i in order[:k]]
