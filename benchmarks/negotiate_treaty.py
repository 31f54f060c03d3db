"""Benchmark: agreement rates of the offer protocols on a 14-issue, 4-party river treaty.

The treaty (tests/negotiate/data/river-treaty.yaml) has 6.1e9 packages, so bids come from
per-issue search, and about 2.1e6 packages that all four parties accept; on every issue each
side's ideal option is another side's red line. Every run is a stacked-offers negotiation
among the four parties with preferences (the parties `accord solve` requires to agree), one
strategy for all, `--n` seeds of `--rounds` rounds. It prints the agreement rate and the mean
utilities per strategy, and the same with the issues of the file in reverse order: order
invariance means the two rows agree within Monte Carlo error. It runs on the accord found on
the import path, so the same command measures an older checkout (PYTHONPATH=...).

Run: .venv/bin/python benchmarks/negotiate_treaty.py [--n 20] [--rounds 100] [--private]
     [--know-utilities]
     [--strategies boulware,linear]
"""

from __future__ import annotations

import argparse
import copy
import inspect
import time
from pathlib import Path

TREATY = Path(__file__).resolve().parent.parent / "tests" / "negotiate" / "data" / \
    "river-treaty.yaml"
STRATEGIES = ("boulware", "linear", "conceder", "pareto")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--private", action="store_true", help="--private-red-lines")
    ap.add_argument("--know-utilities", action="store_true",
                    help="tell every strategy the others' utilities")
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    args = ap.parse_args()

    import numpy as np
    import yaml

    from accord.model import compile_scenario, parse_scenario
    from accord.negotiate import simulate
    from accord.negotiate.space import BidSpace

    data = yaml.safe_load(TREATY.read_text())
    scenario, _ = parse_scenario(data)
    flipped = copy.deepcopy(data)
    flipped["issues"].reverse()
    reversed_, _ = parse_scenario(flipped)
    known = inspect.signature(simulate).parameters
    extra = {k: v for k, v in (("shuffle_turns", True), ("private_red_lines", args.private),
                               ("know_utilities", args.know_utilities)) if k in known}
    print(f"accord.negotiate from {Path(inspect.getfile(simulate)).parent}; options {extra}")
    print(f"{'strategy':<10} {'order':<9} {'agree':>6} {'seconds':>8}  mean utilities")
    for name in args.strategies.split(","):
        for label, sc in (("file", scenario), ("reversed", reversed_)):
            model = compile_scenario(sc)
            space = BidSpace(model)
            t0 = time.perf_counter()
            runs = [simulate(model, "stacked", [name], rounds=args.rounds, seed=sd,
                             space=space, **extra) for sd in range(args.n)]
            secs = time.perf_counter() - t0
            rate = float(np.mean([r.agreement for r in runs]))
            means = {p: float(np.mean([r.utilities[p] for r in runs])) for p in model.party_ids}
            print(f"{name:<10} {label:<9} {rate:>6.2f} {secs:>8.1f}  "
                  + " ".join(f"{p}={u:.3f}" for p, u in means.items()), flush=True)


if __name__ == "__main__":
    main()
