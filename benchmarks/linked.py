"""Linked constructs at scale: the Nash package of 28 issues x 5 options (7.5 x 10^19
packages) for 4 parties, with 20 random constraints and 10 conditional red lines, proven
optimal by the MILP engine, end to end (validate the plain data, compile, solve) on one core.
The same scenarios without the constraints and red lines give the plain baseline; the ratio is
printed. Target (issue 13): under 2 s per linked solve.

Usage: .venv/bin/python benchmarks/linked.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from accord.model import compile_scenario, parse_scenario
from accord.solve import solve

N_ISSUES, N_OPTIONS, N_PARTIES = 28, 5, 4


def scenario(seed: int, linked: bool) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    issues = [{"id": f"i{i}", "name": f"I{i}", "options": [f"o{k}" for k in range(N_OPTIONS)]}
              for i in range(N_ISSUES)]
    parties = [{"id": f"p{p}", "name": f"P{p}", "reservation": 0.3} for p in range(N_PARTIES)]
    prefs: dict[str, Any] = {}
    for p in range(N_PARTIES):
        values = rng.random((N_ISSUES, N_OPTIONS))
        values /= values.max(axis=1, keepdims=True)
        prefs[f"p{p}"] = {
            "weights": {f"i{i}": float(w) for i, w in enumerate(rng.random(N_ISSUES) + 0.1)},
            "values": {f"i{i}": {f"o{k}": round(float(values[i, k]), 4)
                                 for k in range(N_OPTIONS)} for i in range(N_ISSUES)},
            "red_lines": [],
        }
    data: dict[str, Any] = {"scenario": f"linked-{seed}", "title": "benchmark",
                            "parties": parties, "issues": issues, "preferences": prefs}
    if not linked:
        return data

    def opts(n: int) -> list[str]:
        return [f"o{k}" for k in sorted(rng.choice(N_OPTIONS, size=n, replace=False))]

    constraints = []
    for c in range(20):
        a, b = rng.choice(N_ISSUES, size=2, replace=False)
        constraints.append({"id": f"c{c}", "forbid": {f"i{a}": opts(int(rng.integers(1, 3))),
                                                      f"i{b}": opts(int(rng.integers(1, 3)))}})
    data["constraints"] = constraints
    for r in range(10):
        p = int(rng.integers(N_PARTIES))
        i, *cond = rng.choice(N_ISSUES, size=1 + int(rng.integers(1, 3)), replace=False)
        prefs[f"p{p}"]["red_lines"].append({
            "id": f"rl{r}", "issue": f"i{i}", "forbid": opts(int(rng.integers(1, 3))),
            "unless": {f"i{j}": opts(int(rng.integers(2, 4))) for j in cond},
            "probability": 0.7})
    return data


def end_to_end(data: dict[str, Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    s, _ = parse_scenario(data)
    res = solve(compile_scenario(s), "nash")
    return time.perf_counter() - t0, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    print(f"Nash, {N_ISSUES} issues x {N_OPTIONS} options, {N_PARTIES} parties: seconds end to "
          "end (validate, compile, solve), one core")
    print(f"{'seed':>4} | {'plain s':>8} {'proven':>6} | {'linked s':>8} {'proven':>6} "
          f"{'engine':>6} | ratio")
    plain_t, linked_t = [], []
    for seed in range(args.seeds):
        tp, rp = end_to_end(scenario(seed, linked=False))
        tl, rl = end_to_end(scenario(seed, linked=True))
        plain_t.append(tp)
        linked_t.append(tl)
        print(f"{seed:>4} | {tp:8.3f} {str(rp.optimal):>6} | {tl:8.3f} {str(rl.optimal):>6} "
              f"{rl.engine:>6} | {tl / tp:5.2f}x")
    print(f"median: plain {statistics.median(plain_t):.3f} s, linked "
          f"{statistics.median(linked_t):.3f} s (max {max(linked_t):.3f} s), ratio "
          f"{statistics.median(linked_t) / statistics.median(plain_t):.2f}x")


if __name__ == "__main__":
    main()
