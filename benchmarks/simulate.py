"""Benchmark: accord's negotiation engine against NegMAS on the same workloads.

Each workload is N negotiations of R rounds between two time-dependent agents on a Genius
domain (both frameworks read the same XML files). NegMAS runs `SAOMechanism(n_steps=R)` with
its `BoulwareTBNegotiator` (aspiration 1 - t**4), `LinearTBNegotiator` (1 - t) and
`ConcederTBNegotiator` (1 - t**0.25), which propose the least-good package still above the
aspiration and accept offers above it. accord runs `alternating_offers` with Faratin et al.'s
tactics at the same exponents (e = 0.25, 1, 4) and AC_next. Timed: for NegMAS, creating each
mechanism and its agents and running it; for accord, compiling the model, building the bid
space once for the N runs, and the runs. Reading the XML is timed for neither.

Run: .venv/bin/python benchmarks/simulate.py [--n 100] [--rounds 100] [--quick]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from shared_data import missing_reason, shared_data  # noqa: E402

GENIUS = shared_data("genius")
DOMAINS = [  # folder, domain file, profile A, profile B (sizes 180 .. 188,160)
    ("anac2010-ItexvsCypress", "ItexvsCypress_domain.xml", "ItexvsCypress_Itex.xml",
     "ItexvsCypress_Cypress.xml"),
    ("anac2010-EnglandZimbabwe", "EnglandZimbabwe_domain.xml", "England.xml", "Zimbabwe.xml"),
    ("anac2011-Grocery", "Grocery_domain.xml", "Grocery_domain_mary.xml",
     "Grocery_domain_sam.xml"),
    ("anac2011-Camera", "camera_domain.xml", "camera_buyer_utility.xml",
     "camera_seller_utility.xml"),
    ("anac2013-Wholesaler", "Wholesaler-domain.xml", "Wholesaler-prof1.xml",
     "Wholesaler-prof2.xml"),
    ("anac2010-Travel", "travel_domain.xml", "travel_chox.xml", "travel_fanny.xml"),
]
PAIRS = [("boulware", "conceder"), ("linear", "linear")]


def run_accord(folder: str, files: tuple[str, str, str], pair: tuple[str, str], n: int,
               rounds: int) -> tuple[float, float, float]:
    """(seconds, agreement rate, mean agreement round)."""
    from accord.io.genius import import_genius
    from accord.model import compile_scenario
    from accord.negotiate import BidSpace, alternating_offers, make_strategy

    d = GENIUS / folder
    scenario = import_genius(d / files[0], [d / files[1], d / files[2]])
    t0 = time.perf_counter()
    model = compile_scenario(scenario)
    space = BidSpace(model)
    agreed, when = 0, []
    for seed in range(n):
        r = alternating_offers(model, [make_strategy(pair[0]), make_strategy(pair[1])],
                               rounds=rounds, seed=seed, space=space)
        if r.agreement:
            agreed += 1
            when.append(r.rounds)
    sec = time.perf_counter() - t0
    return sec, agreed / n, (sum(when) / len(when) if when else float("nan"))


def run_negmas(folder: str, files: tuple[str, str, str], pair: tuple[str, str], n: int,
               rounds: int) -> tuple[float, float, float]:
    from negmas.gb.negotiators.timebased import (
        BoulwareTBNegotiator,
        ConcederTBNegotiator,
        LinearTBNegotiator,
    )
    from negmas.inout import Scenario
    from negmas.sao import SAOMechanism

    kinds = {"boulware": BoulwareTBNegotiator, "conceder": ConcederTBNegotiator,
             "linear": LinearTBNegotiator}
    d = GENIUS / folder
    s = Scenario.from_genius_files(domain=d / files[0], ufuns=[d / files[1], d / files[2]],
                                   ignore_discount=True)
    if s is None:
        raise RuntimeError(f"NegMAS could not read {folder}")
    t0 = time.perf_counter()
    agreed, when = 0, []
    for _ in range(n):
        m = SAOMechanism(outcome_space=s.outcome_space, n_steps=rounds)
        m.add(kinds[pair[0]](), ufun=s.ufuns[0])
        m.add(kinds[pair[1]](), ufun=s.ufuns[1])
        st = m.run()
        if st.agreement is not None:
            agreed += 1
            when.append(st.step + 1)
    sec = time.perf_counter() - t0
    return sec, agreed / n, (sum(when) / len(when) if when else float("nan"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="negotiations per workload")
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="first pair only")
    args = ap.parse_args()
    if not GENIUS.is_dir():
        sys.exit(f"skipped: {missing_reason(GENIUS)}")
    warnings.filterwarnings("ignore")
    pairs = PAIRS[:1] if args.quick else PAIRS
    from accord.io.genius import import_genius
    from accord.model import compile_scenario
    from accord.negotiate import alternating_offers  # noqa: F401  (imports outside the timing)

    header = (f"{'domain':<26}{'packages':>9}  {'pair':<18}{'accord s':>9}{'NegMAS s':>9}"
              f"{'ratio':>8}  {'agree a/N':>10}  {'round a/N':>11}")
    print(f"{args.n} negotiations x {args.rounds} rounds per workload")
    print(header)
    print("-" * len(header))
    ratios = []
    for folder, *files in DOMAINS:
        f3 = (files[0], files[1], files[2])
        d = GENIUS / folder
        size = compile_scenario(import_genius(d / f3[0], [d / f3[1], d / f3[2]])).size
        for pair in pairs:
            try:
                nm = run_negmas(folder, f3, pair, args.n, args.rounds)
            except Exception as exc:  # a domain NegMAS cannot parse is reported, not fatal
                print(f"{folder:<26}{size:>9}  {'/'.join(pair):<18} NegMAS failed: {exc}")
                continue
            ac = run_accord(folder, f3, pair, args.n, args.rounds)
            ratio = nm[0] / ac[0]
            ratios.append(ratio)
            print(f"{folder:<26}{size:>9}  {'/'.join(pair):<18}{ac[0]:>9.3f}{nm[0]:>9.3f}"
                  f"{ratio:>7.1f}x  {ac[1]:>4.2f}/{nm[1]:<4.2f}  {ac[2]:>5.1f}/{nm[2]:<5.1f}",
                  flush=True)
    if ratios:
        gm = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"geometric mean speed-up (NegMAS time / accord time): {gm:.1f}x "
              f"over {len(ratios)} workloads")


if __name__ == "__main__":
    main()
