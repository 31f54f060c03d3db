"""Interactive plots for the HTML report (plotly), as figure dicts the page renders offline.

Figures are plain plotly JSON; the page embeds plotly.js taken from the installed plotly
package at build time (`plotly.offline.get_plotlyjs`), so the report needs no network.
Scatter traces are SVG (never WebGL), so the figures render in any browser, headless too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from accord.evaluate import Analysis
from accord.report.data import METHOD_NAMES, UtilitySpace
from accord.report.versions import TimelineStep

STATUS = {
    2: ("both accept", "rgba(46,139,87,0.45)"),
    1: ("within red lines, below a walk-away", "rgba(120,120,120,0.35)"),
    0: ("crosses a red line", "rgba(205,92,92,0.25)"),
}
SOLUTION_SYMBOLS = {"nash": "star", "ks": "diamond", "egalitarian": "triangle-up",
                    "utilitarian": "square"}
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]
CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True,
                          "modeBarButtonsToRemove": ["sendDataToCloud"]}


def _layout(fig: go.Figure, title: str, **kw: Any) -> None:
    fig.update_layout(title=title, template="plotly_white", margin={"l": 60, "r": 20, "t": 60,
                                                                   "b": 50},
                      font={"family": "sans-serif"}, **kw)


def utility_space_figure(space: UtilitySpace) -> go.Figure:
    """Packages, frontier, walk-aways, solutions and plans in the plane of two parties."""
    a, b = space.names
    fig = go.Figure()
    for code in (0, 1, 2):
        pts = space.points[space.status == code]
        if len(pts):
            name, colour = STATUS[code]
            fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=name,
                                     marker={"size": 4, "color": colour},
                                     hoverinfo="skip"))
    if space.frontier is not None and len(space.frontier):
        fig.add_trace(go.Scatter(x=space.frontier[:, 0], y=space.frontier[:, 1],
                                 mode="lines+markers", name="Pareto frontier",
                                 line={"color": "black", "width": 2},
                                 marker={"size": 5, "color": "black"}))
    ra, rb = space.reservation
    fig.add_vline(x=ra, line={"dash": "dash", "color": PALETTE[0]},
                  annotation_text=f"{a} walk-away {ra:.2f}", annotation_position="top")
    fig.add_hline(y=rb, line={"dash": "dash", "color": PALETTE[1]},
                  annotation_text=f"{b} walk-away {rb:.2f}", annotation_position="top left")
    pa, pb = space.parties
    for sp in space.solutions.points:
        if sp.feasible and pa in sp.utilities and pb in sp.utilities:
            fig.add_trace(go.Scatter(
                x=[sp.utilities[pa]], y=[sp.utilities[pb]], mode="markers",
                name=f"{METHOD_NAMES[sp.method]} solution"
                + (f" ({space.solutions.what_if})" if space.solutions.what_if else ""),
                marker={"size": 14, "symbol": SOLUTION_SYMBOLS[sp.method], "color": "gold",
                        "line": {"color": "black", "width": 1}}))
    if space.plans:
        xy = np.array([u for _, _, u in space.plans])
        fig.add_trace(go.Scatter(
            x=xy[:, 0], y=xy[:, 1], mode="lines+markers+text", name="plans (by date)",
            text=[pid for pid, _, _ in space.plans], textposition="top center",
            hovertext=[f"{pid} ({d})" for pid, d, _ in space.plans], hoverinfo="text",
            line={"color": "#444", "dash": "dot"},
            marker={"size": 11, "color": PALETTE[3], "line": {"color": "white", "width": 1}}))
        for k in range(1, len(xy)):
            fig.add_annotation(x=xy[k, 0], y=xy[k, 1], ax=xy[k - 1, 0], ay=xy[k - 1, 1],
                               xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                               arrowhead=3, arrowsize=1.2, arrowcolor="#444", text="")
    for pid, (lo, hi) in space.ranges.items():  # open issues: the completions' range
        fig.add_trace(go.Scatter(
            x=[lo[0], hi[0], hi[0], lo[0], lo[0]], y=[lo[1], lo[1], hi[1], hi[1], lo[1]],
            mode="lines", name=f"{pid}: range over its open issues", fill="toself",
            line={"color": PALETTE[3], "width": 1}, opacity=0.35,
            hovertext=f"{pid}: {a} {lo[0]:.3f}–{hi[0]:.3f}, {b} {lo[1]:.3f}–{hi[1]:.3f}",
            hoverinfo="text"))
    note = " (red lines ignored: no package lies within both)" if space.zone_empty else ""
    _layout(fig, f"Utility space: {a} vs {b}<br><sup>{space.shown}{note}</sup>",
            xaxis_title=f"utility of {a}", yaxis_title=f"utility of {b}",
            xaxis={"range": [-0.02, 1.02]}, yaxis={"range": [-0.02, 1.02]}, height=560,
            legend={"orientation": "h", "y": -0.15})
    return fig


def plan_utilities_figure(analysis: Analysis) -> go.Figure:
    """Each party's utility under each plan, with its walk-away marked."""
    fig = go.Figure()
    names = [v.name for v in analysis.plans[0].parties] if analysis.plans else []
    for k, score in enumerate(analysis.plans):
        fig.add_trace(go.Bar(x=names, y=[v.utility for v in score.parties], name=score.plan_id,
                             marker_color=PALETTE[k % len(PALETTE)],
                             text=[f"{v.utility:.2f}" for v in score.parties],
                             textposition="outside"))
    if analysis.plans:
        fig.add_trace(go.Scatter(
            x=names, y=[v.reservation for v in analysis.plans[0].parties], mode="markers",
            name="walk-away", marker={"symbol": "line-ew-open", "size": 60,
                                      "line": {"width": 3, "color": "black"}}))
    _layout(fig, "Each party's utility under each plan, against its walk-away",
            barmode="group", yaxis={"range": [0, 1.05], "title": "utility"}, height=420)
    return fig


