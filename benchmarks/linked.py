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


def end_to_end(data: dict[str, Any]) -> tuple[float, float, Any]:
    """Wall seconds, CPU seconds of this process (HiGHS runs in-process on one thread, so on a
    shared machine this is the one-core time), and the result."""
    t0, c0 = time.perf_counter(), time.process_time()
    s, _ = parse_scenario(data)
    res = solve(compile_scenario(s), "nash")
    return time.perf_counter() - t0, time.process_time() - c0, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    print(f"Nash, {N_ISSUES} issues x {N_OPTIONS} options, {N_PARTIES} parties: seconds end to "
          "end (validate, compile, solve), one core")
    print(f"{'seed':>4} | {'plain s':>8} {'cpu s':>6} {'proven':>6} | {'linked s':>8} "
          f"{'cpu s':>6} {'proven':>6} {'engine':>6} | cpu ratio")
    plain_t, linked_t, plain_c, linked_c = [], [], [], []
    for seed in range(args.seeds):
        tp, cp, rp = end_to_end(scenario(seed, linked=False))
        tl, cl, rl = end_to_end(scenario(seed, linked=True))
        plain_t.append(tp)
        linked_t.append(tl)
        plain_c.append(cp)
        linked_c.append(cl)
        print(f"{seed:>4} | {tp:8.3f} {cp:6.3f} {str(rp.optimal):>6} | {tl:8.3f} {cl:6.3f} "
              f"{str(rl.optimal):>6} {rl.engine:>6} | {cl / cp:5.2f}x")
    med = statistics.median
    print(f"median wall: plain {med(plain_t):.3f} s, linked {med(linked_t):.3f} s (max "
          f"{max(linked_t):.3f} s)")
    print(f"median cpu:  plain {med(plain_c):.3f} s, linked {med(linked_c):.3f} s (max "
          f"{max(linked_c):.3f} s), ratio {med(linked_c) / med(plain_c):.2f}x")


if __name__ == "__main__":
    main()
