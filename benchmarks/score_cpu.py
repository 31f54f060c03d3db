"""CPU time of one uncached scoring, as the web workspace scores (issue 17, goal < 150 ms).

Scores every plan of a scenario (default: the frozen copy of the bundled case in benchmarks/)
with the improvement search and the Nash / Kalai-Smorodinsky references, compiling the model
afresh each time, and prints the median and least CPU time (time.process_time: the machine is
shared, so wall time would measure the neighbours).

    .venv/bin/python benchmarks/score_cpu.py
    .venv/bin/python benchmarks/score_cpu.py --repeats 40 --profile
    .venv/bin/python benchmarks/score_cpu.py --compare   # against presolve-off-only settings

`--compare` alternates runs with the small-program HiGHS settings before issue 17 (presolve
off only) and the current `accord.solve.milp.SMALL_OPTIONS`, and prints both and their ratio.
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
    from accord.solve import milp

    now = dict(milp.SMALL_OPTIONS)
    runs: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(repeats):
        for name, options in (("before", {"presolve": "off"}), ("after", now)):
            milp.SMALL_OPTIONS.clear()
            milp.SMALL_OPTIONS.update(options)
            runs[name].append(one(scenario))
    milp.SMALL_OPTIONS.clear()
    milp.SMALL_OPTIONS.update(now)
    med = {k: statistics.median(v) * 1000 for k, v in runs.items()}
    print(f"median CPU before {med['before']:.1f} ms, after {med['after']:.1f} ms, "
          f"ratio {med['after'] / med['before']:.2f} over {repeats} pairs (goal < 150 ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=FROZEN)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the repeats")
    ap.add_argument("--compare", action="store_true",
                    help="alternate with the settings before issue 17 and print the ratio")
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
