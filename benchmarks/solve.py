"""Bargaining solutions: accord against NegMAS (same machine, same run), then MILP scaling.

Part 1, for every linear-additive domain in the shared Genius data (ANAC/Genius XML, the four
ANAC 2020 GeniusWeb domains and the 50 ANL 2023 domains) and synthetic domains of 10^3 .. 10^7
packages: seconds for the Pareto frontier and the Nash point in accord and in NegMAS, the
ratio, and whether the results agree. Same utility semantics: NegMAS gets accord's compiled
utilities as linear-additive tables (so Genius's normalisation is applied once, by accord's
importer), and accord gets NegMAS's disagreement point (NegMAS uses max(reserved value, the
party's minimum utility)); both frontiers keep only outcomes at or above the reserved values
(NegMAS's semantics). NegMAS's Nash needs its frontier, so its Nash time includes it.
NegMAS is skipped on sizes where its estimated time (from the last measured rate) exceeds
--negmas-budget seconds; such rows say so.

Part 2: 10, 20, 28, 40 and 60 issues of 5 options, 2 and 4 parties (random tables, walk-away
0.3): seconds to a proven-optimal Nash and Kalai-Smorodinsky package by the MILP engine.

Usage: .venv/bin/python benchmarks/solve.py [--quick] [--negmas-budget 120]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from accord.io.genius import import_genius
from accord.io.geniusweb import import_geniusweb
from accord.model import compile_scenario
from accord.model.compiled import CompiledModel, RedLines
from accord.solve import frontier, solve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from shared_data import missing_reason, shared_data  # noqa: E402

DATA = shared_data("genius")


def synthetic(n_issues: int, n_options: int | list[int], n_parties: int, seed: int = 0,
              reservation: float = 0.0) -> CompiledModel:
    rng = np.random.default_rng(seed)
    opts = [n_options] * n_issues if isinstance(n_options, int) else list(n_options)
    o_max = max(opts)
    padding = np.arange(o_max)[None, :] >= np.array(opts)[:, None]
    values = rng.random((n_parties, n_issues, o_max))
    values[:, padding] = 0.0
    values /= values.max(axis=2, keepdims=True)
    return CompiledModel(
        scenario_id=f"synthetic-{n_issues}x{o_max}-{n_parties}",
        party_ids=tuple(f"p{k}" for k in range(n_parties)),
        issue_ids=tuple(f"i{i}" for i in range(n_issues)),
        options=tuple(tuple(str(o) for o in range(n)) for n in opts),
        raw_options=tuple(tuple(range(n)) for n in opts),
        numeric=np.zeros(n_issues, dtype=bool), n_options=np.array(opts),
        weights=rng.dirichlet(np.ones(n_issues), size=n_parties), values=values,
        red_lines=RedLines.from_masks([f"p{k}" for k in range(n_parties)],
                                      np.zeros((n_parties, n_issues, o_max), dtype=bool), padding),
        padding=padding, reservation=np.full(n_parties, reservation))


def domains() -> list[tuple[str, CompiledModel]]:
    out: list[tuple[str, CompiledModel]] = []
    if not DATA.is_dir():
        print(f"part 1 skipped: {missing_reason(DATA)}")
        return out
    ref = json.loads((DATA / "computed_reference_values.json").read_text())
    for key, entry in ref["bilateral"].items():
        folder = DATA / key.split("/")[0]
        s = import_genius(folder / entry["domain_file"], [folder / p for p in entry["profiles"]])
        out.append((key, compile_scenario(s)))
    for key, entry in ref["bilateral_geniusweb"].items():
        s = import_geniusweb(DATA / key / entry["domain_file"],
                             [DATA / key / p for p in entry["profiles"]])
        out.append((key, compile_scenario(s)))
    anl = DATA / "anl2023-geniusweb"
    for d in sorted(anl.iterdir()):
        s = import_geniusweb(d / f"{d.name}.json", [d / "profileA.json", d / "profileB.json"])
        out.append((f"anl2023-{d.name}", compile_scenario(s)))
    return out


def negmas_ufuns(model: CompiledModel) -> tuple[list[Any], list[Any]]:
    from negmas.outcomes import make_issue
    from negmas.preferences import LinearAdditiveUtilityFunction

    issues = [make_issue(list(model.options[i]), name=iid)
              for i, iid in enumerate(model.issue_ids)]
    ufuns = []
    for p in range(model.n_parties):
        tables = [{o: float(model.values[p, i, k]) for k, o in enumerate(model.options[i])}
                  for i in range(model.n_issues)]
        ufuns.append(LinearAdditiveUtilityFunction(
            values=tables, weights=[float(w) for w in model.weights[p]], issues=issues,
            reserved_value=float(model.reservation[p])))
    return ufuns, issues


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def compare(name: str, model: CompiledModel, run_negmas: bool) -> dict[str, Any]:
    # NegMAS's disagreement: max(reserved value, the party's minimum utility).
    low = np.where(model.padding[None], np.inf, model.table).min(axis=2).sum(axis=1)
    d = np.maximum(model.reservation, low)
    # NegMAS's frontier keeps outcomes at or above each reserved value: so does accord's here.
    t_front, front = timed(lambda: frontier(model, respect_red_lines=False,
                                            individual_rationality=True))
    t_nash, nash = timed(lambda: solve(model, "nash", respect_red_lines=False,
                                       individual_rationality=False, disagreement=d))
    row: dict[str, Any] = {"name": name, "size": model.size, "accord_front": t_front,
                           "accord_nash": t_nash, "points": len(front),
                           "engine": nash.engine}
    if not run_negmas:
        return row
    from negmas.preferences import nash_points, pareto_frontier

    ufuns, issues = negmas_ufuns(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_nf, (nf, _) = timed(lambda: pareto_frontier(ufuns, issues=issues))
        t_nn, nn = timed(lambda: nash_points(ufuns, nf, issues=issues))
    ours = {tuple(np.round(r, 9)) for r in front.utilities}
    theirs = {tuple(np.round(np.asarray(r, dtype=float), 9)) for r in nf}
    nash_ours = math.prod(v - dd for v, dd in zip(nash.packages[0].utilities.values(), d,
                                                   strict=True))
    nash_theirs = math.prod(float(v) - dd for v, dd in zip(nn[0][0], d, strict=True)) \
        if nn else float("nan")
    row.update(negmas_front=t_nf, negmas_nash=t_nf + t_nn, front_agree=ours == theirs,
               nash_agree=abs(nash_ours - nash_theirs) <= 1e-9, negmas_points=len(theirs))
    if ours != theirs and model.n_parties == 2 and model.size <= 2_000_000:
        truth = brute_frontier(model)
        row["front_note"] = (f"brute force: accord {'right' if ours == truth else 'WRONG'}, "
                             f"NegMAS misses {len(truth - theirs)}, adds {len(theirs - truth)}")
    return row


def brute_frontier(model: CompiledModel) -> set[tuple[float, ...]]:
    """Every package's utilities, then a plain two-party sweep (independent of accord.solve)."""
    from accord.solve.enumerate import all_packages

    u = np.round(model.utilities(all_packages(model, limit=2_000_000)), 9)
    u = np.unique(u[(u >= np.round(model.reservation, 9)).all(axis=1)], axis=0)
    order = np.lexsort((-u[:, 1], -u[:, 0]))
    best = -np.inf
    keep = []
    for k in order:
        if u[k, 1] > best:
            keep.append(k)
            best = u[k, 1]
    return {tuple(r) for r in u[keep]}


