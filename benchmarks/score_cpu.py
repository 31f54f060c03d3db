"""CPU time of one uncached scoring, as the web workspace scores (issue 17, goal < 150 ms).

Scores every plan of a scenario (default: the frozen copy of the bundled case in benchmarks/)
with the improvement search and the Nash / Kalai-Smorodinsky references, compiling the model
afresh each time, and prints the median and least CPU time (time.process_time: the machine is
shared, so wall time would measure the neighbours).

    .venv/bin/python benchmarks/score_cpu.py --repeats 10
    .venv/bin/python benchmarks/score_cpu.py --repeats 40 --profile
    .venv/bin/python benchmarks/score_cpu.py --compare   # against HiGHS alone

`--compare` alternates runs with HiGHS alone under the small-program settings before issue 17
(presolve off only), HiGHS alone under `accord.solve.milp.SMALL_OPTIONS`, and the current
path (the exact Lagrangian bound and enumeration of `accord.solve.lagrange` first), and
prints the three medians and the ratios.

Measured (2 shared cores, alternating runs of `--repeats 10`, 3 rounds each): before the
bound step (commit 0e4b9fa) median 152 to 156 ms, least 144 to 145 ms; with it median 19 to
29 ms, least 18 to 25 ms. Of what remains (`--profile`), about half is the three plans'
improvement searches (about 4 ms each; 49 ms each with HiGHS alone) and a third the
references' conflict explanation (`accord.solve.conflict.irreducible`, once for Nash and
once for Kalai-Smorodinsky).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

FROZEN = Path(__file__).resolve().parent / "ukraine-2025-frozen.yaml"


def one(scenario: object) -> float:
    from accord.evaluate import analyze

    t0 = time.process_time()
    analyze(scenario, references=True)  # type: ignore[arg-type]
    return time.process_time() - t0


def compare(scenario: object, repeats: int) -> None:
    from accord.solve import lagrange, milp

    now, cap = dict(milp.SMALL_OPTIONS), lagrange.CAP
    setups = {"before": ({"presolve": "off"}, 0), "highs": (now, 0), "now": (now, cap)}
    runs: dict[str, list[float]] = {k: [] for k in setups}
    try:
        for _ in range(repeats):
            for name, (options, enumerate_cap) in setups.items():
                milp.SMALL_OPTIONS.clear()
                milp.SMALL_OPTIONS.update(options)
                lagrange.CAP = enumerate_cap
                runs[name].append(one(scenario))
    finally:
        milp.SMALL_OPTIONS.clear()
        milp.SMALL_OPTIONS.update(now)
        lagrange.CAP = cap
    med = {k: statistics.median(v) * 1000 for k, v in runs.items()}
    print(f"median CPU over {repeats} rounds: HiGHS alone before issue 17 {med['before']:.1f} ms,"
          f" HiGHS alone tuned {med['highs']:.1f} ms, bound and enumeration first "
          f"{med['now']:.1f} ms; ratio now/before {med['now'] / med['before']:.2f} "
          "(goal < 150 ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=FROZEN)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the repeats")
    ap.add_argument("--compare", action="store_true",
                    help="alternate with HiGHS alone (settings before and after issue 17)")
    args = ap.parse_args()
    from accord.io import load_scenario

    s = load_scenario(args.scenario)
    one(s)  # warm-up: imports, HiGHS banner
    if args.compare:
        compare(s, args.repeats)
        return
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
    times = [one(s) for _ in range(args.repeats)]
    if args.profile:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    print(f"uncached scoring of {args.scenario.name}: median {statistics.median(times) * 1000:.1f}"
          f" ms CPU, least {min(times) * 1000:.1f} ms over {args.repeats} (goal < 150)")


if __name__ == "__main__":
    main()
