"""`accord simulate` and `accord tournament`: thin shells over accord.negotiate."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from accord.cli.common import (
    SEED_MAX,
    Format,
    TextOrJson,
    console,
    dumps,
    emit_json,
    err_console,
    fail,
    load,
    parse_parties,
    write_output,
    writing,
)
from accord.model import Scenario, compile_scenario


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_cmd)
    app.command("tournament")(tournament_cmd)


def _strategies(given: str, n: int | None) -> list[str]:
    from accord.negotiate import STRATEGIES

    names = STRATEGIES.names() if given.strip() == "all" else [
        s.strip() for s in given.split(",") if s.strip()]
    for s in names:
        if s not in STRATEGIES.names() and not s.startswith("e="):
            fail(f"--strategies: unknown strategy {s!r}",
                 f"use some of: {', '.join(STRATEGIES.names())}, or e=<number> for a "
                 "time-dependent tactic")
        if s.startswith("e="):
            try:
                from accord.negotiate import make_strategy

                make_strategy(s)
            except (ValueError, KeyError):
                fail(f"--strategies: {s!r} is not a time-dependent tactic",
                     "write e=<positive number>, optionally :k=<number in [0, 1]>")
    if not names:
        fail("--strategies is empty", "name at least one strategy, e.g. boulware,conceder")
    if n is not None and len(names) not in (1, n):
        fail(f"--strategies: {n} parties need {n} strategies (or one for all), "
             f"got {len(names)}", "give one strategy per party, in --parties order")
    return names


def _parties(s: Scenario, given: str | None) -> list[str]:
    from accord.negotiate.tournament import default_parties

    scored = list(s.scored_party_ids)
    if len(scored) < 2:
        fail(f"{s.scenario}: fewer than two parties have preferences, so nobody can negotiate",
             "add a `preferences:` block for at least two parties")
    return parse_parties(scored, given) if given is not None else default_parties(s)


def _check_numbers(rounds: int, discount: float | None, repeat: int) -> None:
    if rounds < 1:
        fail(f"--rounds {rounds}: must be at least 1", "e.g. --rounds 100")
    if discount is not None and not 0.0 < discount <= 1.0:
        fail(f"--discount {discount}: must lie in (0, 1]", "e.g. --discount 0.9, or 1 for none")
    if repeat < 1:
        fail(f"--repeat {repeat}: must be at least 1", "e.g. --repeat 20")


def simulate_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    protocol: Annotated[str, typer.Option(
        "--protocol", help="alternating (two parties), stacked (two or more), single-text, "
        "or auto: alternating for two parties, stacked for more.")] = "auto",
    parties: Annotated[str | None, typer.Option(
        "--parties", help="Comma-separated parties in turn order; default: every party with "
        "preferences (those `solve` requires to agree), in an order drawn per run.")
    ] = None,
    strategies: Annotated[str | None, typer.Option(
        "--strategies", help="One per party (or one for all): boulware, linear, conceder, "
        "tit-for-tat, hardheaded, pareto, or e=<number>; default boulware,conceder for two "
        "parties, linear for all of more.")] = None,
    rounds: Annotated[int, typer.Option("--rounds", help="Deadline in rounds.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (0 .. 2^32-1).", min=0,
                                      max=SEED_MAX)] = 1,
    mediator: Annotated[str | None, typer.Option(
        "--mediator", help="Single text: the party id that drafts (e.g. us).")] = None,
    mediator_strategy: Annotated[str, typer.Option(
        "--mediator-strategy", help="Single text: auto (default: nash where a Nash package "
        "exists, else hill-climbing), nash (estimates each party's preferences from critiques "
        "and comparisons and drafts toward the Nash package of the estimates), hill-climbing, "
        "or annealing.")
    ] = "auto",
    start: Annotated[str | None, typer.Option(
        "--start", help="Single text: plan id of the first draft; default the first plan.")
    ] = None,
    discount: Annotated[float | None, typer.Option(
        "--discount", help="Discount factor d for every party: an agreement at relative time "
        "t is worth d**t of its utility. Overrides each party's own `discount`; default: "
        "each party's own (none: no discounting).")] = None,
    repeat: Annotated[int, typer.Option("--repeat", help="Number of runs.")] = 1,
    private_red_lines: Annotated[bool, typer.Option(
        "--private-red-lines", help="Parties learn each other's red lines only when a "
        "rejection reveals them; default: red lines are declared positions known to all.")
    ] = False,
    trace: Annotated[Path | None, typer.Option(
        "--trace", help="Write every offer or draft as JSON lines to this file.")] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json")
                   ] = TextOrJson.text,
) -> None:
    """Simulate a negotiation: agreement or breakdown, the round, every party's utility, and
    the distance to the Pareto frontier and to the Nash package.

    Examples:

      accord simulate ukraine-2025 --protocol alternating --parties ua,ru
      --strategies boulware,conceder --rounds 100 --seed 1

      accord simulate ukraine-2025 --protocol single-text --mediator us --seed 1

      accord simulate my-scenario.yaml --repeat 100 --format json
    """
    from accord.negotiate import (
        MEDIATORS,
        PROTOCOLS,
        repeat_seeds,
        simulate_many,
        summarize,
    )

    if protocol not in (*PROTOCOLS, "auto"):
        fail(f"--protocol: unknown protocol {protocol!r}",
             f"use one of: auto, {', '.join(PROTOCOLS)}")
    if mediator_strategy not in MEDIATORS and mediator_strategy != "auto":
        fail(f"--mediator-strategy: unknown {mediator_strategy!r}",
             f"use one of: auto, {', '.join(MEDIATORS)}")
    _check_numbers(rounds, discount, repeat)
    s = load(scenario)
    ps = _parties(s, parties)
    if protocol == "auto":
        protocol = "alternating" if len(ps) == 2 else "stacked"
    if protocol == "alternating" and len(ps) != 2:
        fail(f"--protocol alternating is bilateral but {len(ps)} parties were given "
             f"({', '.join(ps)})", "use --protocol stacked, or name two with --parties")
    if strategies is None:
        strategies = "boulware,conceder" if len(ps) == 2 else "linear"
    names = _strategies(strategies, len(ps)) if protocol != "single-text" else []
    mediator_id = "mediator"
    if protocol == "single-text":
        ids = [p.id for p in s.parties]
        if mediator is not None and mediator not in ids:
            fail(f"--mediator: {s.scenario} has no party {mediator!r}",
                 f"use one of: {', '.join(ids)}")
        mediator_id = mediator or next((p.id for p in s.parties if p.role == "mediator"),
                                       "mediator")
    elif mediator is not None:
        fail("--mediator only applies to --protocol single-text",
             "drop --mediator or add --protocol single-text")
    start_choices = None
    if protocol == "single-text":
        plans = {p.id: p for p in s.plans}
        if start is not None and start not in plans:
            fail(f"--start: no plan {start!r} in {s.scenario}",
                 f"use one of: {', '.join(plans) or '(none; omit --start)'}")
        chosen = plans.get(start) if start else (s.plans[0] if s.plans else None)
        start_choices = dict(chosen.choices) if chosen is not None else None
    model = compile_scenario(s).restrict(ps)
    seeds = repeat_seeds(seed, repeat)
    results, ref = simulate_many(model, protocol, names, seeds, rounds=rounds,
                                 discount=discount, scenario=s, mediator=mediator_strategy,
                                 mediator_id=mediator_id, start=start_choices,
                                 record=trace is not None or protocol == "single-text",
                                 private_red_lines=private_red_lines,
                                 shuffle_turns=parties is None)
    lines = [dumps({"run": k, "seed": sd, **e})
             for k, (sd, r) in enumerate(zip(seeds, results, strict=True), start=1)
             for e in r.trace] if trace is not None else []
    if trace is not None:
        write_output(trace, "\n".join(lines) + ("\n" if lines else ""), "--trace")
    summary = summarize(results)
    if fmt == Format.json:
        emit_json({
            "runs": [r.to_dict(trace=protocol == "single-text") for r in results],
            "summary": summary,
            "reference": _ref_dict(ref),
        })
        return
    if repeat == 1:
        if protocol == "single-text":
            _print_single_text(results[0])
        _print_run(1, results[0], model.reservation.tolist(), ref.note)
        return
    disc = any(r.discounted != r.utilities for r in results)
    t = Table("run", "seed", "outcome", "round", *model.party_ids,
              *([f"{p} discounted" for p in model.party_ids] if disc else []),
              "d(frontier)", "d(Nash)")
    for k, r in enumerate(results, start=1):
        t.add_row(str(k), str(r.seed), "agreement" if r.agreement else "breakdown",
                  str(r.rounds), *[f"{r.utilities[p]:.3f}" for p in model.party_ids],
                  *([f"{r.discounted[p]:.3f}" for p in model.party_ids] if disc else []),
                  _fmt(r.metrics.get("frontier_distance")), _fmt(r.metrics.get("nash_distance")))
    console.print(t)
    if ref.note:
        console.print(f"note: {ref.note}", markup=False, highlight=False, soft_wrap=True)
    _print_summary(summary)


def _ref_dict(ref: Any) -> dict[str, Any]:
    return {
        "nash": None if ref.nash is None else dict(zip(ref.parties, map(float, ref.nash),
                                                       strict=True)),
        "frontier_points": int(ref.frontier.shape[0]),
        "note": ref.note or None,
    }


def _fmt(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.3f}"


def _print_run(k: int, r: Any, walkaway: list[float], note: str) -> None:
    head = (f"run {k} (seed {r.seed}, {r.protocol}, {' vs '.join(r.strategies)}): "
            + (f"agreement in round {r.rounds} of {r.max_rounds}" if r.agreement
               else f"breakdown after round {r.rounds} of {r.max_rounds}: {r.reason}"))
    console.print(head, markup=False, highlight=False)
    # Discounting lowers what an agreement is worth by when it came: show it beside the
    # undiscounted utility whenever it differs, as the JSON does.
    discounted = r.discounted != r.utilities
    t = Table("party", "strategy", "utility", *(["discounted"] if discounted else []),
              "walk-away")
    strat = list(r.strategies) if len(r.strategies) == len(r.parties) else \
        [r.strategies[0]] * len(r.parties)
    if r.protocol == "single-text":
        strat = ["(votes)"] * len(r.parties)
    for p, s_, w in zip(r.parties, strat, walkaway, strict=True):
        t.add_row(p, s_, f"{r.utilities[p]:.3f}" + ("" if r.agreement else " (walk-away)"),
                  *([f"{r.discounted[p]:.3f}"] if discounted else []), f"{w:.3f}")
    console.print(t)
    if r.agreement:
        console.print("agreement: " + ", ".join(f"{i}={v}" for i, v in r.choices.items()),
                      markup=False, highlight=False, soft_wrap=True)
    console.print(f"distance to the Pareto frontier: {_fmt(r.metrics.get('frontier_distance'))};"
                  f" to the Nash package: {_fmt(r.metrics.get('nash_distance'))}"
                  + (f" ({note})" if note else ""), markup=False, highlight=False,
                  soft_wrap=True)


def _print_single_text(r: Any) -> None:
    for e in r.trace:
        ev = e.get("event")
        if ev in ("opening", "veto", "revision", "restart", "return"):
            us = ", ".join(f"{p} {u:.3f}" for p, u in e["utilities"].items())
            kind = {"veto": "fixes a veto", "restart": "restart",
                    "return": "back to the best text"}.get(ev, "revision")
            title = ("opening draft" if ev == "opening"
                     else f"draft {e.get('draft', e['round'])} (round {e['round']}, {kind})")
            console.print(f"{title} by {e['drafted_by']}: {us}", markup=False, highlight=False)
            for c in e["changes"]:
                asked = f" (asked by {', '.join(c['asked_by'])})" if c["asked_by"] else ""
                console.print(f"  {c['issue']}: {c['from']} -> {c['to']}{asked}", markup=False,
                              highlight=False)
            if e.get("votes"):
                console.print("  votes: " + ", ".join(f"{p} {v}" for p, v in e["votes"].items()),
                              markup=False, highlight=False)
            if e.get("why"):
                console.print(f"  why: {e['why']}", markup=False, highlight=False)
            for p, c in e["critiques"].items():
                what = {"veto": "vetoes (red line on", "change": "wants changed (",
                        "accept": "accepts"}[c["verdict"]]
                obj = f" {', '.join(c['objections'])})" if c["objections"] else ""
                console.print(f"  {p} {what}{obj}", markup=False, highlight=False)
        elif ev == "deadlock":
            console.print(f"deadlock on {e['issue']}, left open: every option is vetoed ("
                          + "; ".join(f"{p} forbids {', '.join(map(str, o))}"
                                      for p, o in e["vetoed"].items() if o) + ")",
                          markup=False, highlight=False, soft_wrap=True)
        elif ev == "final vote":
            if e.get("open"):
                o = e["open"]
                console.print(f"open: {', '.join(o['issues'])}; over its completions "
                              + "; ".join(f"{p} {lo:.3f}..{hi:.3f}, accepts in "
                                          f"{o['accepts_in'][p]}"
                                          for p, (lo, hi) in o["utility_range"].items()),
                              markup=False, highlight=False, soft_wrap=True)
            console.print("final vote: " + ", ".join(f"{p} {'yes' if y else 'no'}"
                                                     for p, y in e["votes"].items()),
                          markup=False, highlight=False)
    if r.comparisons is not None:
        console.print("comparisons per party: " + ", ".join(f"{p} {n}" for p, n in
                                                            r.comparisons.items()),
                      markup=False, highlight=False)


def _print_summary(summary: dict[str, Any]) -> None:
    console.print(
        f"summary over {summary['runs']} runs: agreement rate {summary['agreement_rate']:.2f}, "
        f"mean rounds {summary['mean_rounds']:.1f}, mean utilities "
        + ", ".join(f"{p} {u:.3f}" for p, u in summary["mean_utilities"].items())
        + f", welfare {_fmt(summary['mean_welfare'])}, "
        f"distance to frontier {_fmt(summary['mean_frontier_distance'])}, "
        f"to Nash {_fmt(summary['mean_nash_distance'])}", markup=False, highlight=False,
        soft_wrap=True)


def tournament_cmd(
    scenarios: Annotated[list[str], typer.Argument(help="Scenario files or bundled names.")],
    strategies: Annotated[str, typer.Option(
        "--strategies", help="Comma-separated strategies, or `all`.")] = "all",
    parties: Annotated[str | None, typer.Option(
        "--parties", help="Parties for every scenario, in turn order; default: every party "
        "with preferences, in an order drawn per run.")] = None,
    repeat: Annotated[int, typer.Option("--repeat", help="Runs per profile and seed.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Base seed (0 .. 2^32-1).", min=0,
                                      max=SEED_MAX)] = 0,
    rounds: Annotated[int, typer.Option("--rounds", help="Deadline in rounds.")] = 100,
    discount: Annotated[float | None, typer.Option(
        "--discount", help="Discount factor for every party, overriding each party's own "
        "`discount`; default: each party's own (none: no discounting).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write one row per run: .csv, or .parquet (needs pyarrow).")
    ] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Worker processes; default every local core.")] = None,
    private_red_lines: Annotated[bool, typer.Option(
        "--private-red-lines", help="Parties learn each other's red lines only when a "
        "rejection reveals them; default: red lines are declared positions known to all.")
    ] = False,
    fmt: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json")
                   ] = TextOrJson.text,
) -> None:
    """Every strategy against every other on every scenario, `--repeat` times: agreement
    rate, rounds, utilities, welfare, distance to Nash and to the frontier.

    Example: accord tournament ukraine-2025 --strategies all --repeat 20 -o results.csv
    """
    from accord.negotiate import tournament

    _check_numbers(rounds, discount, repeat)
    if workers is not None and workers < 1:
        fail(f"--workers {workers}: must be at least 1", "e.g. --workers 2")
    names = _strategies(strategies, None)
    party_lists = []
    for ref in scenarios:
        s = load(ref)
        party_lists.append(_parties(s, parties))
    if output is not None and output.suffix not in (".csv", ".parquet"):
        fail(f"--output {output}: unknown format", "name the file .csv or .parquet")
    if output is not None and output.suffix == ".parquet":
        try:
            import pandas  # noqa: F401
            import pyarrow  # noqa: F401
        except ImportError:
            fail("--output .parquet needs pandas and pyarrow",
                 "pip install pandas pyarrow, or write .csv")
    # Say what runs before it runs: the tournament reports nothing until it is done.
    profiles = sum(len(names) ** len(ps) for ps in party_lists)
    err_console.print(f"running {profiles * repeat:,} negotiations ({profiles:,} strategy "
                      f"profiles x {repeat} repeats, up to {rounds} rounds each) on "
                      f"{workers or 'every local'} worker(s) ...", markup=False,
                      highlight=False)
    res = tournament(scenarios, names, parties=party_lists, repeat=repeat, seeds=(seed,),
                     rounds=rounds, discount=discount, workers=workers,
                     private_red_lines=private_red_lines, shuffle_turns=parties is None)
    if output is not None:
        with writing(output):
            res.write_csv(output)
        err_console.print(f"wrote {len(res.rows)} runs to {output}", markup=False)
    for n in res.notes:
        err_console.print(f"note: {n}", markup=False)
    if fmt == Format.json:
        emit_json({"summary": res.summary, "runs": len(res.rows), "notes": res.notes})
        return
    n_util = max((sum(1 for k in e if k.startswith("utility_")) for e in res.summary),
                 default=0)
    heads = ["scenario", "profile", "runs", "agree", "rounds",
             *[f"u{k}" for k in range(1, n_util + 1)], "welfare", "d(Nash)", "d(frontier)"]
    body = [[Path(e["scenario"]).stem, e["profile"], str(e["runs"]),
             f"{e['agreement_rate']:.2f}", f"{e['mean_rounds']:.1f}",
             *[_fmt(e.get(f"utility_{k}")) for k in range(1, n_util + 1)],
             _fmt(e["welfare"]), _fmt(e["nash_distance"]), _fmt(e["frontier_distance"])]
            for e in res.summary]
    widths = [max(len(r[c]) for r in [heads, *body]) for c in range(len(heads))]
    console.print("Tournament summary", markup=False, highlight=False)
    for r in [heads, *body]:
        console.print("  ".join(x.ljust(w) if c < 2 else x.rjust(w)
                                for c, (x, w) in enumerate(zip(r, widths, strict=True))),
                      markup=False, highlight=False, soft_wrap=True)
