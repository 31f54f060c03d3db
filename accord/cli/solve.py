"""Bargaining solutions, the Pareto frontier, and Genius / GeniusWeb import and export."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table
from rich.text import Text

from accord.cli.common import (
    Format,
    TextOrJson,
    check_positive,
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
from accord.model import CompiledModel, Scenario, compile_scenario


class Method(StrEnum):
    nash = "nash"
    ks = "ks"
    egalitarian = "egalitarian"
    utilitarian = "utilitarian"
    maxmin_gain = "maxmin-gain"


class Engine(StrEnum):
    auto = "auto"
    enumeration = "enumeration"
    milp = "milp"
    dp = "dp"


import_app = typer.Typer(name="import", help="Import negotiation domains (Genius XML, GeniusWeb "
                         "JSON) as accord scenarios.", no_args_is_help=True)
export_app = typer.Typer(name="export", help="Export a scenario to other tools' formats.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the app."""
    app.command("solve")(solve_cmd)
    app.command("frontier")(frontier_cmd)
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")


def _fmt(v: object) -> str:
    return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)


def _disagreement(text: str | None, parties: list[str]) -> dict[str, float] | None:
    if not text:
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        key, sep, val = part.partition("=")
        if not sep:
            fail(f"--disagreement: {part!r} is not party=value", "write e.g. ua=0.4,ru=0.45")
        try:
            out[key.strip()] = float(val)
        except ValueError:
            fail(f"--disagreement: {val!r} is not a number", "write e.g. ua=0.4,ru=0.45")
    unknown = [p for p in out if p not in parties]
    if unknown:
        fail(f"--disagreement: {', '.join(unknown)} is not a party being solved",
             f"give values for: {', '.join(parties)}")
    bad = [f"{p}={v:g}" for p, v in out.items() if not 0.0 <= v <= 1.0]
    if bad:
        fail(f"--disagreement: {', '.join(bad)} is outside [0, 1]",
             "give each party's walk-away utility on the 0-1 scale, e.g. ua=0.4,ru=0.45")
    missing = [p for p in parties if p not in out]
    if missing:
        fail(f"--disagreement lacks {', '.join(missing)}", "give a value for every party solved")
    return out


