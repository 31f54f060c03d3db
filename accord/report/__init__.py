"""Reports a mediator can send: a self-contained HTML file, static figures, provenance, diffs.

`build_report(scenario)` returns one HTML page holding the scenario summary, the analyst's
assumptions (labelled as such), each plan's scorecard, the plan-version timeline, the
bargaining solutions where the solver is installed, and the provenance of every provision.
Its plots are interactive (plotly.js embedded from the installed plotly package at build
time), and the page makes no network request when opened.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from accord.evaluate import Analysis, analyze
from accord.model import CompiledModel, Scenario, compile_scenario
from accord.report.data import (
    METHOD_NAMES,
    SolverResults,
    UtilitySpace,
    default_pair,
    relaxed_results,
    solver_results,
    utility_space,
)
from accord.report.escape import script_json
from accord.report.provenance import (
    FLAG_TEXT,
    Provenance,
    ProvisionProvenance,
    StatementRef,
    party_names,
    provenance,
)
from accord.report.provenance import (
    render_text as render_sources_text,
)
from accord.report.versions import (
    PlanDiff,
    TimelineStep,
    diff_plans,
    plan_order,
    render_diff_text,
    timeline,
)

if TYPE_CHECKING:
    from markupsafe import Markup

STATIC_FORMATS = ("png", "svg")
REACTION_SAMPLES = 65_536
"""Prior draws behind the report's "What the reactions tell us" (one block, seed 0)."""


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


class _Context:
    """Everything one report or figure needs, computed once."""

    def __init__(self, scenario: Scenario, parties: list[str] | None,
                 analysis: Analysis | None, model: CompiledModel | None,
                 solve_all: bool = True) -> None:
        self.scenario = scenario
        self.model = model if model is not None else (
            analysis.model if analysis is not None else compile_scenario(scenario))
        self.analysis = analysis if analysis is not None else analyze(scenario, model=self.model)
        if self.model.n_parties < 2:
            raise ValueError(f"{scenario.scenario}: the report plots two parties' utilities, "
                             f"but only {self.model.n_parties} has preferences")
        self.pair = list(parties) if parties else default_pair(scenario, self.model)
        scores = {s.plan_id: s for s in self.analysis.plans}
        self.steps: list[TimelineStep] = timeline(scenario, self.model, scores) \
            if len(scores) == len(scenario.plans) else []
        self.space: UtilitySpace = utility_space(scenario, self.model, self.analysis, self.pair)
        self.solver_sets: list[SolverResults] = []
        if solve_all:
            everyone = list(self.model.party_ids)
            strict = solver_results(self.model, everyone)
            self.solver_sets.append(strict)
            if not strict.any_feasible:
                self.solver_sets.append(relaxed_results(self.model, everyone))
            if self.pair != everyone and self.space.solutions.available:
                self.solver_sets.append(self.space.solutions)


def build_report(scenario: Scenario, *, parties: list[str] | None = None,
                 analysis: Analysis | None = None, model: CompiledModel | None = None) -> str:
    """The whole report as one self-contained HTML page.

    `parties` names the two parties whose utility space is plotted (default: the first two
    scored parties of role `party`).
    """
    import jinja2
    import plotly
    from markupsafe import Markup  # the report extra, loaded only when needed
    from plotly.offline import get_plotlyjs

    from accord.report import interactive as ia

    ctx = _Context(scenario, parties, analysis, model)
    prov = provenance(scenario)
    figs: list[tuple[str, Any, str]] = [
        ("fig-utility-space", ia.utility_space_figure(ctx.space),
         f"Utility space of {ctx.space.names[0]} and {ctx.space.names[1]}: each dot is one "
         f"of {ctx.space.shown}, coloured by whether both accept, both stay within their red "
         "lines, or one is crossed; the black line is the Pareto frontier; dashed lines are "
         "the walk-aways; gold markers are the Nash, Kalai-Smorodinsky, egalitarian and "
         "utilitarian packages for these two parties; purple points are the plans, joined by "
         "arrows in date order (the path of plan versions). "
         + ("No package lies within both parties' red lines, so the frontier and solutions "
            "shown set the red lines aside. " if ctx.space.zone_empty else "")
         + f"{ctx.space.frontier_note}."),
        ("fig-plan-utilities", ia.plan_utilities_figure(ctx.analysis),
         "Each scored party's utility under each plan (bars) against its assumed walk-away "
         "(black marks): a party accepts only where its bar reaches its mark and no red line "
         "is crossed."),
    ]
    if ctx.steps:
        figs.append(("fig-timeline", ia.timeline_figure(ctx.steps),
                     "Plan versions in date order: each party's utility (solid) and its "
                     "walk-away (dashed)."))
    for score in ctx.analysis.plans:
        if not score.concessions:  # a plan with open issues: no single package to give up from
            continue
        figs.append((f"fig-concessions-{score.plan_id}", ia.concessions_figure(ctx.analysis,
                                                                              score.plan_id),
                     f"Concessions in {score.plan_id}: for each party and issue, the weighted "
                     "value it gives up against its own best option on that issue (0 = gets "
                     "its best)."))
    figures_json = "[" + ",".join(
        f'{{"id": {script_json(fid)}, "figure": {ia.figure_json(fig)}}}' for fid, fig, _ in figs
    ) + "]"
    flag_counts = {p.id: {f: sum(f in pv.flags for pv in prov.for_plan(p.id)) for f in FLAG_TEXT}
                   for p in scenario.plans}
    flagged_by_plan = {p.id: len([pv for pv in prov.for_plan(p.id) if pv.flags])
                       for p in scenario.plans}
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("accord.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False,
    )
    template = env.get_template("report.html.j2")
    ids = {s.id for s in scenario.sources}
    names = party_names(scenario)
    return template.render(
        s=scenario, analysis=ctx.analysis, parties_scored=list(ctx.model.party_ids),
        space_size=ctx.model.size, steps=ctx.steps, prov=prov, flag_text=FLAG_TEXT,
        flag_counts=flag_counts, flagged_by_plan=flagged_by_plan,
        solver_sets=ctx.solver_sets, method_names=METHOD_NAMES,
        figures=[{"id": fid, "caption": cap} for fid, _, cap in figs],
        figures_json=Markup(figures_json), config_json=Markup(script_json(ia.CONFIG)),
        plotlyjs=Markup(get_plotlyjs().replace("</script", "<\\/script")),
        plotly_version=plotly.__version__, version=_version("accord"),
        provision=lambda pv: _provision_html(pv), statement=lambda st: _statement_html(st),
        srcs=lambda refs: _sources_html(refs, ids),
        speaker=lambda st: " and ".join(names.get(p, p) for p in st.by_parties),
        reactions=_reactions(scenario, ctx.model),
    )


