"""Report commands: `report` (HTML, PNG, SVG), `diff` (plan versions), `sources` (provenance).

The commands only parse options, call `accord.report` and write or print what it returns.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.common import (
    Format,
    TextOrJson,
    emit_json,
    err_console,
    fail,
    load,
    parse_parties,
    write_output,
)
from accord.model import Scenario


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the app."""
    app.command("report")(report_cmd)
    app.command("diff")(diff_cmd)
    app.command("sources")(sources_cmd)


def _check_plan(s: Scenario, plan: str, what: str) -> None:
    known = [p.id for p in s.plans]
    if plan not in known:
        fail(f"{what}: no plan {plan!r} in {s.scenario}",
             f"use one of: {', '.join(known) or '(the scenario has no plans)'}")


def report_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Where to write: .html (the full report), .png or .svg (a "
        "figure).")],
    plan: Annotated[str | None, typer.Option(
        "--plan", "-p", help="For .png/.svg: the plan to draw (all plans when omitted).")
    ] = None,
    parties: Annotated[str | None, typer.Option(
        "--parties", help="Two scored parties for the utility-space plot, e.g. ua,ru.")] = None,
    width: Annotated[int, typer.Option(help="Figure width in pixels (.png/.svg).")] = 1200,
    height: Annotated[int, typer.Option(help="Figure height in pixels (.png/.svg).")] = 800,
) -> None:
    """Write a self-contained HTML report, or a static figure of one plan.

    The HTML file embeds plotly.js and makes no network request when opened.

    Examples:

      accord report ukraine-2025 -o report.html

      accord report ukraine-2025 --plan us-draft-2025-11-20 --parties ua,ru -o plan.png
    """
    from accord.report import STATIC_FORMATS, build_figure, build_report

    suffix = output.suffix.lower().lstrip(".")
    if suffix not in ("html", "htm", *STATIC_FORMATS):
        fail(f"--output {output}: unknown file type {output.suffix or '(none)'!r}",
             "end the file name in .html, .png or .svg")
    s = load(scenario)
    scored = s.scored_party_ids
    if len(scored) < 2:
        fail(f"{scenario}: {len(scored)} part{'y has' if len(scored) == 1 else 'ies have'} "
             "preferences; the report plots two parties' utilities",
             "add a `preferences:` block for at least two parties")
    pair = parse_parties(scored, parties) if parties is not None else None
    if pair is not None and len(pair) != 2:
        fail(f"--parties names {len(pair)} parties; the utility space has two axes",
             "name exactly two, e.g. --parties " + ",".join(scored[:2]))
    if plan is not None:
        _check_plan(s, plan, "--plan")
    if suffix in STATIC_FORMATS:
        for name, v in (("--width", width), ("--height", height)):
            if not 100 <= v <= 10_000:
                fail(f"{name} {v} is out of range", "give a size between 100 and 10000 pixels")
        data = build_figure(s, plan=plan, parties=pair, width=width, height=height, fmt=suffix)
        write_output(output, data)
    else:
        if plan is not None:
            err_console.print("note: --plan applies to .png/.svg; the HTML report shows every "
                              "plan", markup=False)
        html = build_report(s, parties=pair)
        write_output(output, html)
    err_console.print(f"wrote {output}", markup=False)


def diff_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    plan_a: Annotated[str, typer.Argument(help="The earlier plan.")],
    plan_b: Annotated[str, typer.Argument(help="The later plan.")],
    fmt: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json")
                   ] = TextOrJson.text,
) -> None:
    """Compare two plans point by point and show how each party's utility moved.

    Example: accord diff ukraine-2025 us-draft-2025-11-20 e3-counter-2025-11-23
    """
    from accord.report import diff_plans, render_diff_text

    s = load(scenario)
    _check_plan(s, plan_a, "PLAN_A")
    _check_plan(s, plan_b, "PLAN_B")
    d = diff_plans(s, plan_a, plan_b)
    if fmt == Format.json:
        emit_json(d.to_dict())
    else:
        sys.stdout.write(render_diff_text(d))


def sources_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or bundled name.")],
    fmt: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json")
                   ] = TextOrJson.text,
    flagged: Annotated[bool, typer.Option(
        "--flagged", help="Only provisions resting on one outlet, on low-reliability sources "
        "only, or officially denied.")] = False,
) -> None:
    """List every provision with its sources, corroboration, grades and official statements.

    Example: accord sources ukraine-2025 --format json
    """
    from accord.report import provenance, render_sources_text

    s = load(scenario)
    prov = provenance(s)
    if flagged:
        prov.only_flagged()
    if fmt == Format.json:
        emit_json(prov.to_dict())
    else:
        sys.stdout.write(render_sources_text(prov))