def solve_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    method: Annotated[Method, typer.Option("--method", "-m", help="Solution concept.")
                      ] = Method.nash,
    parties: Annotated[str | None, typer.Option(help="Comma-separated party ids whose "
                                                     "utilities the objective uses; the "
                                                     "bargaining set (consent `all`) by "
                                                     "default. Every binding red line holds "
                                                     "whatever the choice.")] = None,
    top: Annotated[int, typer.Option(help="The K best distinct packages.", min=1)] = 1,
    complete: Annotated[str | None, typer.Option(
        "--complete", help="Plan id: optimise only the issues it leaves open, keeping its "
                           "other choices.")] = None,
    from_plan: Annotated[str | None, typer.Option("--from", help="Baseline plan id for "
                                                               "maxmin-gain.")] = None,
    no_red_lines: Annotated[bool, typer.Option("--no-red-lines",
                                               help="Ignore red lines.")] = False,
    no_ir: Annotated[bool, typer.Option("--no-ir", help="Ignore walk-away values (individual "
                                                        "rationality); Nash/KS then measure "
                                                        "gains from 0.")] = False,
    disagreement: Annotated[str | None, typer.Option(help="Disagreement point, e.g. "
                                                          "ua=0.4,ru=0.45 (default: the "
                                                          "reservations).")] = None,
    engine: Annotated[Engine, typer.Option(
        help="auto, enumeration, milp, or dp (best point of the exact Pareto frontier; "
             "best package only).")] = Engine.auto,
    time_limit: Annotated[float | None, typer.Option(help="Seconds; a result stopped by it is "
                                                          "reported as not proven.")] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json")
                   ] = TextOrJson.text,
) -> None:
    """Find the fairest packages by a named standard, exactly, at any size.

    Examples:

      accord solve ukraine-2025 --method nash

      accord solve ukraine-2025 --method nash --parties ua,ru --top 5 --format json

      accord solve ukraine-2025 --method maxmin-gain --from us-draft-2025-11-20

      accord solve river-basin --complete framework-draft
    """
    from accord.solve import solve

    check_positive("--time-limit", time_limit, "30")
    s = load(scenario)
    model = compile_scenario(s)
    if not model.party_ids:
        fail(f"{scenario}: no party has preferences, so there is nothing to solve",
             "add a `preferences:` block for at least two parties")
    chosen = parse_parties(list(model.party_ids), parties) if parties else \
        list(model.bargaining_set)
    if not chosen:
        fail(f"{scenario}: no scored party has consent `all`, so there is no bargaining set",
             "name the parties with --parties, or give one `consent: all`")
    fixed = None
    if complete is not None:
        try:
            plan = s.plan(complete)
        except KeyError:
            fail(f"--complete: no plan {complete!r} in {s.scenario}",
                 f"use one of: {', '.join(p.id for p in s.plans) or 'no plans in the file'}")
        if not plan.open:
            fail(f"--complete: plan {complete!r} leaves no issue open",
                 "list the bracketed issues under the plan's `open:`")
        fixed = model.encode({k: v for k, v in plan.choices.items() if k not in plan.open},
                             missing=-1)
    baseline = None
    if method == Method.maxmin_gain:
        if not from_plan:
            fail("--method maxmin-gain needs --from PLAN (the baseline)",
                 f"use one of: {', '.join(p.id for p in s.plans) or 'no plans in the file'}")
        try:
            baseline = model.encode(s.plan(from_plan).choices)
        except KeyError as exc:
            fail(f"--from: {exc.args[0]}", "name a plan of the scenario that sets every issue")
    elif from_plan:
        fail("--from is only used by --method maxmin-gain", "drop --from or change --method")
    try:
        result = solve(model, method.value, parties=chosen, top=top,
                       respect_red_lines=not no_red_lines, individual_rationality=not no_ir,
                       disagreement=_disagreement(disagreement, chosen), baseline=baseline,
                       engine=engine.value, time_limit=time_limit, fixed=fixed)
    except (ValueError, KeyError) as exc:
        fail(str(exc))
    if complete is not None:
        result.details["complete"] = {"plan": complete, "open": list(s.plan(complete).open)}
    # Every scored party's verdict on each package, the objective's parties or not.
    verdicts = []
    for pkg in result.packages:
        u, acc, blk = (model.utilities(pkg.package), model.accepts(pkg.package)[0],
                       model.blocks(pkg.package)[0])
        verdicts.append({pid: {"utility": round(float(u[k]), 9), "accepts": bool(acc[k]),
                               "blocks": bool(blk[k])} for k, pid in enumerate(model.party_ids)})
    result.details["verdicts"] = verdicts
    if fmt == Format.json:
        doc = result.to_dict()
        doc["red_lines_respected"] = not no_red_lines
        if no_red_lines:
            for pkg, out in zip(result.packages, doc["packages"], strict=True):
                out["red_lines_crossed"] = crossed_red_lines(model, pkg.package)
        emit_json(doc)
        return
    console.print(Text.assemble((s.title, "bold"),
                                f": {result.method} for {', '.join(result.parties)}"))
    if no_red_lines:
        console.print("RED LINES IGNORED (--no-red-lines): packages may cross them; each "
                      "package lists the red lines it crosses", markup=False)
    console.print(result.message, markup=False)
    console.print(f"status {result.status}; engine {result.engine}; proven optimal: "
                  f"{'yes' if result.optimal else 'no'}; gap {result.gap:.3g}; "
                  f"{result.seconds:.3f} s", markup=False)
    console.print(f"objective: {result.to_dict()['objective']}", markup=False)
    console.print(f"why {result.engine}: {result.details.get('engine_reason', '')}; space: "
                  f"{result.details.get('space', '')}", markup=False)
    if complete is not None:
        console.print(f"completing {complete}: only {', '.join(s.plan(complete).open)} "
                      "vary; its other choices stay fixed", markup=False)
    d = ", ".join(f"{p} {v:.3f}" for p, v in result.disagreement.items())
    console.print(f"disagreement point: {d}", markup=False)
    for k, pkg in enumerate(result.packages, start=1):
        obj = "" if pkg.objective is None else (
            " (objective not finite: degenerate)" if pkg.degenerate
            else f" (objective {pkg.objective:.6g})")
        table = Table("issue", "option", title=f"Package {k}{obj}")
        for iid, opt in pkg.choices.items():
            table.add_row(iid, _fmt(opt))
        console.print(table)
        console.print("utilities: " + ", ".join(f"{p} {u:.4f}" for p, u in
                                                pkg.utilities.items()), markup=False)
        console.print("verdicts: " + "; ".join(
            f"{p} {'accepts' if v['accepts'] else 'rejects'}"
            f"{' (blocks)' if v['blocks'] else ''}"
            for p, v in verdicts[k - 1].items()), markup=False)
        if no_red_lines:
            crossed = crossed_red_lines(model, pkg.package)
            console.print("red lines crossed: " + ("; ".join(crossed) or "none"),
                          markup=False)


