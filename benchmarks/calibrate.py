"""Calibration: recovery of synthetic truth (Brier scores), and the speed of 10^6 prior draws.

    .venv/bin/python benchmarks/calibrate.py              # both parts
    .venv/bin/python benchmarks/calibrate.py --recovery   # the Brier table only
    .venv/bin/python benchmarks/calibrate.py --speed      # the timing only

Recovery (pinned generator, GEN_SEED): 20 scenarios of 10 issues x 3 options and 3 parties;
priors with Dirichlet concentration 15 around random weights, value sd 0.15 and walk-away
uniform on [0.35, 0.65]; "true" preferences drawn from that prior; reactions (confidence 0.95,
so a reaction is flipped with probability 0.05) to K random plans; predictions of the true
verdicts on 50 held-out plans. Brier score = mean over held-out plans and parties of
(P(accept) - truth)^2. Goals: the posterior beats the prior at every K in {2, 5, 10, 20},
falls as K grows (no rise beyond its paired bootstrap interval), and at K = 20 is >= 40% lower.

Speed: `calibrate` end to end (consistency, revision LPs, posterior) on 10^6 prior draws of a
25-issue, 4-party scenario with 30 observations, on one core. Goal: under 5 s.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np

from accord.calibrate import calibrate
from accord.model import compile_scenario, parse_scenario
from accord.uncertainty import compile_uncertainty
from accord.uncertainty.spec import beta_params

GEN_SEED = 20251201
KS = (2, 5, 10, 20)
N_SCENARIOS = 20
N_HELD_OUT = 50
N_ISSUES, N_OPTIONS, N_PARTIES = 10, 3, 3
CONFIDENCE = 0.95
BOOTSTRAP = 2000


def recovery_case(index: int) -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray]:
    """(scenario data without statements, observed plans, held-out plans, truth verdicts
    (plans, parties) on observed then held-out plans) for scenario `index`."""
    rng = np.random.default_rng([GEN_SEED, index])
    issues = [{"id": f"i{k}", "name": f"i{k}", "options": [f"o{j}" for j in range(N_OPTIONS)]}
              for k in range(N_ISSUES)]
    kmax = max(KS)
    plans = rng.integers(0, N_OPTIONS, (kmax + N_HELD_OUT, N_ISSUES))
    parties, prefs = [], {}
    truth = np.zeros((plans.shape[0], N_PARTIES), dtype=bool)
    for p in range(N_PARTIES):
        pid = f"p{p}"
        w0 = rng.dirichlet(np.ones(N_ISSUES))
        v0 = np.round(rng.uniform(0.05, 0.95, (N_ISSUES, N_OPTIONS)), 3)
        parties.append({"id": pid, "name": pid, "reservation": 0.5})
        prefs[pid] = {
            "weights": {f"i{k}": float(w0[k]) for k in range(N_ISSUES)},
            "values": {f"i{k}": {f"o{j}": float(v0[k, j]) for j in range(N_OPTIONS)}
                       for k in range(N_ISSUES)},
            "uncertainty": {"weights": {"dirichlet": 15}, "values": {"sd": 0.15},
                            "reservation": {"low": 0.35, "high": 0.65}},
        }
        # The truth: one draw from the same prior (the exact distributions, not the tables).
        w = rng.dirichlet(15 * w0 / w0.sum())
        v = np.empty_like(v0)
        for k in range(N_ISSUES):
            for j in range(N_OPTIONS):
                a, b, _ = beta_params(float(v0[k, j]), 0.15)
                v[k, j] = rng.beta(a, b)
        r = rng.uniform(0.35, 0.65)
        u = (w[None, :] * v[np.arange(N_ISSUES)[None, :], plans]).sum(axis=1)
        truth[:, p] = u >= r
    data = {"scenario": f"recovery-{index}", "title": "recovery", "parties": parties,
            "issues": issues, "preferences": prefs,
            "plans": [{"id": f"x{k}", "title": f"x{k}",
                       "choices": {f"i{i}": f"o{plans[k, i]}" for i in range(N_ISSUES)}}
                      for k in range(kmax)]}
    return data, plans[:kmax], plans[kmax:], truth


def reactions(index: int, truth: np.ndarray, k: int) -> list[dict[str, Any]]:
    """Each party's reaction to the first k plans, flipped with probability 1 - CONFIDENCE."""
    rng = np.random.default_rng([GEN_SEED, index, 1])
    flips = rng.random((max(KS), N_PARTIES)) > CONFIDENCE  # the same flips whatever k
    out = []
    for j in range(k):
        for p in range(N_PARTIES):
            says = bool(truth[j, p]) != bool(flips[j, p])
            out.append({"id": f"s{j}-{p}", "by": f"p{p}", "about": f"x{j}", "kind": "reaction",
                        "stance": "accepts" if says else "rejects", "confidence": CONFIDENCE,
                        "text": "synthetic"})
    return out


