"""Uncertainty commands: robustness (Monte Carlo), sensitivity, robust-plan. Thin shells over
`accord.uncertainty`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from accord.cli.common import (
    SEED_MAX,
    TextOrJson,
    check_positive,
    console,
    emit_json,
    err_console,
    fail,
    load,
    parse_parties,
)
from accord.model import Scenario, compile_scenario

ScenarioArg = Annotated[str, typer.Argument(help="Scenario file or bundled name.")]
PlanOpt = Annotated[str, typer.Option("--plan", "-p", help="Plan id.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (same seed, same numbers; "
                                                    "0 .. 2^32-1).", min=0, max=SEED_MAX)]
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", help="Run on a local Dask cluster of this many worker processes.", min=1)]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Run on an existing Dask cluster, e.g. tcp://host:8786.")]
FormatOpt = Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json")]


def register(app: typer.Typer) -> None:
    app.command("robustness")(robustness_cmd)
    app.command("sensitivity")(sensitivity_cmd)
    app.command("robust-plan")(robust_plan_cmd)


# --- shared ------------------------------------------------------------------------------------
def _plan(scenario: Scenario, ref: str, plan: str) -> None:
    if plan not in {p.id for p in scenario.plans}:
        known = ", ".join(p.id for p in scenario.plans) or "none"
        fail(f"{ref}: no plan {plan!r}", f"use --plan with one of: {known}")
    open_issues = scenario.plan(plan).open
    if open_issues:  # Monte Carlo over open issues belongs to a later step
        fail(f"{ref}: plan {plan!r} leaves {', '.join(open_issues)} open, so it is not one "
             "package", f"complete it first: accord solve {ref} --complete {plan}")


def _check_run(samples: int, seed: int, workers: int | None, scheduler: str | None) -> None:
    if samples <= 0:
        fail(f"--samples {samples} must be positive", "use e.g. --samples 100000")
    if seed < 0:
        fail(f"--seed {seed} must be a non-negative integer", "use e.g. --seed 7")
    if workers is not None and scheduler:
        fail("--workers and --scheduler both given", "use one: --workers for a local cluster, "
             "--scheduler for an existing one")
    if workers is not None and workers < 1:
        fail(f"--workers {workers} must be at least 1", "use e.g. --workers 4")


@contextmanager
def _executor(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    if workers is None and not scheduler:
        yield None
        return
    from accord.uncertainty.distributed import dask_executor

    try:
        cm = dask_executor(workers=workers, scheduler=scheduler)
        ex = cm.__enter__()
    except (OSError, TimeoutError) as exc:
        where = f"scheduler {scheduler}" if scheduler else f"a local cluster of {workers} workers"
        fail(f"cannot reach {where}: {exc}",
             "start one with `dask scheduler` and `dask worker tcp://HOST:8786`, or use --workers")
    try:
        yield ex
    finally:
        cm.__exit__(None, None, None)


@contextmanager
def _progress(label: str, fmt: TextOrJson) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, when stderr is a terminal (JSON on stdout stays clean)."""
    if not err_console.is_terminal:
        yield None
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=err_console, transient=True)
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    def phase(text: str) -> None:
        """A new stage: its own words, and an indeterminate bar until it reports counts."""
        bar.update(task, description=text, completed=0, total=None)

    update.phase = phase  # type: ignore[attr-defined]
    with bar:
        yield update


def _ci(lo: float, hi: float) -> str:
    return f"[{lo:.4f}, {hi:.4f}]"