def crossed_red_lines(model: CompiledModel, package: object) -> list[str]:
    """`party: issue = option` for every red line the package crosses (all scored parties),
    honouring `unless`."""
    x = np.asarray(package, dtype=np.int64)
    hit = model.violations(x[None])[0]  # (P, I)
    return [f"{pid} forbids {iid} = {_fmt(model.raw_options[i][x[i]])}"
            for p, pid in enumerate(model.party_ids)
            for i, iid in enumerate(model.issue_ids) if hit[p, i]]


def frontier_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    parties: Annotated[str | None, typer.Option(help="Comma-separated party ids (two for an "
                                                     "exact frontier).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the points here: .csv or .json.")] = None,
    no_red_lines: Annotated[bool, typer.Option("--no-red-lines",
                                               help="Ignore red lines.")] = False,
    ir: Annotated[bool, typer.Option("--ir", help="Keep only packages every party prefers to "
                                                  "walking away.")] = False,
    fmt: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json")
                   ] = TextOrJson.text,
) -> None:
    """The Pareto frontier: packages nobody can improve on without hurting another party.

    Examples:

      accord frontier ukraine-2025 --parties ua,ru -o frontier.csv
    """
    from accord.solve import frontier

    if output is not None and output.suffix.lower() not in (".csv", ".json"):
        fail(f"--output {output}: the frontier is written as .csv or .json, not "
             f"{output.suffix or '(no extension)'!r}", f"use e.g. -o {output.stem}.csv")
    s = load(scenario)
    model = compile_scenario(s)
    if not model.party_ids:
        fail(f"{scenario}: no party has preferences", "add `preferences:` for the parties")
    chosen = parse_parties(list(model.party_ids), parties) if parties else \
        list(model.bargaining_set)
    front = frontier(model, chosen, respect_red_lines=not no_red_lines, individual_rationality=ir)
    rows = front.to_rows(model)
    doc = {"parties": list(front.parties), "exact": front.exact, "method": front.method,
           "message": front.message, "points": rows}
    if output is not None:
        if output.suffix.lower() == ".json":
            write_output(output, dumps(doc, indent=2) + "\n")
        else:
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow([*front.parties, *model.issue_ids])
            for r in rows:
                writer.writerow([f"{r[p]:.10g}" for p in front.parties] + [r[i] for i in
                                                                         model.issue_ids])
            write_output(output, buf.getvalue())
        err_console.print(f"wrote {len(rows)} frontier points to {output}", markup=False)
    summary = (f"{len(front)} Pareto-optimal points for {', '.join(front.parties)} by "
               f"{front.method}; {'exact' if front.exact else 'NOT exact'}. {front.message}")
    if fmt == Format.json:
        emit_json(doc)
        return
    console.print(summary.strip(), markup=False)
    if output is None and rows:
        table = Table(*front.parties, title="Pareto frontier")
        for r in rows[:50]:
            table.add_row(*[f"{r[p]:.4f}" for p in front.parties])
        console.print(table)
        if len(rows) > 50:
            console.print(f"... {len(rows) - 50} more; use -o FILE.csv for all", markup=False)


def _profile_ids(party_ids: str | None, profiles: list[Path]) -> list[str] | None:
    """`--parties a,b`: one id per profile file, in order."""
    ids = [p.strip() for p in party_ids.split(",")] if party_ids else None
    if ids is not None and len(ids) != len(profiles):
        fail(f"--parties names {len(ids)} parties for {len(profiles)} profiles",
             "give one id per profile file")
    return ids


SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")


def check_scenario_output(output: Path) -> None:
    """A scenario is written as YAML or JSON, chosen by the extension; any other is refused
    before any work (a .txt holding YAML would mislead whoever opens it)."""
    if output.suffix.lower() not in SCENARIO_SUFFIXES:
        fail(f"--output {output}: a scenario is written as .yaml or .json, not "
             f"{output.suffix or '(no extension)'!r}", f"use e.g. -o {output.stem}.yaml")


def _save(scenario: object, output: Path) -> None:
    from accord.io import save_scenario

    with writing(output):
        save_scenario(scenario, output)  # type: ignore[arg-type]