def recovery(samples: int) -> None:
    prior_b = np.zeros(N_SCENARIOS)
    post_b = np.zeros((len(KS), N_SCENARIOS))
    ess = np.zeros((len(KS), N_SCENARIOS))
    t0 = time.perf_counter()
    for s in range(N_SCENARIOS):
        data, _, held, truth = recovery_case(s)
        y = truth[max(KS):].astype(float)
        for ki, k in enumerate(KS):
            sc, _ = parse_scenario({**data, "statements": reactions(s, truth, k)})
            res = calibrate(sc, samples=samples, seed=s, extra_packages=held)
            n_plans = len(sc.plans)
            q_prior = np.stack([res.posteriors[f"p{p}"].prior_accept[n_plans:]
                                for p in range(N_PARTIES)], axis=1)
            q_post = np.stack([res.posteriors[f"p{p}"].post_accept[n_plans:]
                               for p in range(N_PARTIES)], axis=1)
            prior_b[s] = float(np.mean((q_prior - y) ** 2))
            post_b[ki, s] = float(np.mean((q_post - y) ** 2))
            ess[ki, s] = np.mean([res.posteriors[f"p{p}"].ess for p in range(N_PARTIES)])
    seconds = time.perf_counter() - t0
    rng = np.random.default_rng([GEN_SEED, 99])
    boot = rng.integers(0, N_SCENARIOS, (BOOTSTRAP, N_SCENARIOS))

    def ci(x: np.ndarray) -> tuple[float, float]:
        m = x[boot].mean(axis=1)
        return float(np.quantile(m, 0.025)), float(np.quantile(m, 0.975))

    print(f"recovery: {N_SCENARIOS} scenarios, {samples:,} prior draws each, "
          f"generator seed {GEN_SEED}, {seconds:.1f} s")
    print(f"{'K':>3} | {'prior Brier [95% CI]':>24} | {'posterior Brier [95% CI]':>26} | "
          f"{'reduction [95% CI]':>22} | mean ESS")
    pm = prior_b.mean()
    ok_beats, ok_falls = True, True
    for ki, k in enumerate(KS):
        qm = post_b[ki].mean()
        red_m = 1 - qm / pm
        rb = 1 - post_b[ki][boot].mean(axis=1) / prior_b[boot].mean(axis=1)
        lo, hi = ci(prior_b)
        qlo, qhi = ci(post_b[ki])
        print(f"{k:>3} | {pm:.4f} [{lo:.4f}, {hi:.4f}] | {qm:.4f} [{qlo:.4f}, {qhi:.4f}]   | "
              f"{red_m:6.1%} [{np.quantile(rb, 0.025):.1%}, {np.quantile(rb, 0.975):.1%}] | "
              f"{ess[ki].mean():,.0f}")
        ok_beats &= bool(qm < pm)
        if ki:
            diff = post_b[ki] - post_b[ki - 1]
            _, up = ci(diff)
            ok_falls &= bool(diff.mean() <= 0 or up >= 0)
    red20 = 1 - post_b[-1].mean() / pm
    print(f"goal: posterior beats prior at every K: {'PASS' if ok_beats else 'FAIL'}")
    print(f"goal: falls as K grows (within paired bootstrap intervals): "
          f"{'PASS' if ok_falls else 'FAIL'}")
    print(f"goal: at K = 20 at least 40% lower: {red20:.1%} {'PASS' if red20 >= 0.4 else 'FAIL'}")


def speed_scenario(n_issues: int = 25, n_parties: int = 4, n_options: int = 4,
                   n_plans: int = 10, n_obs: int = 30, seed: int = 0) -> Any:
    rng = np.random.default_rng([GEN_SEED, seed, 7])
    issues = [{"id": f"i{k}", "name": f"i{k}", "options": [f"o{j}" for j in range(n_options)]}
              for k in range(n_issues)]
    parties, prefs = [], {}
    for p in range(n_parties):
        pid = f"p{p}"
        parties.append({"id": pid, "name": pid, "reservation": 0.5})
        prefs[pid] = {
            "weights": {f"i{k}": float(w) for k, w in enumerate(rng.uniform(0.5, 2, n_issues))},
            "values": {f"i{k}": {f"o{j}": float(v) for j, v in
                                 enumerate(np.round(rng.uniform(0.05, 0.95, n_options), 3))}
                       for k in range(n_issues)},
            "uncertainty": {"weights": {"dirichlet": 50}, "values": {"sd": 0.1},
                            "reservation": {"low": 0.4, "high": 0.6}},
        }
    plans = [{"id": f"x{k}", "title": f"x{k}",
              "choices": {f"i{i}": f"o{rng.integers(n_options)}" for i in range(n_issues)}}
             for k in range(n_plans)]
    statements = []
    for j in range(n_obs):
        p, k = j % n_parties, (j // n_parties) % n_plans
        statements.append({"id": f"s{j}", "by": f"p{p}", "about": f"x{k}", "kind": "reaction",
                           "stance": str(rng.choice(["accepts", "rejects", "basis"])),
                           "text": "synthetic"})
    data = {"scenario": "speed", "title": "speed", "parties": parties, "issues": issues,
            "preferences": prefs, "plans": plans, "statements": statements}
    s, _ = parse_scenario(data)
    return s


def speed(samples: int = 1_000_000, seed: int = 7) -> None:
    s = speed_scenario()
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    calibrate(s, samples=65_536, seed=seed, model=m, spec=spec)  # warm the tables and imports
    t0, c0 = time.perf_counter(), time.process_time()
    res = calibrate(s, samples=samples, seed=seed, model=m, spec=spec)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    n_obs = sum(1 for f in res.fits if f.observation.counted)
    print(f"speed: {samples:,} prior draws, {m.n_issues} issues, {m.n_parties} parties, "
          f"{n_obs} counted observations, {len(s.plans)} plans, one core: {seconds:.2f} s wall, "
          f"{cpu:.2f} s CPU (goal 5 s: ratio {seconds / 5:.2f} wall, {cpu / 5:.2f} CPU; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print("  effective samples: " + ", ".join(f"{p} {v.ess:,.0f}"
                                             for p, v in res.posteriors.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recovery", action="store_true")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--samples", type=int, default=1 << 18,
                    help="prior draws per recovery scenario")
    args = ap.parse_args()
    both = not (args.recovery or args.speed)
    if args.recovery or both:
        recovery(args.samples)
    if args.speed or both:
        speed()


if __name__ == "__main__":
    main()