def print_rows(rows: list[dict[str, Any]]) -> None:
    head = (f"{'domain':34} {'size':>12} {'pts':>5} | {'accord front':>12} {'NegMAS front':>12}"
            f" {'ratio':>8} {'agree':>5} | {'accord Nash':>11} {'NegMAS Nash':>11} {'ratio':>8}"
            f" {'agree':>5}")
    print(head)
    print("-" * len(head))
    for r in rows:
        if "negmas_front" in r:
            fr = r["negmas_front"] / r["accord_front"]
            nr = r["negmas_nash"] / r["accord_nash"]
            print(f"{r['name'][:34]:34} {r['size']:>12,} {r['points']:>5} | "
                  f"{r['accord_front']:>12.4f} {r['negmas_front']:>12.3f} {fr:>8.1f} "
                  f"{'yes' if r['front_agree'] else 'NO':>5} | {r['accord_nash']:>11.4f} "
                  f"{r['negmas_nash']:>11.3f} {nr:>8.1f} {'yes' if r['nash_agree'] else 'NO':>5}")
        else:
            print(f"{r['name'][:34]:34} {r['size']:>12,} {r['points']:>5} | "
                  f"{r['accord_front']:>12.4f} {r.get('note', 'NegMAS not run'):>27} | "
                  f"{r['accord_nash']:>11.4f}")


