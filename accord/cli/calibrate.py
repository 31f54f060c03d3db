"""`accord calibrate`: what the parties' reactions say about our preference numbers. A thin shell
over `accord.calibrate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from accord.calibrate.run import red_line_shift
from accord.cli.common import Format, console, emit_json, fail, load, write_output
from accord.cli.uncertainty import (
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    _check_run,
    _executor,
)
from accord.model import compile_scenario


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate_cmd)


def calibrate_cmd(
    scenario: ScenarioArg,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Prior draws.")] = 100_000,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    suggest: Annotated[int, typer.Option(
        "--suggest", help="Also propose this many packages to float next (a heuristic).")] = 0,
    budget: Annotated[int, typer.Option(
        "--budget", help="Random packages searched for --suggest.")] = 200,
    write_revised: Annotated[Path | None, typer.Option(
        "--write-revised", help="Write a copy of the scenario with the smallest revision "
        "applied, labelled as revised.")] = None,
    fmt: Annotated[Format, typer.Option(
        "--format", "-f", help="text, json or markdown")] = Format.text,
) -> None:
    """Learn from what the parties said: which assumptions their reactions contradict, the
    smallest change that explains them, acceptance given them, and what to float next.

    Examples:

      accord calibrate ukraine-2025 --samples 1000000 --seed 7

      accord calibrate my.yaml --suggest 3 --write-revised my-revised.yaml --format json
    """
    from accord.calibrate import NoStances, calibrate, revised_data
    from accord.io import dump_text

    s = load(scenario)
    _check_run(samples, seed, workers, scheduler)
    if suggest < 0:
        fail(f"--suggest {suggest} must be at least 0", "use e.g. --suggest 3")
    if budget < 0:
        fail(f"--budget {budget} must be at least 0", "use e.g. --budget 200")
    if not s.plans:
        fail(f"{scenario}: no plans", "add the plans the statements react to")
    model = compile_scenario(s)
    try:
        with _executor(workers, scheduler) as ex:
            res = calibrate(s, samples=samples, seed=seed, executor=ex, suggest=suggest,
                            budget=budget, model=model)
    except NoStances:
        fail(f"{scenario}: no statement has a stance",
             "add `stance: accepts|rejects|basis` and `about: PLAN` to the parties' statements")
    if write_revised is not None:
        fmt_out = "json" if str(write_revised).endswith(".json") else "yaml"
        write_output(write_revised, dump_text(revised_data(s, res.revisions), fmt_out),
                     "--write-revised")
    d = res.to_dict()
    if write_revised is not None:
        d["revised_file"] = str(write_revised)
    if fmt == Format.json:
        emit_json(d)
    elif fmt == Format.markdown:
        console.print(markdown(d), soft_wrap=True)
    else:
        _text(d)


def _pct(x: Any) -> str:
    return "-" if x is None else f"{x:.3f}"


def red_line_words(rid: str, e: dict[str, Any]) -> str:
    """E.g. 'the reactions make red line a:x:0 less likely: 0.600 -> 0.310'."""
    if e["posterior"] is None:
        return (f"red line {rid} ({e['owner']}): prior {e['prior']:.3f}; no posterior "
                f"({e['owner']} is contradicted)")
    q, p = e["posterior"], e["prior"]
    return (f"the reactions make red line {rid} ({e['owner']}) {red_line_shift(p, q)}: "
            f"{p:.3f} -> {q:.3f}")


def _text(d: dict[str, Any]) -> None:
    console.print("Observations (does the stated model reproduce each reaction?)")
    for o in d["observations"]:
        what = o["stance"] + (f" {o['issue']}" if "issue" in o else "")
        head = f"  {o['statement']}: {o['party']} {what} {o['plan']} ({o['confidence']:.2f})"
        tail = o["why"] if o["counted"] else \
            f"not counted ({o.get('not_counted', '')}); read alone it {o['why']}"
        console.print(f"{head}: {tail}")
    console.print("Smallest revision (L1 on weights and walk-away, reactions of confidence >= "
                  "0.7, point model):")
    for r in d["revision"].values():
        console.print(f"  {r['words']}" + (f"  (distance {r['distance']:.4f})"
                                           if r["feasible"] and r["changes"] else ""))
    parties = list(d["status"])
    t = Table("plan", *parties, "all",
              title=f"P(accept), prior -> posterior ({d['samples']:,} draws, seed {d['seed']})")
    for plan, row in d["prior"]["accept"].items():
        post = d["posterior"]["accept"][plan]
        t.add_row(plan, *[f"{_pct(row.get(p))} -> {_pct(post.get(p))}" for p in parties],
                  f"{_pct(d['prior']['agreement'][plan])} -> "
                  f"{_pct(d['posterior']['agreement'][plan])}")
    console.print(t)
    ess = ", ".join(f"{p} {v:,.1f}" for p, v in d["effective_samples"].items())
    if ess:
        console.print(f"effective samples: {ess}")
    for pid, rows in d["intervals"].items():
        parts = []
        for name, e in rows.items():
            post = e.get("posterior")
            parts.append(f"{name} [{e['prior'][0]:.3f}, {e['prior'][1]:.3f}]"
                         + (f" -> [{post[0]:.3f}, {post[1]:.3f}]" if post else ""))
        if parts:
            console.print(f"{pid} 90% intervals, prior -> posterior: " + "; ".join(parts))
    for rid, e in d["red_lines"].items():
        console.print(red_line_words(rid, e))
    if d["suggest"]:
        console.print("What to float next (heuristic: expected information gain of one reaction "
                      "of confidence 0.9):")
        for k, sgg in enumerate(d["suggest"], 1):
            acc = ", ".join(f"{p} {q:.2f}" for p, q in sgg["accept"].items())
            console.print(f"  {k}. {sgg['source']}: gain {sgg['information_gain']:.3f} bits; "
                          f"P(accept) {acc}")
            console.print("     " + ", ".join(f"{i}={v}" for i, v in sgg["choices"].items()))
    for n in d["notes"]:
        console.print(f"note: {n}")
    for w in d["warnings"]:
        console.print(f"warning: {w}")
    console.print("note: counted statements are assumed independent given the preferences")


def markdown(d: dict[str, Any]) -> str:
    """The calibration as a Markdown section (also used by `accord report`)."""
    lines = ["## What the reactions tell us", "",
             "| statement | party | plan | stance | confidence | counted | fits | why |",
             "|---|---|---|---|---|---|---|---|"]
    for o in d["observations"]:
        what = o["stance"] + (f" {o['issue']}" if "issue" in o else "")
        why = o["why"] if o["counted"] else o.get("not_counted", "")
        lines.append(f"| {o['statement']} | {o['party']} | {o['plan']} | {what} | "
                     f"{o['confidence']:.2f} | {'yes' if o['counted'] else 'no'} | "
                     f"{'yes' if o['fits'] else '**no**'} | {why} |")
    lines += ["", "**Smallest revision** (L1 on weights and walk-away):", ""]
    lines += [f"- {r['words']}" for r in d["revision"].values()]
    parties = list(d["status"])
    lines += ["", "| plan | " + " | ".join(f"{p} prior / posterior" for p in parties)
              + " | all prior / posterior |",
              "|---" * (len(parties) + 2) + "|"]
    for plan, row in d["prior"]["accept"].items():
        post = d["posterior"]["accept"][plan]
        lines.append(f"| {plan} | " + " | ".join(f"{_pct(row.get(p))} / {_pct(post.get(p))}"
                                                 for p in parties)
                     + f" | {_pct(d['prior']['agreement'][plan])} / "
                     f"{_pct(d['posterior']['agreement'][plan])} |")
    if d["effective_samples"]:
        lines += ["", "Effective samples: " + ", ".join(
            f"{p} {v:,.1f}" for p, v in d["effective_samples"].items()) + f" of {d['samples']:,}."]
    if d["red_lines"]:
        lines += [""] + [f"- {red_line_words(rid, e)}" for rid, e in d["red_lines"].items()]
    for s in d["suggest"]:
        lines.append(f"- float next ({s['source']}, heuristic): gain "
                     f"{s['information_gain']:.3f} bits")
    lines += [""] + [f"- note: {n}" for n in d["notes"]] + \
        [f"- warning: {w}" for w in d["warnings"]]
    return "\n".join(lines) + "\n"
