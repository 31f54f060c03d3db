"""Static figures (PNG or SVG) with matplotlib, drawn from the same data as the HTML plots.

One figure per call, sized in pixels: for a plan, the utility space of two parties with the
plan marked, each party's utility against its walk-away, and the plan's concession heat map;
without a plan, the utility space with every plan and the plan-version timeline.
Uses matplotlib's object API (no pyplot), so nothing global changes and no display is needed.
"""

from __future__ import annotations

import io
import logging
import re
import warnings

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from accord.evaluate import Analysis, PlanScore
from accord.report.data import METHOD_NAMES, UtilitySpace
from accord.report.versions import TimelineStep

DPI = 100
MARKERS = {"nash": "*", "ks": "D", "egalitarian": "^", "utilitarian": "s"}
COLOURS = {2: "#2e8b57", 1: "#888888", 0: "#cd5c5c"}
LABELS = {2: "both accept", 1: "within red lines", 0: "crosses a red line"}
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]


def draw_utility_space(ax: object, space: UtilitySpace, highlight: str | None = None) -> None:
    """Packages, frontier, walk-away lines, solutions and plans on one axes."""
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    a, b = space.names
    for code in (0, 1, 2):
        pts = space.points[space.status == code]
        if len(pts):
            ax.scatter(pts[:, 0], pts[:, 1], s=4 if len(space.points) > 1000 else 16,
                       c=COLOURS[code], alpha=0.4 if len(space.points) > 1000 else 0.7,
                       label=LABELS[code], linewidths=0)
    if space.frontier is not None and len(space.frontier):
        ax.plot(space.frontier[:, 0], space.frontier[:, 1], "-", color="black", lw=1.5,
                marker="." if len(space.frontier) < 60 else None, label="Pareto frontier")
    ra, rb = space.reservation
    ax.axvline(ra, ls="--", color=PALETTE[0], lw=1, label=f"{a} walk-away")
    ax.axhline(rb, ls="--", color=PALETTE[1], lw=1, label=f"{b} walk-away")
    pa, pb = space.parties
    for sp in space.solutions.points:
        if sp.feasible and pa in sp.utilities and pb in sp.utilities:
            ax.scatter([sp.utilities[pa]], [sp.utilities[pb]], marker=MARKERS[sp.method], s=120,
                       c="gold", edgecolors="black", zorder=5, label=METHOD_NAMES[sp.method])
    if space.plans:
        xy = np.array([u for _, _, u in space.plans])
        ax.plot(xy[:, 0], xy[:, 1], ls=":", color="#444", lw=1, zorder=4)
        for k in range(1, len(xy)):
            ax.annotate("", xy=tuple(xy[k]), xytext=tuple(xy[k - 1]),
                        arrowprops={"arrowstyle": "->", "color": "#444"}, zorder=4)
        for pid, _, u in space.plans:
            big = highlight is None or pid == highlight
            ax.scatter([u[0]], [u[1]], s=90 if big else 40, c=PALETTE[3] if big else "#bbb",
                       edgecolors="white", zorder=6)
            ax.annotate(pid, (u[0], u[1]), textcoords="offset points", xytext=(4, 6),
                        fontsize=7, color="black" if big else "#777")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"utility of {a}")
    ax.set_ylabel(f"utility of {b}")
    note = "\nno package within both red lines: frontier and solutions ignore them" \
        if space.zone_empty else ""
    ax.set_title(f"Utility space: {space.shown}{note}", fontsize=8)
    ax.legend(fontsize=6, loc="lower left", framealpha=0.8, markerscale=0.5)


def draw_plan_bars(ax: object, score: PlanScore) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    names = [v.name for v in score.parties]
    xs = np.arange(len(names))
    colours = ["#2e8b57" if v.accepts else "#cd5c5c" for v in score.parties]
    ax.bar(xs, [v.utility for v in score.parties], color=colours, width=0.6)
    for x, v in zip(xs, score.parties, strict=True):
        ax.hlines(v.reservation, x - 0.4, x + 0.4, colors="black", lw=2)
        ax.annotate(f"{v.utility:.2f}", (x, v.utility), textcoords="offset points",
                    xytext=(0, 3), ha="center", fontsize=7)
    ax.set_xticks(xs, names, fontsize=7, rotation=15)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("utility (bar) vs walk-away (line)")
    ax.set_title(f"{score.plan_id}: green accepts, red rejects", fontsize=9)


def draw_concessions(fig: Figure, ax: object, score: PlanScore) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    parties = list(score.concessions)
    issues = list(next(iter(score.concessions.values())).keys()) if parties else []
    z = np.array([[score.concessions[p][i] for i in issues] for p in parties])
    im = ax.imshow(z if z.size else np.zeros((1, 1)), aspect="auto", cmap="Reds", vmin=0)
    ax.set_yticks(range(len(parties)), parties, fontsize=7)
    ax.set_xticks(range(len(issues)), issues, fontsize=6, rotation=90)
    ax.set_title("Concessions (utility given up per issue)", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.04)


def draw_timeline(ax: object, steps: list[TimelineStep]) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    labels = [s.plan.id for s in steps]
    xs = np.arange(len(steps))
    if steps:
        for k, v in enumerate(steps[0].score.parties):
            c = PALETTE[k % len(PALETTE)]
            ax.plot(xs, [s.score.parties[k].utility for s in steps], "-o", color=c, label=v.name)
            ax.axhline(v.reservation, ls="--", color=c, lw=0.8)
    ax.set_xticks(xs, labels, fontsize=7, rotation=10)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("utility (dashed: walk-away)")
    ax.set_title("Plan versions over time", fontsize=9)
    ax.legend(fontsize=7)


def render_figure(space: UtilitySpace, analysis: Analysis, steps: list[TimelineStep],
                  plan: str | None, width: int, height: int, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes, exactly `width` x `height` pixels."""
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    if plan is not None:
        score = next(s for s in analysis.plans if s.plan_id == plan)
        grid = fig.add_gridspec(2, 2, height_ratios=[3, 2])
        draw_utility_space(fig.add_subplot(grid[0, 0]), space, highlight=plan)
        draw_plan_bars(fig.add_subplot(grid[0, 1]), score)
        draw_concessions(fig, fig.add_subplot(grid[1, :]), score)
        fig.suptitle(f"{score.plan_id}: {score.title}", fontsize=11)
    else:
        grid = fig.add_gridspec(1, 2)
        draw_utility_space(fig.add_subplot(grid[0, 0]), space)
        draw_timeline(fig.add_subplot(grid[0, 1]), steps)
    buf = io.BytesIO()
    canvas = FigureCanvasSVG(fig) if fmt == "svg" else FigureCanvasAgg(fig)
    # Matplotlib warns once per missing glyph, with its own source path; say it once, plainly.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        canvas.print_figure(buf, format=fmt, dpi=DPI, metadata=_metadata(fmt))
    missing = sorted({chr(int(m[1])) for w in caught if (m := _GLYPH.search(str(w.message)))})
    for w in caught:
        if not _GLYPH.search(str(w.message)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if missing:
        log.warning("figure: %d character(s) have no glyph in the font and show as boxes: %s",
                    len(missing), " ".join(missing[:20]))
    return buf.getvalue()


_GLYPH = re.compile(r"Glyph (\d+) .*missing from")
log = logging.getLogger("accord.report")


def _metadata(fmt: str) -> dict[str, str | None]:
    # Without a date the output is byte-stable, so it can be compared across runs.
    if fmt == "svg":
        return {"Date": None}
    return {"Software": "accord"}