def _reactions(scenario: Scenario, model: CompiledModel) -> dict[str, Any] | None:
    """`accord calibrate` in brief, when some statement has a stance (else no section)."""
    if not scenario.plans or not any(st.stance for st in scenario.statements):
        return None
    from accord.calibrate import calibrate

    return calibrate(scenario, samples=REACTION_SAMPLES, seed=0, model=model).to_dict()


def build_figure(scenario: Scenario, *, plan: str | None = None,
                 parties: list[str] | None = None, width: int = 1200, height: int = 800,
                 fmt: str = "png", analysis: Analysis | None = None,
                 model: CompiledModel | None = None) -> bytes:
    """A static figure (PNG or SVG bytes) of one plan, or of all plans when `plan` is None."""
    from accord.report.static import render_figure

    if fmt not in STATIC_FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}; use png or svg")
    if plan is not None:
        scenario.plan(plan)  # raises KeyError naming the known plans
    ctx = _Context(scenario, parties, analysis, model, solve_all=False)
    return render_figure(ctx.space, ctx.analysis, ctx.steps, plan, width, height, fmt)


def _sources_html(refs: list[str], known: set[str]) -> Markup:
    from markupsafe import Markup  # the report extra, loaded only when needed

    return Markup(", ").join(
        Markup('<a href="#{0}"><code>{0}</code></a>').format(r) if r in known
        else Markup("<code>{}</code>").format(r) for r in refs)


def _statement_html(st: StatementRef) -> Markup:
    from markupsafe import Markup  # the report extra, loaded only when needed

    pts = f" on point {', '.join(st.points)}" if st.points else ""
    return Markup('<p class="stmt"><b>{}</b> by {} ({}){}: {}</p>').format(
        st.kind, st.by, st.date.isoformat() if st.date else "undated", pts, st.text)


def _provision_html(pv: ProvisionProvenance) -> Markup:
    from markupsafe import Markup  # the report extra, loaded only when needed

    flags = Markup("").join(Markup('<span class="flag">{}</span>').format(FLAG_TEXT[f])
                            for f in pv.flags)
    head = Markup("<b>point {}</b>{}: {} {}").format(
        pv.point if pv.point is not None else "-",
        Markup(" <code>[{}]</code>").format(pv.issue) if pv.issue else "", pv.text, flags)
    rows = []
    for s in pv.sources:
        grade = (Markup('<span class="grade" title="{}">{}</span>').format(
            s.grade.describe(), s.reliability) if s.reliability else Markup(
            '<span class="muted">ungraded</span>'))
        rows.append(Markup('<li><a href="#{}">{}</a>{}, {} {}</li>').format(
            s.id, s.outlet, f", citing {s.citing}" if s.citing else "",
            s.date.isoformat() if s.date else "undated", grade))
    corr = Markup('<span class="small">corroboration: {} independent outlet{}</span>').format(
        pv.corroboration, "" if pv.corroboration == 1 else "s")
    stmts = Markup("").join(_statement_html(st) for st in pv.statements)
    cls = "provision flagged" if pv.flags else "provision"
    return Markup('<div class="{}">{}<br>{}<ul class="small">{}</ul>{}</div>').format(
        cls, head, corr, Markup("").join(rows), stmts)


__all__ = [
    "Provenance",
    "PlanDiff",
    "build_figure",
    "build_report",
    "diff_plans",
    "plan_order",
    "provenance",
    "render_diff_text",
    "render_sources_text",
]
