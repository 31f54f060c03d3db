"""Core commands: list, validate, analyze, schema."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from accord.cli.common import Format, TextOrJson, console, emit_json, err_console, fail, load
from accord.evaluate import Analysis, PlanScore, analyze
from accord.io import bundled_names, load_scenario
from accord.model import Scenario


def register(app: typer.Typer) -> None:
    app.command("list")(list_scenarios)
    app.command("validate")(validate)
    app.command("analyze")(analyze_cmd)
    app.command("schema")(schema)


def list_scenarios(
    fmt: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json")
                   ] = TextOrJson.text,
) -> None:
    """List the bundled scenarios.

    Example: accord list
    """
    rows = []
    for name in bundled_names():
        s = load_scenario(name)
        rows.append({"name": name, "title": s.title, "issues": len(s.issues),
                     "parties": len(s.parties), "plans": len(s.plans)})
    if fmt == Format.json:
        emit_json(rows)
        return
    table = Table("name", "title", "issues", "parties", "plans", title="Bundled scenarios")
    for r in rows:
        table.add_row(*(str(r[k]) for k in ("name", "title", "issues", "parties", "plans")))
    console.print(table)


def validate(
    scenarios: Annotated[list[str], typer.Argument(help="Scenario files or bundled names.")],
) -> None:
    """Check scenario files: every problem, one line each, with file, line and field.

    Exit code 2 when any file has an error; warnings alone exit 0.

    Example: accord validate my-scenario.yaml
    """
    bad = False
    for ref in scenarios:
        try:
            load(ref)
        except typer.Exit:
            bad = True
            continue
        err_console.print(f"{ref}: ok", markup=False)
    if bad:
        raise typer.Exit(2)


def analyze_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    plan: Annotated[list[str] | None, typer.Option("--plan", "-p",
                                                   help="Plan id (repeatable); all by default.")
                    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text, json or markdown")
                   ] = Format.text,
    no_improvement: Annotated[bool, typer.Option(
        "--no-improvement",
        help="Skip the exact searches (a better package; the Nash and KS references).")] = False,
) -> None:
    """Score every plan for every party: utility, walk-away, red lines, concessions, and the
    package that would leave everyone better off.

    Examples:

      accord analyze ukraine-2025

      accord analyze ukraine-2025 --plan us-draft-2025-11-20 --format json
    """
    s = load(scenario)
    known = [p.id for p in s.plans]
    for pid in plan or []:
        if pid not in known:
            fail(f"--plan: no plan {pid!r} in {s.scenario}", f"use one of: {', '.join(known)}")
    if not s.preferences:
        fail(f"{scenario}: no party has preferences, so there is nothing to score",
             "add a `preferences:` block for at least one party")
    try:
        result = analyze(s, plan or None, find_improvement=not no_improvement,
                         references=not no_improvement)
    except ValueError as exc:  # e.g. a plan whose open issues have too many completions
        fail(f"{scenario}: {exc}", "leave fewer issues open, or analyse other plans with --plan")
    if fmt == Format.json:
        emit_json(result.to_dict())
    elif fmt == Format.markdown:
        console.print(render_markdown(result), markup=False, highlight=False, soft_wrap=True)
    else:
        render_text(result)


def schema() -> None:
    """Print the scenario format as JSON Schema, for editors.

    Example: accord schema > scenario.schema.json
    """
    doc = Scenario.model_json_schema()
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "accord scenario"
    print(json.dumps(doc, indent=2))


def _fmt_option(v: object) -> str:
    return f"{v:,}" if isinstance(v, int) else str(v)


def render_text(result: Analysis) -> None:
    s = result.scenario
    console.print(Text.assemble((s.title, "bold"), f" ({s.scenario})"))
    if s.note:
        console.print(Text(s.note, style="dim"))
    for score in result.plans:
        _render_plan(score, result)


def _render_plan(score: PlanScore, result: Analysis) -> None:
    verdict = Text("all parties accept", style="green") if score.all_accept else \
        Text("not every party accepts", style="red")
    console.print()
    console.rule(Text.assemble((score.plan_id, "bold"), f": {score.title}"))
    console.print(verdict)
    for line in _linked_lines(score):
        console.print(line, markup=False)
    table = Table("party", "utility", "walk-away", "margin", "verdict")
    for v in score.parties:
        util = f"{v.utility:.3f}" if v.range is None else \
            f"{v.range.low:.3f} to {v.range.high:.3f}"
        word = Text("accepts", style="green") if v.accepts else Text("rejects", style="red")
        if v.verdict is not None:
            word = Text(f"accepts in {v.verdict}", style="green" if v.accepts else "red")
        table.add_row(v.name, util, f"{v.reservation:.3f}", f"{v.margin:+.3f}", word)
    console.print(table)
    for v in score.parties:
        said = "accepts" if v.accepts else "rejects"
        if v.verdict is not None:
            said = f"accepts in {v.verdict} completions"
        console.print(f"  {v.name} {said}: " + "; ".join(v.reasons), markup=False)
    if not score.concessions:
        for line in score.extras.get("notes", []):
            console.print(line)
        return
    conc = Table("issue", "option", *[p for p in score.concessions],
                 title="Concessions (weighted value given up against each party's best option)")
    for iid, opt in score.choices.items():
        conc.add_row(iid, _fmt_option(opt),
                     *[f"{score.concessions[p][iid]:.3f}" for p in score.concessions])
    console.print(conc)
    if score.pareto_efficient is None:
        console.print("Pareto efficiency: not checked.", markup=False)
    elif score.pareto_efficient:
        console.print("Pareto-efficient: no package that crosses no further red line is at least "
                      "as good for all and better for one.", markup=False)
    elif score.improvement is not None:
        imp = score.improvement
        gains = ", ".join(f"{p} {g:+.3f}" for p, g in imp.gains.items())
        changes = "; ".join(f"{i}: {_fmt_option(a)} -> {_fmt_option(b)}"
                            for i, (a, b) in imp.changes.items())
        console.print(Text.assemble(
            ("Not Pareto-efficient.", "yellow"),
            f" Changing {changes} leaves every party at least as well off ({gains})."))
    for line in score.extras.get("notes", []):
        console.print(line)


def _linked_lines(score: PlanScore) -> list[str]:
    """Consent, blocking, agreement and coherence: printed only where they say something."""
    out = []
    if score.violates:
        out.append(f"Incoherent as written: violates constraint(s) {', '.join(score.violates)}; "
                   "scored anyway.")
    if score.open:
        out.append(f"Open issues: {', '.join(score.open)} ({score.completions} valid "
                   f"completions). Agreement (no party blocks) in {score.agreement} of them.")
    elif any(v.consent != "all" for v in score.parties) or \
            score.agreement != score.all_accept:
        out.append("Agreement: no party blocks under its consent." if score.agreement else
                   "No agreement: " + ", ".join(v.id for v in score.parties if v.blocks) +
                   " block(s).")
        for v in score.parties:
            if v.consent != "all":
                scope = "none" if v.consent == "none" else ", ".join(v.consent)
                out.append(f"  {v.name}: consent {scope}; "
                           f"{'blocks' if v.blocks else 'does not block'}.")
    return out


def render_markdown(result: Analysis) -> str:
    s = result.scenario
    out = [f"# {s.title}", ""]
    if s.note:
        out += [f"> {s.note}", ""]
    for score in result.plans:
        out += [f"## {score.plan_id}: {score.title}", "",
                "All parties accept." if score.all_accept else "Not every party accepts.", "",
                *[line + "\n" for line in _linked_lines(score)],
                "| party | utility | walk-away | margin | verdict | reasons |",
                "|---|---:|---:|---:|---|---|"]
        for v in score.parties:
            util = f"{v.utility:.3f}" if v.range is None else \
                f"{v.range.low:.3f} to {v.range.high:.3f}"
            word = ("accepts" if v.accepts else "rejects") if v.verdict is None else \
                f"accepts in {v.verdict}"
            out.append(f"| {v.name} | {util} | {v.reservation:.3f} | {v.margin:+.3f} | "
                       f"{word} | {'; '.join(v.reasons)} |")
        out.append("")
        if score.improvement is not None:
            ch = "; ".join(f"{i}: {_fmt_option(a)} -> {_fmt_option(b)}"
                           for i, (a, b) in score.improvement.changes.items())
            out += [f"Not Pareto-efficient; improvement: {ch}.", ""]
        elif score.pareto_efficient is None:
            out += ["Pareto efficiency: not checked.", ""]
        else:
            out += ["Pareto-efficient: no package that crosses no further red line is at least "
                    "as good for all and better for one.", ""]
    return "\n".join(out)
