"""Benchmark: single-text mediators side by side, accord's and NegMAS's, on the same domains.

Two-party: every Genius/GeniusWeb folder under ../shared/data/genius that accord loads, first
pair of profiles, up to --max-size packages (the Nash set is found by enumeration). Three to
six parties: a pinned generator (6-10 issues of 3-5 options, weights Dirichlet(1), values
uniform with each issue's best option 1 and worst 0, walk-aways uniform on [0.2, 0.4], no red
lines, consent of all). Each run reports the distance from the final text to the Nash set
(packages whose Nash product is at least 98% of the largest), to the Nash package, to the
Pareto frontier (two parties), agreement, and comparisons per party (one party judging one
candidate against the draft). NegMAS runs `VetoSTMechanism` (random proposals, adopted when
every party finds them better) and `HillClimbingSTMechanism` with its
`BinaryComparatorNegotiator`s for --rounds steps; its comparisons are counted by wrapping
`is_better`; its parties have linear additive utility functions built from accord's compiled
table, so both frameworks mediate between the same preferences. Its final text is scored by
accord and counts as an agreement when every party accepts it (within red lines, at least its
walk-away), the final vote accord's single text takes.

Run: .venv/bin/python benchmarks/mediate.py [--seeds 10] [--multi 20] [--quick]
Two processes sharing the work (this machine has two cores), then one table:
    .venv/bin/python benchmarks/mediate.py --shard 0/2 --rows out/med0.jsonl &
    .venv/bin/python benchmarks/mediate.py --shard 1/2 --rows out/med1.jsonl
    .venv/bin/python benchmarks/mediate.py --merge out/med0.jsonl out/med1.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

GENIUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "genius"
ACCORD = ("nash", "hill-climbing", "annealing")
NEGMAS = ("negmas-veto", "negmas-hill")


def two_party_domains(max_size: int) -> list[tuple[str, Path, Any]]:
    from accord.io.folders import load_folder
    from accord.model import compile_scenario

    folders = sorted(p for p in GENIUS.iterdir() if p.is_dir() and p.name != "anl2023-geniusweb")
    folders += sorted((GENIUS / "anl2023-geniusweb").iterdir())
    out = []
    for f in folders:
        try:
            m = compile_scenario(load_folder(f))
        except Exception:  # a folder accord cannot load is listed as skipped by the caller
            continue
        if m.n_parties < 2 or m.size > max_size:
            continue
        out.append((f.name, f, m.restrict(list(m.party_ids[:2]))))
    return out


def random_model(seed: int, n_parties: int) -> Any:
    """The pinned generator for three to six parties."""
    from accord.model import CompiledModel
    from accord.model.compiled import RedLines

    rng = np.random.default_rng([20, seed, n_parties])
    n_i = int(rng.integers(6, 11))
    n_o = rng.integers(3, 6, size=n_i)
    o_max = int(n_o.max())
    values = rng.random((n_parties, n_i, o_max))
    padding = np.arange(o_max)[None, :] >= n_o[:, None]
    for p in range(n_parties):
        for i in range(n_i):
            v = values[p, i, : n_o[i]]
            values[p, i, : n_o[i]] = (v - v.min()) / (v.max() - v.min())
    values[:, padding] = 0.0
    return CompiledModel(
        scenario_id=f"random-{n_parties}p-{seed}", party_ids=tuple(f"p{k}" for k in
                                                                  range(n_parties)),
        issue_ids=tuple(f"i{i}" for i in range(n_i)),
        options=tuple(tuple(str(o) for o in range(n)) for n in n_o),
        raw_options=tuple(tuple(range(n)) for n in n_o), numeric=np.zeros(n_i, dtype=bool),
        n_options=n_o.astype(np.int64), weights=rng.dirichlet(np.ones(n_i), size=n_parties),
        values=values,
        red_lines=RedLines.from_masks(tuple(f"p{k}" for k in range(n_parties)),
                                      np.zeros((n_parties, n_i, o_max), dtype=bool), padding),
        padding=padding, reservation=rng.uniform(0.2, 0.4, size=n_parties))


def ambiguity(model: Any, top: int = 12, limit: int = 50_000) -> float:
    """How far comparisons can decide the Nash set: the least, over the `top` packages of
    largest Nash product, of the largest factor by which another of them may beat it, over
    every value vector that answers EVERY comparison as the party does (the full ranking of
    the packages: a chain of adjacent comparisons). At most 1/0.98 (1.0204) means some text is
    provably in the Nash set; above, every text may be out of it for values the answers
    cannot rule out, and a mediator that asks only comparisons lands in it by its prior.
    Walk-aways are the larger of the true one and the worst package (what critiques can
    find); inf when the Nash package for those is not in the true Nash set (a walk-away below
    the worst package decides, and no answer shows it). nan above `limit` packages. Per party,
    one linear-fractional program per pair (accord's Estimate.ratios, Charnes-Cooper)."""
    from accord.negotiate.mediation import Estimate
    from accord.solve.enumerate import chunks

    if model.size > limit or model.n_parties != 2:
        return float("nan")
    pk = np.concatenate([x for _, x in chunks(model)])
    u = model.utilities(pk)
    offsets = np.concatenate([[0], np.cumsum(model.n_options)]).astype(np.int64)
    f = int(offsets[-1])
    table = np.where(model.padding[None], np.nan, model.table)
    d = np.maximum(model.reservation, np.nanmin(table, axis=2).sum(axis=1))
    g = u - d
    ok = (g > 0).all(axis=1) & model.within_red_lines(pk).all(axis=1)
    prod = np.where(ok, np.prod(np.maximum(g, 1e-300), axis=1), -1.0)
    cand = [pk[k] for k in np.argsort(-prod, kind="stable")[:top] if prod[k] > 0]
    if not cand:
        return 1.0
    g_true = u - model.reservation
    red_ok = model.within_red_lines(pk).all(axis=1)
    true = np.where((g_true > 0).all(axis=1) & red_ok,
                    np.prod(np.maximum(g_true, 1e-300), axis=1), -1.0)
    k0 = int(np.flatnonzero((pk == cand[0]).all(axis=1))[0])
    if true[k0] < 0.98 * true.max():
        return float("inf")  # the walk-away below the worst package decides: no answer shows it
    if len(cand) < 2:
        return 1.0
    phi = np.zeros((pk.shape[0], f))
    phi[np.arange(pk.shape[0])[:, None], offsets[:-1] + pk] = 1.0
    regret = np.ones((len(cand), len(cand)))
    for p in range(model.n_parties):
        s = np.argsort(-u[:, p], kind="stable")
        ideal = offsets[:-1] + np.nanargmax(table[p], axis=1)
        worst = offsets[:-1] + np.nanargmin(table[p], axis=1)
        e = Estimate(f, ideal)
        for a, b in zip(s[:-1], s[1:], strict=True):
            (e.strict if u[a, p] - u[b, p] > 1e-12 else e.equal).append(phi[a] - phi[b])
        e.fit()
        for k, c in enumerate(cand):
            regret[k] *= [q for q, _ in e.ratios(cand, c, offsets, worst)]
    return float(regret.max(axis=1).min())


def run_accord(model: Any, mediator: str, seed: int, rounds: int) -> tuple[Any, dict[str, int]]:
    from accord.negotiate import simulate

    r = simulate(model, "single-text", mediator=mediator, seed=seed, rounds=rounds)
    u = np.array([r.utilities[p] for p in model.party_ids])
    return (u, r.agreement), dict(r.comparisons or {})


def run_negmas(model: Any, kind: str, seed: int, rounds: int) -> tuple[Any, dict[str, int]]:
    """NegMAS's mediator on the same compiled model: issues of option indices, and linear
    additive utility functions built from the model's table (the same utilities)."""
    import random

    from negmas import LinearAdditiveUtilityFunction, make_issue, make_os
    from negmas.st import BinaryComparatorNegotiator, HillClimbingSTMechanism, VetoSTMechanism

    random.seed(seed)
    np.random.seed(seed % (2**32))
    issues = [make_issue(int(n), name=iid) for iid, n in zip(model.issue_ids, model.n_options,
                                                               strict=True)]
    os_ = make_os(issues)
    counts = [0] * model.n_parties

    class Counting(BinaryComparatorNegotiator):
        k = 0

        def is_better(self, first: Any, second: Any, epsilon: float = 1e-10) -> Any:
            counts[self.k] += 1
            return super().is_better(first, second, epsilon)

    mech_cls = VetoSTMechanism if kind == "negmas-veto" else HillClimbingSTMechanism
    m = mech_cls(outcome_space=os_, n_steps=rounds)
    for k in range(model.n_parties):
        uf = LinearAdditiveUtilityFunction(
            values=[{o: float(model.table[k, i, o]) for o in range(int(n))}
                    for i, n in enumerate(model.n_options)],
            weights=[1.0] * model.n_issues, outcome_space=os_,
            reserved_value=float(model.reservation[k]))
        n = Counting()
        n.k = k
        m.add(n, ufun=uf)
    m.run()
    text = m.state.current_offer
    counts_d = dict(zip(model.party_ids, counts, strict=True))
    if text is None:
        return (model.reservation.copy(), False), counts_d
    x = np.array([int(v) for v in text], dtype=np.int64)
    ok = bool(model.accepts(x)[0].all())
    u = model.utilities(x) if ok else model.reservation.copy()
    return (u, ok), counts_d


def main() -> None:
    from accord.negotiate.metrics import nash_set_distance, reference

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--multi", type=int, default=20, help="random scenarios per party count")
    ap.add_argument("--max-size", type=int, default=2_000_000, help="two-party domains")
    ap.add_argument("--multi-max-size", type=int, default=300_000,
                    help="random scenarios above this size are drawn again (next seed)")
    ap.add_argument("--quick", action="store_true", help="every third domain, 3 seeds")
    ap.add_argument("--no-negmas", action="store_true")
    ap.add_argument("--mediators", default=",".join(ACCORD + NEGMAS),
                    help="comma-separated subset of " + ", ".join(ACCORD + NEGMAS))
    ap.add_argument("--skip-multi", action="store_true", help="two parties only")
    ap.add_argument("--only", default="", help="comma-separated domain names (two parties)")
    ap.add_argument("--verbose", action="store_true", help="a line per domain and mediator")
    ap.add_argument("--shard", default="0/1",
                    help="i/n: run every n-th domain and random scenario from the i-th, so n "
                    "processes share the work; merge their --rows files with --merge")
    ap.add_argument("--rows", type=Path, help="write every run as a JSON line to this file")
    ap.add_argument("--merge", type=Path, nargs="+", help="print the tables of --rows files")
    args = ap.parse_args()
    if args.merge:
        _merge(args.merge)
        return
    warnings.filterwarnings("ignore")
    shard, n_shards = (int(v) for v in args.shard.split("/"))
    seeds = range(3 if args.quick else args.seeds)
    doms = two_party_domains(args.max_size)
    if args.quick:
        doms = doms[::3]
    if args.only:
        doms = [d for d in doms if d[0] in args.only.split(",")]
    print(f"two parties: {len(doms)} domains ({', '.join(d[0] for d in doms)}), "
          f"{len(seeds)} seeds, {args.rounds} rounds")
    doms = doms[shard::n_shards]
    kinds = [k for k in args.mediators.split(",") if k in ACCORD
             or (k in NEGMAS and not args.no_negmas)]
    out = args.rows.open("w") if args.rows else None
    rows: dict[str, list[tuple[float, float, float, bool, int]]] = {k: [] for k in kinds}
    t0 = time.perf_counter()

    def record(group: str, name: str, kind: str, sd: int, row: tuple[Any, ...],
               cpu: float, amb: float = float("nan")) -> None:
        if out is not None:
            out.write(json.dumps({"group": group, "domain": name, "mediator": kind, "seed": sd,
                                  "d_set": row[0], "d_nash": row[1], "d_front": row[2],
                                  "agree": bool(row[3]), "cmp": int(row[4]), "cpu": cpu,
                                  "ambiguity": amb}) + "\n")
            out.flush()

    for name, _folder, model in doms:
        ref = reference(model)
        amb = ambiguity(model)
        for kind in kinds:
            for sd in seeds:
                c0 = time.process_time()
                try:
                    if kind in ACCORD:
                        (u, ok), cmp_ = run_accord(model, kind, sd, args.rounds)
                    else:
                        (u, ok), cmp_ = run_negmas(model, kind, sd, args.rounds)
                except Exception as exc:  # reported, not fatal: one domain NegMAS cannot read
                    print(f"  {name} {kind}: failed ({str(exc)[:60]})")
                    break
                dset, dnash = nash_set_distance(model, u)
                front = float(np.linalg.norm(ref.frontier - u, axis=1).min()) \
                    if ref.frontier.size else float("nan")
                row = (dset, dnash, front, ok, max(cmp_.values(), default=0))
                rows[kind].append(row)
                record("two", name, kind, sd, row, time.process_time() - c0, amb)
            if args.verbose and rows[kind]:
                mine = np.array([r[:3] for r in rows[kind][-len(seeds):]], dtype=float)
                print(f"  {name:<34}{kind:<15}d(set) {np.nanmean(mine[:, 0]):.3f} "
                      f"max {np.nanmax(mine[:, 0]):.3f} d(front) {np.nanmean(mine[:, 2]):.3f} "
                      f"cmp {max(r[4] for r in rows[kind][-len(seeds):])}", flush=True)
    _table("two parties (Genius)", rows)
    if args.skip_multi:
        print(f"total {time.perf_counter() - t0:.0f} s")
        return
    multi: dict[str, list[tuple[float, float, float, bool, int]]] = {k: [] for k in kinds}
    k_all = 0
    for n_p in range(3, 7):
        want, sd = (args.multi if not args.quick else max(1, args.multi // 4)), 0
        models = []
        while len(models) < want:
            model = random_model(sd, n_p)
            sd += 1
            if model.size <= args.multi_max_size:
                models.append((sd - 1, model))
        for sd, model in models:
            k_all += 1
            if (k_all - 1) % n_shards != shard:
                continue
            for kind in kinds:
                c0 = time.process_time()
                if kind in ACCORD:
                    (u, ok), cmp_ = run_accord(model, kind, sd, args.rounds)
                else:
                    (u, ok), cmp_ = run_negmas(model, kind, sd, args.rounds)
                dset, dnash = nash_set_distance(model, u)
                row = (dset, dnash, float("nan"), ok, max(cmp_.values()))
                multi[kind].append(row)
                record("multi", f"{n_p}p-{sd}", kind, sd, row, time.process_time() - c0)
                if args.verbose:
                    print(f"  {n_p}p seed {sd:<3} {kind:<15}d(set) {dset:.3f} agree {ok} "
                          f"cmp {row[4]}", flush=True)
    per = args.multi if not args.quick else max(1, args.multi // 4)
    _table(f"three to six parties (pinned generator, {per} per party count, up to "
           f"{args.multi_max_size:.0e} packages)",
           multi)
    print(f"total {time.perf_counter() - t0:.0f} s")


def _merge(files: list[Path]) -> None:
    """The tables of several shards' --rows files, and each mediator's CPU per run."""
    recs = [json.loads(line) for f in files for line in f.read_text().splitlines() if line]
    for group, title in (("two", "two parties (Genius)"),
                         ("multi", "three to six parties (pinned generator)")):
        rows: dict[str, list[tuple[float, float, float, bool, int]]] = {}
        for r in recs:
            if r["group"] == group:
                rows.setdefault(r["mediator"], []).append(
                    (r["d_set"], r["d_nash"], r["d_front"], r["agree"], r["cmp"]))
        n_dom = len({r["domain"] for r in recs if r["group"] == group})
        _table(f"{title}: {n_dom} domains or scenarios", rows)
        if group != "two":
            continue
        amb = {r["domain"]: r.get("ambiguity", float("nan")) for r in recs
               if r["group"] == "two"}
        clear = {k for k, v in amb.items() if v == v and v <= 1 / 0.98 + 1e-9}
        unclear = {k for k, v in amb.items() if v == v and v > 1 / 0.98 + 1e-9}
        for label, keep in (("where every comparison answered decides the Nash set "
                             f"({len(clear)} domains)", clear),
                            (f"where it cannot ({len(unclear)} domains: "
                             + ", ".join(sorted(unclear)) + ")", unclear)):
            sub: dict[str, list[tuple[float, float, float, bool, int]]] = {}
            for r in recs:
                if r["group"] == "two" and r["domain"] in keep:
                    sub.setdefault(r["mediator"], []).append(
                        (r["d_set"], r["d_nash"], r["d_front"], r["agree"], r["cmp"]))
            _table(f"{title}, {label}", sub)
    _paired(recs)
    cpu: dict[str, list[float]] = {}
    for r in recs:
        cpu.setdefault(r["mediator"], []).append(r["cpu"])
    print("\nCPU per run: " + ", ".join(f"{k} {np.mean(v):.2f} s" for k, v in cpu.items()))
    two = [r for r in recs if r["group"] == "two" and r["mediator"] == "nash"]
    if two:
        print("\nworst two-party domains for nash (mean d(set) over seeds):")
        by: dict[str, list[float]] = {}
        for r in two:
            by.setdefault(r["domain"], []).append(r["d_set"])
        worst = sorted(((k, v) for k, v in by.items() if np.isfinite(v).any()),
                       key=lambda kv: -np.nanmean(kv[1]))[:8]
        for name, v in worst:
            print(f"  {name:<34}{np.nanmean(v):.3f}  (max {np.nanmax(v):.3f}, {len(v)} runs)")


def _paired(recs: list[dict[str, Any]], resamples: int = 10_000) -> None:
    """nash's mean distance to the Nash set, and its share of runs within 0.05 of it, minus
    every other mediator's, on the same runs (domain and seed), with a 95% interval from a
    bootstrap over domains (seeds of one domain are not independent)."""
    rng = np.random.default_rng(0)
    for group in ("two", "multi"):
        by: dict[tuple[str, int], dict[str, float]] = {}
        for r in recs:
            if r["group"] == group and r["d_set"] == r["d_set"]:
                by.setdefault((r["domain"], r["seed"]), {})[r["mediator"]] = r["d_set"]
        others = sorted({m for v in by.values() for m in v} - {"nash"})
        for other in others:
            for what, f in (("mean d(Nash set)", lambda a, b: a - b),
                            ("share within 0.05", lambda a, b: float(a <= 0.05)
                             - float(b <= 0.05))):
                pairs = [(k[0], f(v["nash"], v[other])) for k, v in by.items()
                         if "nash" in v and other in v]
                if not pairs:
                    continue
                doms = sorted({d for d, _ in pairs})
                per = {d: [x for d2, x in pairs if d2 == d] for d in doms}
                sums = np.array([sum(per[d]) for d in doms])
                counts = np.array([len(per[d]) for d in doms])
                pick = rng.integers(len(doms), size=(resamples, len(doms)))
                boot = sums[pick].sum(axis=1) / counts[pick].sum(axis=1)
                lo, hi = np.percentile(boot, [2.5, 97.5])
                print(f"{group}: {what}, nash - {other}: {sums.sum() / counts.sum():+.3f} "
                      f"[{lo:+.3f}, {hi:+.3f}] over {counts.sum()} paired runs")


def _table(title: str, rows: dict[str, list[tuple[float, float, float, bool, int]]]) -> None:
    """Means over runs; the share within 0.05 of the Nash set counts the runs whose domain has
    one (anac2012-FiftyFifty has no package that gives both parties a gain)."""
    print(f"\n{title}")
    head = (f"{'mediator':<15}{'runs':>6}{'agree':>7}{'d(Nash set)':>13}{'<=0.05':>8}"
            f"{'d(Nash)':>9}{'d(front)':>10}{'cmp/party':>11}{'max cmp':>9}")
    print(head)
    print("-" * len(head))
    for kind, r in rows.items():
        if not r:
            continue
        a = np.array([x[:3] for x in r], dtype=float)
        ok = np.array([x[3] for x in r])
        c = np.array([x[4] for x in r])
        print(f"{kind:<15}{len(r):>6}{ok.mean():>7.2f}{np.nanmean(a[:, 0]):>13.3f}"
              f"{(a[np.isfinite(a[:, 0]), 0] <= 0.05).mean():>8.2f}{np.nanmean(a[:, 1]):>9.3f}"
              f"{np.nanmean(a[:, 2]) if np.isfinite(a[:, 2]).any() else float('nan'):>10.3f}"
              f"{c.mean():>11.0f}{c.max():>9}")


if __name__ == "__main__":
    main()
