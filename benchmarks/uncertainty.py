"""Monte Carlo throughput: 10^6 samples of a 28-issue, 4-party plan on one core (without, then
with 10 uncertain red lines), and a 10^7-sample run on a local Dask cluster of 1 vs 2 worker
processes (speed-up, identical numbers).

    .venv/bin/python benchmarks/uncertainty.py            # both parts
    .venv/bin/python benchmarks/uncertainty.py --local    # one core only

The synthetic scenario is the worst case for the sampler: every party weights every issue, is
uncertain about weights, values and walk-away, and no chosen option is a fixed 0/1 anchor.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from typing import Any

import numpy as np

from accord.model import compile_scenario, parse_scenario
from accord.uncertainty import compile_uncertainty, monte_carlo


def synthetic(n_issues: int = 28, n_parties: int = 4, n_options: int = 5, seed: int = 0,
              red_lines: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    issues = [{"id": f"i{k}", "name": f"issue {k}", "options": [f"o{j}" for j in range(n_options)]}
              for k in range(n_issues)]
    parties, prefs = [], {}
    for p in range(n_parties):
        pid = f"p{p}"
        parties.append({"id": pid, "name": pid, "reservation": 0.45})
        values = {}
        for k in range(n_issues):
            v = np.round(rng.uniform(0.05, 0.95, n_options), 3)
            v[rng.integers(n_options)] = 1.0
            v[rng.integers(n_options)] = 0.0
            values[f"i{k}"] = {f"o{j}": float(v[j]) for j in range(n_options)}
        prefs[pid] = {
            "weights": {f"i{k}": float(w) for k, w in enumerate(rng.uniform(0.5, 2, n_issues))},
            "values": values,
            "uncertainty": {"weights": {"dirichlet": 50}, "values": {"sd": 0.1},
                            "reservation": {"low": 0.4, "high": 0.5}},
        }
    # the plan picks, per issue, an interior option for everyone where one exists
    choices = {}
    for k in range(n_issues):
        for j in range(n_options):
            if all(0 < prefs[f"p{p}"]["values"][f"i{k}"][f"o{j}"] < 1 for p in range(n_parties)):
                choices[f"i{k}"] = f"o{j}"
                break
        else:
            choices[f"i{k}"] = "o0"
    # uncertain red lines (probability 0.9), round-robin over the parties: every other one on
    # the plan's own option (crossed: drawn and tallied per sample), the rest on another option
    for k in range(red_lines):
        pid, issue = f"p{k % n_parties}", f"i{k}"
        chosen = choices[issue]
        other = next(f"o{j}" for j in range(n_options) if f"o{j}" != chosen)
        prefs[pid].setdefault("red_lines", []).append(
            {"issue": issue, "forbid": [chosen if k % 2 == 0 else other], "probability": 0.9})
    data = {"scenario": "bench", "title": "bench", "parties": parties, "issues": issues,
            "preferences": prefs, "plans": [{"id": "plan", "title": "plan", "choices": choices}]}
    s, _ = parse_scenario(data)
    return s


def local(samples: int = 1_000_000, seed: int = 7, red_lines: int = 0) -> None:
    s = synthetic(red_lines=red_lines)
    m = compile_scenario(s)
    x = m.encode(dict(s.plans[0].choices))
    spec = compile_uncertainty(s, m)
    n_random = sum(len(spec.slots(p, x[None])) for p in range(m.n_parties))
    t0 = time.perf_counter()
    spec.warm(x[None])
    t_tables = time.perf_counter() - t0
    monte_carlo(spec, x[None], 65536, seed)  # warm-up (imports, caches)
    c0, t0 = time.process_time(), time.perf_counter()
    res = monte_carlo(spec, x[None], samples, seed)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    tracemalloc.start()
    monte_carlo(spec, x[None], samples, seed)
    _, peak_traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    o = res.packages[0]
    n_lines = len(spec.uncertain_red_lines())
    print(f"one core: {samples:,} samples, {m.n_issues} issues, {m.n_parties} parties, "
          f"{n_random} random inputs per sample, {n_lines} uncertain red lines")
    print(f"  quantile tables (first build): {t_tables:.2f} s")
    print(f"  Monte Carlo: {secs:.2f} s wall, {cpu:.2f} s CPU "
          f"({samples / secs / 1e6:.2f} M samples/s)")
    print(f"  peak traced allocations: {peak_traced / 2**20:.0f} MiB; max RSS: {rss:.0f} MiB")
    print(f"  P(all accept) = {o.p_all:.5f}; P(agreement) = {o.p_agreement:.5f}; "
          + ", ".join(f"{p} {o.p_accept(p):.4f}" for p in m.party_ids))


def cluster(samples: int = 10_000_000, seed: int = 7) -> None:
    from accord.uncertainty.distributed import dask_executor

    s = synthetic()
    m = compile_scenario(s)
    x = m.encode(dict(s.plans[0].choices))
    spec = compile_uncertainty(s, m).warm(x[None])
    results, times = {}, {}
    for workers in (1, 2):
        with dask_executor(workers=workers) as ex:
            monte_carlo(spec, x[None], 65536 * workers, seed, executor=ex)  # warm the workers
            t0 = time.perf_counter()
            results[workers] = monte_carlo(spec, x[None], samples, seed, executor=ex).to_dict()
            times[workers] = time.perf_counter() - t0
        print(f"dask LocalCluster, {workers} worker process(es): {samples:,} samples in "
              f"{times[workers]:.2f} s")
    print(f"  speed-up 2 vs 1: {times[1] / times[2]:.2f}x; identical numbers: "
          f"{results[1] == results[2]}; P(all accept) = {results[2]['all_accept']:.6f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--local", action="store_true", help="one-core part only")
    ap.add_argument("--cluster", action="store_true", help="Dask part only")
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--cluster-samples", type=int, default=10_000_000)
    ap.add_argument("--red-lines", type=int, default=10,
                    help="uncertain red lines in the second one-core run (issue 14's target)")
    a = ap.parse_args()
    if not a.cluster:
        local(a.samples)
        if a.red_lines:
            local(a.samples, red_lines=a.red_lines)
    if not a.local:
        cluster(a.cluster_samples)
