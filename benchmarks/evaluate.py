"""Benchmark: evaluate 10^6 random packages for 4 parties on 20 issues (5 options each).

Times `CompiledModel.utilities` on one core (BLAS/OpenMP threads pinned to 1), best of
several repeats, with peak memory (tracemalloc peak of one call, and the process's ru_maxrss);
then, if NegMAS is installed, a LinearAdditiveUtilityFunction per party evaluating 10^4
outcomes one by one, extrapolated per package, and the ratio.

    .venv/bin/python benchmarks/evaluate.py [--packages 1000000] [--repeats 7] [--negmas 10000]
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from accord.model import CompiledModel, compile_scenario, parse_scenario  # noqa: E402

PARTIES, ISSUES, OPTIONS = 4, 20, 5


def make_model(seed: int = 0) -> CompiledModel:
    """A random scenario through the real pipeline: plain data -> validation -> arrays."""
    rng = np.random.default_rng(seed)
    issues = [
        {"id": f"i{i}", "name": f"Issue {i}", "options": [f"o{k}" for k in range(OPTIONS)]}
        for i in range(ISSUES)
    ]
    prefs = {}
    for p in range(PARTIES):
        prefs[f"p{p}"] = {
            "weights": {f"i{i}": float(w) for i, w in enumerate(rng.random(ISSUES))},
            "values": {
                f"i{i}": {f"o{k}": float(v) for k, v in enumerate(rng.random(OPTIONS))}
                for i in range(ISSUES)
            },
            "red_lines": [{"issue": f"i{p}", "forbid": ["o0"]}],
        }
    data = {
        "scenario": "bench",
        "title": "Benchmark",
        "parties": [{"id": f"p{p}", "name": f"P{p}", "reservation": 0.4} for p in range(PARTIES)],
        "issues": issues,
        "preferences": prefs,
    }
    scenario, _ = parse_scenario(data)
    return compile_scenario(scenario)


def best_of(fn: Callable[[], Any], repeats: int) -> float:
    """Best wall-clock seconds of `repeats` calls."""
    return best_of_both(fn, repeats)[0]


def best_of_both(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds (CPU time is robust to a busy machine)."""
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def traced_peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def maxrss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def negmas_per_package(model: CompiledModel, n: int, repeats: int) -> tuple[float, float] | None:
    """CPU seconds per package for NegMAS (all parties), and the max abs difference."""
    try:
        import warnings

        warnings.filterwarnings("ignore")
        from negmas import LinearAdditiveUtilityFunction, make_issue
    except ImportError:
        return None
    issues = [make_issue(values=list(range(OPTIONS)), name=iid) for iid in model.issue_ids]
    ufuns = [
        LinearAdditiveUtilityFunction(
            values=[
                {k: float(model.values[p, i, k]) for k in range(OPTIONS)}
                for i in range(model.n_issues)
            ],
            weights=[float(w) for w in model.weights[p]],
            issues=issues,
        )
        for p in range(model.n_parties)
    ]
    rng = np.random.default_rng(1)
    x = rng.integers(0, OPTIONS, size=(n, model.n_issues))
    outcomes = [tuple(int(v) for v in row) for row in x]

    def run() -> list[list[float]]:
        return [[float(u(o)) for u in ufuns] for o in outcomes]

    got = np.array(run())
    diff = float(np.abs(got - model.utilities(x)).max())
    return best_of_both(run, repeats)[1] / n, diff


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--negmas", type=int, default=10_000, help="outcomes for NegMAS; 0 skips")
    args = ap.parse_args()

    model = make_model()
    rng = np.random.default_rng(0)
    x = rng.integers(0, OPTIONS, size=(args.packages, ISSUES), dtype=np.int64)
    model.utilities(x[:1000])  # warm up

    rows: list[tuple[str, str]] = []
    t_u, c_u = best_of_both(lambda: model.utilities(x), args.repeats)
    rows.append(
        (
            f"utilities, {args.packages:,} x {PARTIES} parties x {ISSUES} issues",
            f"{t_u * 1e3:7.1f} ms wall, {c_u * 1e3:7.1f} ms CPU "
            f"({args.packages / c_u / 1e6:.1f} M packages per CPU-second)",
        )
    )
    t_a, c_a = best_of_both(lambda: model.accepts(x), max(3, args.repeats // 2))
    rows.append(
        ("accepts (utilities + red lines)", f"{t_a * 1e3:7.1f} ms wall, {c_a * 1e3:7.1f} ms CPU")
    )
    peak = traced_peak(lambda: model.utilities(x))
    rows.append(("tracemalloc peak, one utilities call", f"{peak / 2**20:7.1f} MiB"))
    rows.append(("  (the input packages array, for scale)", f"{x.nbytes / 2**20:7.1f} MiB"))
    peak_a = traced_peak(lambda: model.accepts(x))
    rows.append(("tracemalloc peak, one accepts call", f"{peak_a / 2**20:7.1f} MiB"))
    rows.append(("ru_maxrss of the process so far", f"{maxrss_mb():7.1f} MiB"))
    if args.negmas:
        res = negmas_per_package(model, args.negmas, 3)
        if res is None:
            rows.append(("NegMAS", "not installed"))
        else:
            per, diff = res
            rows.append(
                (
                    f"NegMAS LinearAdditive, {args.negmas:,} outcomes x {PARTIES} ufuns",
                    f"{per * 1e6:7.2f} us CPU per package (max |diff| {diff:.1e})",
                )
            )
            rows.append(
                (
                    f"NegMAS extrapolated to {args.packages:,} packages",
                    f"{per * args.packages:7.1f} s CPU",
                )
            )
            rows.append(
                ("ratio NegMAS / accord, per package (CPU)", f"{per / (c_u / args.packages):7.0f}x")
            )

    import platform

    print(
        f"accord evaluate benchmark: N={args.packages:,} P={PARTIES} I={ISSUES} O={OPTIONS}; "
        f"best of {args.repeats}; numpy {np.__version__}; {platform.machine()}; BLAS/OpenMP "
        f"threads 1; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    width = max(len(r[0]) for r in rows)
    print("-" * (width + 60))
    for name, val in rows:
        print(f"{name:<{width}}  {val}")


if __name__ == "__main__":
    main()