# --- robustness --------------------------------------------------------------------------------
def robustness_cmd(
    scenario: ScenarioArg,
    plan: PlanOpt,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Monte Carlo samples.",
                                         min=1)] = 100_000,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    fmt: FormatOpt = TextOrJson.text,
    posterior: Annotated[bool, typer.Option(
        "--posterior", help="Condition on the parties' stated reactions (statements with a "
        "stance; see accord calibrate).")] = False,
) -> None:
    """How likely each party is to accept a plan, given the uncertainty in its preferences.

    Ctrl-C stops and prints the result so far, labelled partial.

    Examples:

      accord robustness ukraine-2025 --plan us-draft-2025-11-20 --samples 1000000 --seed 7

      accord robustness ukraine-2025 --plan us-draft-2025-11-20 --workers 4 --format json
    """
    from accord.uncertainty import plan_robustness

    s = load(scenario)
    _plan(s, scenario, plan)
    _check_run(samples, seed, workers, scheduler)
    model = compile_scenario(s)
    if posterior:
        _robustness_posterior(s, scenario, plan, samples, seed, workers, scheduler, fmt)
        return
    with _executor(workers, scheduler) as ex, _progress("sampling", fmt) as progress:
        res = plan_robustness(s, plan, samples, seed, model=model, executor=ex,
                              progress=progress)
    if fmt == TextOrJson.json:
        emit_json(res.to_dict())
        return
    d = res.to_dict()
    title = f"{plan}: {res.samples:,} samples, seed {seed}" + (
        f"  PARTIAL ({res.samples:,} of {res.requested:,})" if res.partial else "")
    t = Table("party", "stated", "P(accept)", "95% CI", "utility q05 / q50 / q95", "red line binds",
              title=title)
    for pid in model.party_ids:
        q = d["utility"][pid]["quantiles"]
        rl = d["red_lines"].get(pid)
        t.add_row(pid, "accepts" if d["stated"]["accepts"][pid] else "rejects",
                  f"{d['accept'][pid]:.4f}", _ci(*d["accept_ci95"][pid]),
                  f"{q['q05']:.3f} / {q['q50']:.3f} / {q['q95']:.3f}",
                  "" if rl is None else f"{rl['binds']:.4f} ({', '.join(rl['crossed'])})")
    console.print(t)
    console.print(f"P(all accept) = {d['all_accept']:.4f} {_ci(*d['all_accept_ci95'])}"
                  f"   stated: {'all accept' if d['stated']['all_accept'] else 'not all accept'}")
    if not d["uncertain"]:
        console.print("note: no party has an uncertainty block; the verdicts are the stated ones")
    if res.partial:
        console.print("PARTIAL: stopped early; the figures rest on the samples completed")


def _robustness_posterior(s: Scenario, ref: str, plan: str, samples: int, seed: int,
                          workers: int | None, scheduler: str | None, fmt: TextOrJson) -> None:
    """`robustness --posterior`: the plan's row of `accord calibrate`."""
    from accord.calibrate import NoStances, calibrate

    try:
        with _executor(workers, scheduler) as ex:
            res = calibrate(s, samples=samples, seed=seed, executor=ex)
    except NoStances:
        fail(f"{ref}: --posterior needs statements with a stance",
             "add `stance:` and `about:` to the parties' statements, or drop --posterior")
    d = res.plan_view(plan)
    if fmt == TextOrJson.json:
        emit_json(d)
        return
    t = Table("party", "prior P(accept)", "posterior P(accept)", "95% CI", "",
              title=f"{plan}: {samples:,} prior draws, seed {seed}, conditioned on the reactions")
    for pid in d["status"]:
        post = d["accept"].get(pid)
        ess = d["effective_samples"].get(pid)
        t.add_row(pid, f"{d['prior']['accept'][pid]:.4f}",
                  "contradicted" if post is None else f"{post:.4f}",
                  "" if post is None else _ci(*d["accept_ci95"][pid]),
                  f"ESS {ess:,.0f}" if ess is not None else d["status"][pid])
    console.print(t)
    all_post = "-" if d["all_accept"] is None else f"{d['all_accept']:.4f}"
    console.print(f"P(all accept) = {all_post} (prior {d['prior']['all_accept']:.4f}; products "
                  "over parties)")
    for n in d["notes"]:
        console.print(f"note: {n}")
    for w in d["warnings"]:
        console.print(f"warning: {w}")


