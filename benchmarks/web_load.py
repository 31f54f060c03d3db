"""Load test of the web workspace: N concurrent clients scoring plans for D seconds on loopback.

Starts a real `accord serve` on a fresh SQLite file (or --database URL), signs in N users
(mediator and delegates of the bundled case), then each client loops on
GET /api/scenarios/{id}/score for the whole duration. Prints request count, throughput,
p50/p95/p99 latency and the error count (any non-200 or transport error).

`--uncached` measures the scoring itself rather than the cache: every client gets its own copy
of the scenario (default: the frozen copy of the bundled case in benchmarks/, so figures stay
comparable as the case changes), the server runs with its score cache off, and a probe
client meanwhile loads a cheap page (GET /api/scenarios/{id}) and reports its latency: the
goal is p95 under 300 ms with 30 scoring clients on 2 cores. It also prints the CPU time of
one uncached scoring (improvement search and references) in this process (goal < 150 ms).

    .venv/bin/python benchmarks/web_load.py                       # 50 clients, 60 s
    .venv/bin/python benchmarks/web_load.py --clients 10 --duration 5
    .venv/bin/python benchmarks/web_load.py --uncached --clients 30 --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load test password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FROZEN = Path(__file__).resolve().parent / "ukraine-2025-frozen.yaml"


def start_server(url: str, port: int, uncached: bool = False) -> subprocess.Popen[bytes]:
    env = dict(os.environ, ACCORD_SCORE_CACHE="0") if uncached else None
    proc = subprocess.Popen([sys.executable, "-m", "accord", "serve", "--database", url,
                             "--port", str(port)], cwd=ROOT, env=env)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def seed(url: str, scenario: Path, users: int) -> None:
    from argon2 import PasswordHasher

    from accord.store import Store

    store = Store(url)
    h = PasswordHasher().hash(PASSWORD)
    for k in range(users):
        store.create_user(f"user{k}", h)
    store.close()


async def signed_in(base: str, name: str, errors: list[str]) -> httpx.AsyncClient | None:
    c = httpx.AsyncClient(base_url=base, timeout=120)
    r = await c.post("/api/session", json={"username": name, "password": PASSWORD})
    if r.status_code != 200:
        errors.append(f"sign-in {r.status_code}")
        await c.aclose()
        return None
    return c


async def client(c: httpx.AsyncClient | None, sid: int, until: float, params: dict[str, str],
                 latencies: list[float], errors: list[str], path: str = "score") -> None:
    if c is None:
        return
    try:
        url = f"/api/scenarios/{sid}" + (f"/{path}" if path else "")
        while time.monotonic() < until:
            t0 = time.perf_counter()
            try:
                r = await c.get(url, params=params)
                ok = r.status_code == 200
            except httpx.HTTPError as exc:
                ok, r = False, None
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - t0)
            if not ok and r is not None:
                errors.append(str(r.status_code))
    finally:
        await c.aclose()


async def run(base: str, sids: list[int], clients: int, duration: float,
              params: dict[str, str], probe: bool = False
              ) -> tuple[list[float], list[str], float, list[float]]:
    latencies: list[float] = []
    cheap: list[float] = []
    errors: list[str] = []
    # Sign in first, one after the other (argon2 is slow by design): the load is scoring.
    sessions = [await signed_in(base, f"user{k}", errors) for k in range(clients)]
    probe_session = await signed_in(base, "user0", errors) if probe else None
    t0 = time.monotonic()
    until = t0 + duration
    jobs = [client(sessions[k], sids[k % len(sids)], until, params, latencies, errors)
            for k in range(clients)]
    if probe:
        jobs.append(client(probe_session, sids[0], until, {}, cheap, errors, path=""))
    await asyncio.gather(*jobs)
    return latencies, errors, time.monotonic() - t0, cheap


def scoring_cpu(scenario: Path, repeats: int = 5) -> float:
    """Least CPU seconds of one uncached scoring, with improvement search and references."""
    from accord.io import load_scenario
    from accord.web.service import run_score

    s = load_scenario(scenario)
    run_score(s, None, True)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        run_score(s, None, True)
        best = min(best, time.process_time() - t0)
    return best


def quantiles(xs: list[float]) -> tuple[list[float], list[float]]:
    ms = sorted(x * 1000 for x in xs)
    return ms, (statistics.quantiles(ms, n=100) if len(ms) >= 2 else [0.0] * 99)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds")
    ap.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    ap.add_argument("--scenario", default=None, help="scenario file (default: ukraine-2025)")
    ap.add_argument("--plan", default=None, help="score only this plan (default: all)")
    ap.add_argument("--no-improvement", action="store_true",
                    help="skip the exact search for a better package (scores only)")
    ap.add_argument("--uncached", action="store_true",
                    help="one scenario copy per client, score cache off, cheap-page probe")
    args = ap.parse_args()

    from accord.io.loader import resolve

    scenario = Path(args.scenario) if args.scenario else (
        FROZEN if args.uncached else resolve("ukraine-2025"))
    tmp = tempfile.mkdtemp(prefix="accord-load-")
    url = args.database or f"sqlite:///{tmp}/load.db"
    seed(url, scenario, args.clients)
    port = free_port()
    proc = start_server(url, port, args.uncached)
    base = f"http://127.0.0.1:{port}"
    try:
        c = httpx.Client(base_url=base, timeout=60)
        r = c.post("/api/session", json={"username": "user0", "password": PASSWORD})
        csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
        sids = []
        for _ in range(args.clients if args.uncached else 1):
            r = c.post("/api/scenarios", json={"text": scenario.read_text(),
                                               "filename": scenario.name}, headers=csrf)
            r.raise_for_status()
            sids.append(r.json()["id"])
        sid = sids[0]
        parties = [p["id"] for p in c.get(f"/api/scenarios/{sid}").json()["scenario"]
                   ["parties"]]
        # Half delegates (own view), half mediators. Members join by invitation in the
        # workspace; the harness writes the memberships straight into the store it seeded.
        from accord.store import Store

        store = Store(url)
        owner = store.user_by_name("user0")
        assert owner is not None
        for k in range(1, args.clients):
            user = store.user_by_name(f"user{k}")
            assert user is not None
            role, party = (("mediator", None) if k % 2 == 0 else
                           ("delegate", parties[k % 2 and (k // 2) % 2]))
            for each in sids:
                store.set_member(each, user.id, role, party, by=owner.id, username=f"user{k}")
        store.close()
        c.get(f"/api/scenarios/{sid}/score").raise_for_status()  # warm the parse cache
        params = {"plan": args.plan} if args.plan else {}
        if args.no_improvement:
            params["improvement"] = "false"
        lat, errors, wall, cheap = asyncio.run(run(base, sids, args.clients, args.duration,
                                                   params, probe=args.uncached))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    lat_ms, q = quantiles(lat)
    print(f"clients {args.clients}, duration {wall:.1f} s, scenario {scenario.name}, "
          f"improvement search {'off' if args.no_improvement else 'on'}, "
          f"{'uncached, one copy per client' if args.uncached else 'cached'}, "
          f"cores {os.cpu_count()}")
    if args.uncached:
        cheap_ms, cq = quantiles(cheap)
        print(f"cheap page GET /api/scenarios/{{id}} while scoring: {len(cheap_ms)} requests, "
              f"p50 {cq[49]:.0f} ms, p95 {cq[94]:.0f} ms (goal < 300), "
              f"max {cheap_ms[-1] if cheap_ms else 0:.0f} ms")
        print(f"one uncached scoring: {scoring_cpu(scenario) * 1000:.0f} ms CPU (goal < 150)")
    print(f"requests {len(lat_ms)}, throughput {len(lat_ms) / wall:.1f}/s")
    print(f"latency ms: p50 {q[49]:.0f}, p95 {q[94]:.0f}, p99 {q[98]:.0f}, "
          f"max {lat_ms[-1] if lat_ms else 0:.0f}")
    print(f"errors {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""))
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