@import_app.command("genius")
def import_genius_cmd(
    domain: Annotated[Path, typer.Argument(help="Genius domain XML.")],
    profiles: Annotated[list[Path], typer.Argument(help="One utility-space XML per party.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Scenario file to write "
                                                                "(.yaml or .json).")],
    party_ids: Annotated[str | None, typer.Option("--parties", help="Ids for the parties, in "
                                                                    "profile order.")] = None,
    real_steps: Annotated[int, typer.Option(help="Grid points per real issue.", min=2)] = 11,
) -> None:
    """Import a Genius domain and profiles; utilities as Genius computes them.

    Example: accord import genius DOMAIN.xml PROFILE_A.xml PROFILE_B.xml -o scenario.yaml
    """
    from accord.io.genius import GeniusError, import_genius

    check_scenario_output(output)
    ids = _profile_ids(party_ids, profiles)
    try:
        scenario = import_genius(domain, profiles, ids, real_steps=real_steps)
    except GeniusError as exc:
        fail(str(exc))
    _save(scenario, output)
    err_console.print(f"wrote {output}: {len(scenario.issues)} issues, "
                      f"{len(scenario.parties)} parties", markup=False)


@import_app.command("geniusweb")
def import_geniusweb_cmd(
    domain: Annotated[Path, typer.Argument(help="GeniusWeb domain JSON.")],
    profiles: Annotated[list[Path], typer.Argument(help="One LinearAdditive profile JSON per "
                                                        "party.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Scenario file to write.")],
    party_ids: Annotated[str | None, typer.Option("--parties", help="Ids for the parties, in "
                                                                    "profile order.")] = None,
) -> None:
    """Import a GeniusWeb domain and LinearAdditive profiles.

    Example: accord import geniusweb DOMAIN.json PROFILE_A.json PROFILE_B.json -o scenario.yaml
    """
    from accord.io.genius import GeniusError
    from accord.io.geniusweb import import_geniusweb

    check_scenario_output(output)
    ids = _profile_ids(party_ids, profiles)
    try:
        scenario = import_geniusweb(domain, profiles, ids)
    except GeniusError as exc:
        fail(str(exc))
    _save(scenario, output)
    err_console.print(f"wrote {output}: {len(scenario.issues)} issues, "
                      f"{len(scenario.parties)} parties", markup=False)


@export_app.command("genius")
def export_genius_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the XML files.")],
    lossy: Annotated[bool, typer.Option(
        "--lossy", help="Export even when Genius cannot express content that changes who "
                        "accepts (red lines); it is left out.")] = False,
) -> None:
    """Write a Genius domain file and one utility-space file per scored party.

    Genius holds issues, weights, values, reservations and discounts only. Content that
    changes who accepts a package (red lines) is refused unless --lossy; metadata that does
    not (plans, sources, statements, roles, uncertainty) is left out with a warning.

    Example: accord export genius scenario.yaml -o outdir/
    """
    from accord.io.genius import GeniusError, export_genius

    s = load(scenario)
    if not s.scored_party_ids:
        fail(f"{scenario}: no party has preferences, so there are no profiles to write",
             "add `preferences:` for the parties")
    verdicts = [f"{pid}: {len(s.preferences[pid].red_lines)} red line(s)"
                for pid in s.scored_party_ids if s.preferences[pid].red_lines]
    if verdicts and not lossy:
        fail(f"Genius has no red lines, so exporting {scenario} would change who accepts "
             f"({'; '.join(verdicts)})", "pass --lossy to export without them")
    try:
        with writing(output):
            paths, warnings = export_genius(s, output)
    except GeniusError as exc:
        fail(str(exc))
    for w in warnings:
        err_console.print(f"warning: {w}", markup=False)
    if verdicts:
        err_console.print(f"warning: --lossy: red lines left out ({'; '.join(verdicts)}); "
                          f"Genius agents may accept packages these parties reject",
                          markup=False)
    dropped = dropped_metadata(s)
    if dropped:
        err_console.print(f"warning: left out (Genius has no place for it): "
                          f"{', '.join(dropped)}", markup=False)
    for p in paths:
        err_console.print(f"wrote {p}", markup=False)


def dropped_metadata(s: Scenario) -> list[str]:
    """What a Genius export leaves out that does not change who accepts, counted."""
    out = []
    unscored = [p.id for p in s.parties if p.id not in s.preferences]
    for what, n in (("plans", len(s.plans)), ("sources", len(s.sources)),
                    ("statements", len(s.statements))):
        if n:
            out.append(f"{n} {what}")
    if unscored:
        out.append(f"parties without preferences ({', '.join(unscored)})")
    roles = [p.id for p in s.parties if p.id in s.preferences and p.role != "party"]
    if roles:
        out.append(f"roles ({', '.join(roles)})")
    unc = [pid for pid, pref in s.preferences.items() if pref.uncertainty is not None]
    if unc:
        out.append(f"uncertainty of {', '.join(unc)}")
    notes = [pid for pid, pref in s.preferences.items()
             if pref.rationale or pref.notes or pref.basis]
    if notes:
        out.append(f"rationale, notes and basis of {', '.join(notes)}")
    return out