# --- sensitivity -------------------------------------------------------------------------------
def sensitivity_cmd(
    scenario: ScenarioArg,
    plan: PlanOpt,
    samples: Annotated[int, typer.Option(
        "--samples", "-n", help="Draws per one-at-a-time point (at most 65536).", min=1,
        max=65536)] = 16384,
    sobol_n: Annotated[int, typer.Option(
        "--sobol-n", help="Base points of the Sobol design (a power of two).", min=2)] = 2048,
    seed: SeedOpt = 0,
    top: Annotated[int, typer.Option("--top", help="Rows of the tornado to show.", min=1)
                   ] = 15,
    fmt: FormatOpt = TextOrJson.text,
    posterior: Annotated[bool, typer.Option(
        "--posterior", help="Weight the draws by the parties' stated reactions (one-at-a-time "
        "and break-even only; see accord calibrate).")] = False,
) -> None:
    """Which assumptions each verdict hangs on: tornado, Sobol indices, and the smallest change
    to one number that flips a verdict.

    Example: accord sensitivity ukraine-2025 --plan us-draft-2025-11-20
    """
    from accord.uncertainty.montecarlo import BLOCK
    from accord.uncertainty.sensitivity import sensitivity

    s = load(scenario)
    _plan(s, scenario, plan)
    if not 0 < samples <= BLOCK:
        fail(f"--samples {samples} is outside 1..{BLOCK}", "use e.g. --samples 16384")
    if sobol_n < 2 or sobol_n & (sobol_n - 1):
        fail(f"--sobol-n {sobol_n} is not a power of two", "use e.g. --sobol-n 2048")
    weigh = None
    if posterior:
        from accord.calibrate.run import NoStances, posterior_weigher
        from accord.uncertainty import compile_uncertainty

        model = compile_scenario(s)
        spec = compile_uncertainty(s, model)
        try:
            weigh = posterior_weigher(s, model, spec)
        except NoStances:
            fail(f"{scenario}: --posterior needs statements with a stance",
                 "add `stance:` and `about:` to the parties' statements, or drop --posterior")
        res = sensitivity(s, plan, samples=samples, sobol_n=sobol_n, seed=seed, model=model,
                          spec=spec, weigh=weigh)
    else:
        res = sensitivity(s, plan, samples=samples, sobol_n=sobol_n, seed=seed)
    d = res.to_dict()
    if posterior:
        d["posterior"] = True
    if fmt == TextOrJson.json:
        emit_json(d)
        return
    t = Table("assumption", "stated", "5% .. 95%", "P(accept) at 5% / 95%", "margin at 5% / 95%",
              title=f"{plan}: tornado (one at a time, others drawn)")
    for e in res.tornado[:top]:
        t.add_row(e.assumption, f"{e.stated:.3f}", f"{e.low:.3f} .. {e.high:.3f}",
                  f"{e.accept_low:.3f} / {e.accept_high:.3f}",
                  f"{e.margin_low:+.3f} / {e.margin_high:+.3f}")
    console.print(t)
    if res.sobol:
        st = Table("target", "input", "first order", "total", title="Sobol indices (top by total)")
        for si in sorted(res.sobol, key=lambda x: -x.total)[:top]:
            st.add_row(si.target, si.input, f"{si.first:.3f} ± {si.first_ci:.3f}",
                       f"{si.total:.3f} ± {si.total_ci:.3f}")
        console.print(st)
    for pid, f in d["smallest_flip"].items():
        verdict = "accepts" if res.stated_accepts[pid] else "rejects"
        if f is None:
            blocked = [x for x in res.flips if x.party == pid and x.kind == "red_line"]
            why = (f"only lifting {blocked[0].assumption.split(': ', 1)[1]} flips it" if blocked
                   else "no single number in range flips it")
            console.print(f"{pid} {verdict} at stated numbers; {why}")
            continue
        sd = f" ({f['in_spreads']:.1f} sd)" if f["in_spreads"] is not None else ""
        console.print(f"{pid} {verdict} at stated numbers; it {f['verdict'].rstrip('s')}s if "
                      f"{f['assumption'].split(': ', 1)[1]} goes from {f['stated']:.3f} to "
                      f"{f['threshold']:.3f} ({f['change']:+.3f}{sd})")
    for note in res.notes:
        console.print(f"note: {note}")