def concessions_figure(analysis: Analysis, plan_id: str) -> go.Figure:
    """Party x issue heat map of what the plan asks each party to give up."""
    score = next(s for s in analysis.plans if s.plan_id == plan_id)
    parties = list(score.concessions)
    issues = list(next(iter(score.concessions.values())).keys()) if parties else []
    z = [[score.concessions[p][i] for i in issues] for p in parties]
    fig = go.Figure(go.Heatmap(
        z=z, x=issues, y=parties, colorscale="Reds", zmin=0,
        colorbar={"title": "utility given up"},
        hovertemplate="%{y} on %{x}: gives up %{z:.3f}<extra></extra>"))
    _layout(fig, f"Concessions in {plan_id} (weighted value given up against each party's best "
            "option)", height=160 + 40 * len(parties), xaxis={"tickangle": -45})
    return fig


def timeline_figure(steps: list[TimelineStep]) -> go.Figure:
    """Each party's utility across the plan versions in date order."""
    fig = go.Figure()
    labels = [f"{s.plan.id}<br>{s.plan.date.isoformat() if s.plan.date else 'undated'}"
              for s in steps]
    if steps:
        for k, v in enumerate(steps[0].score.parties):
            colour = PALETTE[k % len(PALETTE)]
            fig.add_trace(go.Scatter(x=labels, y=[s.score.parties[k].utility for s in steps],
                                     mode="lines+markers", name=v.name,
                                     line={"color": colour, "width": 3}))
            fig.add_trace(go.Scatter(x=labels, y=[v.reservation] * len(steps), mode="lines",
                                     name=f"{v.name} walk-away",
                                     line={"color": colour, "dash": "dash", "width": 1}))
    _layout(fig, "Plan versions: each party's utility over time", height=420,
            yaxis={"range": [0, 1.05], "title": "utility"})
    return fig


def figure_json(fig: go.Figure) -> str:
    """The figure as JSON for `Plotly.newPlot`, safe inside a <script> element."""
    from accord.report.escape import escape_json_text

    return escape_json_text(str(fig.to_json()))
