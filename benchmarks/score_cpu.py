"""CPU time of one uncached scoring, as the web workspace scores (issue 17, goal < 150 ms).

Scores every plan of a scenario (default: the frozen copy of the bundled case in benchmarks/)
with the improvement search and the Nash / Kalai-Smorodinsky references, compiling the model
afresh each time, and prints the median and least CPU time (time.process_time: the machine is
shared, so wall time would measure the neighbours).

    .venv/bin/python benchmarks/score_cpu.py
    .venv/bin/python benchmarks/score_cpu.py --repeats 40 --profile
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=FROZEN)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the repeats")
    args = ap.parse_args()
    from accord.io import load_scenario

    s = load_scenario(args.scenario)
    one(s)  # warm-up: imports, HiGHS banner
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