# --- robust plan -------------------------------------------------------------------------------
def robust_plan_cmd(
    scenario: ScenarioArg,
    samples: Annotated[int, typer.Option(
        "--samples", "-n", help="Samples scoring each candidate.", min=1)] = 100_000,
    seed: SeedOpt = 0,
    saa_samples: Annotated[int, typer.Option(
        "--saa-samples", help="Samples in each SAA optimisation (MILP size).", min=1)] = 50,
    replications: Annotated[int, typer.Option(
        "--replications", help="Independent SAA replications.", min=1)] = 2,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Seconds per SAA optimisation (a stopped one still gives its "
                             "best package, marked not proven).")] = 3.0,
    parties: Annotated[str | None, typer.Option(
        "--parties", help="Comma-separated parties that must all accept (default: all).")
                       ] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    fmt: FormatOpt = TextOrJson.text,
    posterior: Annotated[bool, typer.Option(
        "--posterior", help="Optimise and score under the posterior given the parties' stated "
        "reactions (see accord calibrate).")] = False,
) -> None:
    """The package most likely to be accepted by all parties (sample-average approximation),
    and its trade-off against the Nash package.

    Example: accord robust-plan ukraine-2025 --samples 100000 --parties ru,eu
    """
    from accord.uncertainty.montecarlo import BLOCK
    from accord.uncertainty.robust import robust_plan

    s = load(scenario)
    _check_run(samples, seed, workers, scheduler)
    if not 0 < saa_samples <= BLOCK:
        fail(f"--saa-samples {saa_samples} is outside 1..{BLOCK}", "use e.g. --saa-samples 200")
    if replications < 1:
        fail(f"--replications {replications} must be at least 1", "use e.g. --replications 3")
    model = compile_scenario(s)
    check_positive("--time-limit", time_limit, "10")
    chosen = parse_parties(list(model.party_ids), parties)
    if posterior:
        _robust_plan_posterior(s, scenario, samples, seed, saa_samples, replications,
                               time_limit, model, chosen if parties else None, workers,
                               scheduler, fmt)
        return
    try:
        with _executor(workers, scheduler) as ex, _progress("scoring", fmt) as progress:
            res = robust_plan(s, samples=samples, seed=seed, saa_samples=saa_samples,
                              replications=replications, time_limit=time_limit, model=model,
                              parties=chosen if parties is not None else None, executor=ex,
                              progress=progress,
                              phase=getattr(progress, "phase", None))
    except ValueError as exc:
        fail(f"{scenario}: {exc}", "add a plan to the scenario to score, or choose parties "
             "whose red lines leave a package (--parties)")
    d = res.to_dict()
    if fmt == TextOrJson.json:
        emit_json(d)
        return
    title = f"candidates on {d['samples']:,} samples" + ("  PARTIAL" if d["partial"] else "")
    t = Table("candidate", "P(all accept)", "95% CI", *chosen, title=title)
    for c in sorted(d["candidates"], key=lambda c: -c["all_accept"]):
        t.add_row(c["label"] + (" *" if c["label"] == d["best"]["label"] else ""),
                  f"{c['all_accept']:.4f}", _ci(*c["all_accept_ci95"]),
                  *[f"{c['accept'][p]:.3f}" for p in chosen])
    console.print(t)
    ub = d["upper_bound"]
    console.print(f"best: {d['best']['label']}  P(all accept) = {d['all_accept']:.4f}; SAA upper "
                  f"bound {ub['mean']:.4f}" + (f" (95% UCL {ub['ucl95']:.4f})" if ub["ucl95"]
                                               is not None else "")
                  + f"; gap {d['gap']:.4f}")
    if "trade_off" in d:
        tr = d["trade_off"]
        changed = ", ".join(f"{i}: {v['nash']} -> {v['robust']}"
                            for i, v in tr["issues_changed"].items()) or "none"
        console.print(f"vs Nash: P(all accept) {tr['all_accept_gain']:+.4f}; stated utility "
                      + ", ".join(f"{p} {g:+.3f}" for p, g in tr["stated_utility_change"].items())
                      + f"; changes {changed}")
    for note in d["notes"]:
        console.print(f"note: {note}")


def _robust_plan_posterior(s: Scenario, ref: str, samples: int, seed: int, saa_samples: int,
                           replications: int, time_limit: float, model: Any,
                           parties: list[str] | None, workers: int | None,
                           scheduler: str | None, fmt: TextOrJson) -> None:
    from accord.calibrate.observations import observations
    from accord.calibrate.robust import robust_plan_posterior

    if not any(o.kind == "stance" for o in observations(s)):
        fail(f"{ref}: --posterior needs statements with a stance",
             "add `stance:` and `about:` to the parties' statements, or drop --posterior")
    if not s.plans:
        fail(f"{ref}: --posterior needs the plans the statements react to", "add the plans")
    try:
        with _executor(workers, scheduler) as ex:
            d = robust_plan_posterior(s, samples=samples, seed=seed, saa_samples=saa_samples,
                                      replications=replications, time_limit=time_limit,
                                      model=model, parties=parties, executor=ex)
    except ValueError as exc:
        fail(f"{ref}: {exc}", "add a plan to the scenario to score, or choose parties "
             "whose red lines leave a package (--parties)")
    if fmt == TextOrJson.json:
        emit_json(d)
        return
    post = d["posterior"]
    t = Table("candidate", "P(all accept) prior", "posterior", *post["effective_samples"],
              title=f"candidates under the posterior ({samples:,} draws, seed {seed})")
    for c in sorted(post["candidates"], key=lambda c: -(c["all_accept"] or 0.0)):
        t.add_row(c["label"] + (" *" if c["label"] == post["best"] else ""),
                  f"{c['prior_all_accept']:.4f}",
                  "-" if c["all_accept"] is None else f"{c['all_accept']:.4f}",
                  *[f"{c['accept'][p]:.3f}" for p in post["effective_samples"]])
    console.print(t)
    console.print(f"best under the posterior: {post['best']}; scored under the prior: "
                  f"{d['best']['label']}")
    console.print("effective samples: " + ", ".join(
        f"{p} {v:,.0f}" for p, v in post["effective_samples"].items()))
    for note in d["notes"] + post["notes"]:
        console.print(f"note: {note}")