def summary(rows: list[dict[str, Any]]) -> None:
    both = [r for r in rows if "negmas_front" in r]
    big = [r for r in both if r["size"] >= 100_000]
    for r in both:
        if "front_note" in r:
            print(f"frontier differs on {r['name']}: {r['front_note']}")
    agree_f = sum(r["front_agree"] for r in both)
    agree_n = sum(r["nash_agree"] for r in both)
    print(f"\nagreement: frontier {agree_f}/{len(both)}, Nash {agree_n}/{len(both)}")
    for label, sel in (("all sizes", both), (">= 10^5 packages", big)):
        if sel:
            gf = math.exp(np.mean([math.log(r["negmas_front"] / r["accord_front"]) for r in sel]))
            gn = math.exp(np.mean([math.log(r["negmas_nash"] / r["accord_nash"]) for r in sel]))
            print(f"geometric-mean speed-up, {label} ({len(sel)} domains): frontier {gf:.0f}x, "
                  f"Nash {gn:.0f}x")


def milp_series(quick: bool) -> None:
    print("\nMILP scaling: seconds to a proven-optimal package (HiGHS), 5 options per issue, "
          "walk-away 0.3")
    print(f"{'issues':>6} {'packages':>10} {'parties':>7} | {'Nash s':>8} {'proven':>6} | "
          f"{'KS s':>8} {'proven':>6}")
    for n_i in (10, 20, 28) if quick else (10, 20, 28, 40, 60):
        for n_p in (2, 4):
            m = synthetic(n_i, 5, n_p, seed=n_i * 10 + n_p, reservation=0.3)
            tn, rn = timed(lambda m=m: solve(m, "nash", engine="milp"))
            tk, rk = timed(lambda m=m: solve(m, "ks", engine="milp"))
            print(f"{n_i:>6} {float(5 ** n_i):>10.1e} {n_p:>7} | {tn:>8.3f} "
                  f"{'yes' if rn.optimal else 'NO':>6} | {tk:>8.3f} "
                  f"{'yes' if rk.optimal else 'NO':>6}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer domains and sizes")
    ap.add_argument("--negmas-budget", type=float, default=120.0,
                    help="skip NegMAS where its estimated seconds exceed this")
    args = ap.parse_args()
    cases = domains()
    if args.quick:
        cases = [c for c in cases if not c[0].startswith("anl2023")][:12]
    synth = [(f"synthetic 10^{k} ({k} issues x 10)", synthetic(k, 10, 2, seed=k))
             for k in range(3, 8)]
    rows = []
    rate = None  # NegMAS seconds per package, from the last run
    for name, model in sorted(cases + synth, key=lambda c: c[1].size):
        est = None if rate is None else rate * model.size
        run = est is None or est <= args.negmas_budget
        row = compare(name, model, run)
        if run and "negmas_front" in row:
            rate = max(rate or 0.0, row["negmas_nash"] / model.size) if model.size >= 10_000 \
                else rate
        elif not run:
            row["note"] = f"NegMAS skipped (est. {est:.0f} s)"
        rows.append(row)
    print_rows(rows)
    summary(rows)
    milp_series(args.quick)


if __name__ == "__main__":
    main()
