"""Result pages: view models built from an analysis result's JSON, for the templates in
templates/partials/result_<kind>.html.

The web layer only formats here: every number comes from the result that accord.evaluate,
accord.solve or accord.uncertainty computed, already cut to the viewer by
`accord.web.policy.filter_result` (the caller passes `Workspace.job(...)["result"]`). The
scenario given is the version the job ran on, as the viewer sees it; only public parts of it
are read: party names, issue names, option labels, plans' choices. A field the filter dropped
shows as a dash, so these views never need to know who may see what.

New kinds of result plug in with `register_view(kind, builder)` and a template
`partials/result_<kind>.html` (as calibration does); until then the job page shows the result
as data only. Their policy allowlist goes in `accord.web.policy._RESULT_FILTERS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from accord.model.scenario import Scenario
from accord.report.escape import script_json
from accord.store.models import User
from accord.web import policy
from accord.web.service import WebError, Workspace

MAX_ID = 2**31 - 1
ScenarioId = Annotated[int, Path(ge=1, le=MAX_ID)]

ViewBuilder = Callable[[dict[str, Any], Scenario], dict[str, Any]]

REPORT_CSP = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline' "
              "'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:")
"""The report inlines its scripts and holds every party's preferences: sandboxed (an opaque
origin, so no cookies and no calls back to the workspace)."""


# formatting helpers ----------------------------------------------------------------------------
def when(value: Any) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM UTC' (naive times are UTC: that is how they are
    stored)."""
    if value is None or value == "":
        return "—"
    at = value
    if isinstance(value, str):
        try:
            at = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(at, dt.datetime):
        return str(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def number(value: Any, digits: int = 3) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value:.{digits}f}"


def percent(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{100 * value:.1f}%"


def _names(scenario: Scenario) -> dict[str, str]:
    return {p.id: p.name or p.id for p in scenario.parties}


def _issue_names(scenario: Scenario) -> dict[str, str]:
    return {i.id: i.name or i.id for i in scenario.issues}


def option_label(scenario: Scenario, issue: str, option: Any) -> str:
    """An option's longer label when the issue gives one, else the option itself."""
    for i in scenario.issues:
        if i.id == issue:
            return str(i.labels.get(str(option), option))
    return str(option)


def _choices(scenario: Scenario, choices: Any) -> list[dict[str, str]]:
    if not isinstance(choices, dict):
        return []
    names = _issue_names(scenario)
    order = [i.id for i in scenario.issues if i.id in choices] + \
        [k for k in choices if k not in names]
    return [{"issue": str(k), "name": str(names.get(k, k)), "option": str(choices[k]),
             "label": option_label(scenario, k, choices[k])} for k in order]


def _party(names: dict[str, str], pid: Any) -> str:
    return names.get(str(pid), str(pid))


# score ---------------------------------------------------------------------------------------
def _verdict(v: dict[str, Any]) -> str:
    acc = v.get("accepts")
    if acc is True:
        return "accepts"
    if acc is False:
        return "rejects"
    return "—"


def score_view(result: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """The scorecard of each plan: one row per party, and concessions per issue."""
    names, issues = _names(scenario), _issue_names(scenario)
    plans = []
    for p in result.get("plans") or []:
        rows = []
        for v in p.get("parties") or []:
            crossed = [f"{issues.get(str(r.get('issue')), r.get('issue'))}: "
                       f"{option_label(scenario, str(r.get('issue')), r.get('option'))}"
                       for r in v.get("red_lines_crossed") or [] if isinstance(r, dict)]
            rows.append({
                "id": v.get("id"), "name": _party(names, v.get("id")),
                "utility": number(v.get("utility")), "reservation": number(v.get("reservation")),
                "margin": number(v.get("margin")), "verdict": _verdict(v),
                "reasons": v.get("reasons") or [], "red_lines": crossed,
                "red_lines_known": "red_lines_crossed" in v,
            })
        conc = p.get("concessions") or {}
        conc_issues = [i.id for i in scenario.issues
                       if any(i.id in (c or {}) for c in conc.values())]
        concessions = {
            "issues": [issues[i] for i in conc_issues],
            "rows": [{"name": _party(names, pid),
                      "values": [number((c or {}).get(i)) for i in conc_issues]}
                     for pid, c in conc.items()],
        }
        imp = p.get("improvement")
        improvement = None
        if isinstance(imp, dict):
            changes = imp.get("changes") or {}
            improvement = {
                "changes": [{"issue": issues.get(k, k),
                             "from": option_label(scenario, k, ab[0]),
                             "to": option_label(scenario, k, ab[1])}
                            for k, ab in changes.items()
                            if isinstance(ab, list | tuple) and len(ab) == 2],
                "utilities": [{"name": _party(names, k), "utility": number(u)}
                              for k, u in (imp.get("utilities") or {}).items()],
            }
        plans.append({
            "id": p.get("id"), "title": p.get("title"), "rows": rows,
            "all_accept": p.get("all_accept"), "choices": _choices(scenario, p.get("choices")),
            "concessions": concessions, "improvement": improvement,
            "notes": p.get("notes") or [],
        })
    return {"plans": plans}


# solve ---------------------------------------------------------------------------------------
def solve_view(result: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """Packages with option labels and each party's utility, side by side with the plans."""
    names = _names(scenario)
    s = result.get("solve") or {}
    parties = [str(p) for p in result.get("parties") or s.get("parties") or []]
    packages = [p for p in s.get("packages") or [] if isinstance(p, dict)]
    plans = {p.get("id"): p for p in result.get("plans") or [] if isinstance(p, dict)}
    columns: list[dict[str, Any]] = []
    for k, pkg in enumerate(packages, 1):
        columns.append({"label": f"package {k}", "kind": "package",
                        "choices": pkg.get("choices") or {},
                        "utilities": pkg.get("utilities") or {}})
    for plan in scenario.plans:
        columns.append({"label": plan.id, "title": plan.title, "kind": "plan",
                        "choices": dict(plan.choices),
                        "utilities": (plans.get(plan.id) or {}).get("utilities") or {}})
    first = columns[0]["choices"] if packages else {}
    rows = []
    for issue in scenario.issues:
        cells = []
        for col in columns:
            opt = col["choices"].get(issue.id)
            cells.append({"label": "—" if opt is None else option_label(scenario, issue.id, opt),
                          "differs": bool(first) and col["kind"] == "plan"
                          and opt != first.get(issue.id)})
        rows.append({"name": issue.name or issue.id, "cells": cells})
    utilities = [{"name": _party(names, pid),
                  "cells": [number((col["utilities"] or {}).get(pid)) for col in columns]}
                 for pid in parties]
    disagreement = s.get("disagreement") or {}
    return {
        "method": s.get("method"), "engine": s.get("engine"), "optimal": s.get("optimal"),
        "feasible": s.get("feasible"), "message": s.get("message"),
        "parties": [_party(names, p) for p in parties],
        "packages": [{"rank": k, "choices": _choices(scenario, pkg.get("choices")),
                      "utilities": [{"name": _party(names, pid),
                                     "utility": number((pkg.get("utilities") or {}).get(pid))}
                                    for pid in parties]}
                     for k, pkg in enumerate(packages, 1)],
        "columns": [{"label": c["label"], "title": c.get("title"), "kind": c["kind"]}
                    for c in columns],
        "rows": rows, "utilities": utilities,
        "walk_away": [{"name": _party(names, pid), "value": number(v)}
                      for pid, v in disagreement.items()],
    }


# robustness ----------------------------------------------------------------------------------
def _mapping(obj: Any) -> dict[str, Any]:
    return obj if isinstance(obj, dict) else {}


def _hinge(h: Any, names: dict[str, str], scenario: Scenario) -> dict[str, Any] | None:
    if not isinstance(h, dict):
        return None
    red_line = h.get("kind") == "red_line"  # flips only with the plan, not with a number
    return {"party": _party(names, h.get("party")), "assumption": h.get("assumption"),
            "kind": h.get("kind"), "stated": "—" if red_line else number(h.get("stated")),
            "threshold": number(h.get("threshold")), "change": number(h.get("change")),
            "in_spreads": number(h.get("in_spreads"), 2),
            # no single number flips a crossed red line: only another plan does
            "verdict": "only another plan changes it" if red_line else h.get("verdict")}


def robustness_view(result: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """Acceptance rates with their 95% intervals, utility spreads, and the assumption each
    party's verdict hangs on."""
    names = _names(scenario)
    stated = result.get("stated") or {}
    accepts = stated.get("accepts") or {}
    stated_u = stated.get("utility") or {}
    accept = result.get("accept") or {}
    ci = result.get("accept_ci95") or {}
    spread = result.get("utility") or {}
    red = result.get("red_lines") or {}
    hinges = result.get("hangs_on") or {}
    order = [p.id for p in scenario.parties if p.id in accepts or p.id in accept]
    rows = []
    for pid in order:
        got = ci.get(pid)
        lo_hi: list[Any] = got if isinstance(got, list) and len(got) == 2 else [None, None]
        u: dict[str, Any] = _mapping(spread.get(pid))
        q: dict[str, Any] = u.get("quantiles") or {}
        rl: dict[str, Any] = _mapping(red.get(pid))
        verdict = accepts.get(pid)
        rows.append({
            "id": pid, "name": _party(names, pid),
            "stated": "accepts" if verdict is True else "rejects" if verdict is False else "—",
            "stated_utility": number(stated_u.get(pid)),
            "accept": percent(accept.get(pid)),
            "ci": f"{percent(lo_hi[0])} – {percent(lo_hi[1])}" if pid in ci else "—",
            "mean": number(u.get("mean")), "sd": number(u.get("sd")),
            "q05": number(q.get("q05")), "q50": number(q.get("q50")),
            "q95": number(q.get("q95")),
            "binds": percent(rl.get("binds")) if rl else "—",
            "hinge": _hinge(hinges.get(pid), names, scenario),
        })
    uncertain: dict[str, list[str]] = {}
    for line in result.get("uncertain") or []:
        pid, _, rest = str(line).partition(":")
        uncertain.setdefault(_party(names, pid.strip()), []).append(rest.strip() or line)
    plan_id = result.get("plan") or result.get("label")
    plan = next((p for p in scenario.plans if p.id == plan_id), None)
    return {
        "plan": plan_id, "plan_title": plan.title if plan else None,
        "samples": result.get("samples"), "requested": result.get("requested"),
        "seed": result.get("seed"), "partial": result.get("partial"),
        "all_accept": percent(result.get("all_accept")),
        "all_accept_ci": (f"{percent(result['all_accept_ci95'][0])} – "
                          f"{percent(result['all_accept_ci95'][1])}"
                          if isinstance(result.get("all_accept_ci95"), list) else None),
        "stated_all_accept": stated.get("all_accept"),
        "rows": rows, "uncertain": uncertain,
        "choices": _choices(scenario, result.get("choices")),
    }


# calibrate -----------------------------------------------------------------------------------
def _interval(got: Any) -> str:
    if not (isinstance(got, list) and len(got) == 2):
        return "—"
    return f"{percent(got[0])} – {percent(got[1])}"


def _red_line_words(e: dict[str, Any], owner: str) -> str:
    prior, post = e.get("prior"), e.get("posterior")
    if not isinstance(prior, int | float) or isinstance(prior, bool):
        return "—"
    if not isinstance(post, int | float) or isinstance(post, bool):
        return f"no posterior ({owner} is contradicted)"
    from accord.calibrate.run import red_line_shift

    return f"the reactions make it {red_line_shift(prior, post)}: {prior:.3f} → {post:.3f}"


def calibrate_view(result: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """What the parties' reactions say: each observation and whether the stated numbers
    reproduce it, the smallest revision per party in words, acceptance per plan and party
    under the prior and the posterior, agreement, and red lines prior → posterior."""
    names = _names(scenario)
    issues = _issue_names(scenario)
    status = _mapping(result.get("status"))
    ess = _mapping(result.get("effective_samples"))
    observations = []
    for o in result.get("observations") or []:
        if not isinstance(o, dict):
            continue
        stance = str(o.get("stance", "—"))
        if o.get("issue") is not None:
            stance += f" {issues.get(str(o['issue']), o['issue'])}"
        counted = o.get("counted")
        observations.append({
            "statement": o.get("statement"), "party_id": o.get("party"),
            "party": _party(names, o.get("party")), "plan": o.get("plan"), "stance": stance,
            "confidence": number(o.get("confidence"), 2),
            "counted": "yes" if counted is True else "no" if counted is False else "—",
            "fits": "yes" if o.get("fits") is True else "no" if o.get("fits") is False
            else "—",
            "why": (o.get("why") if counted is not False
                    else f"not counted: {o.get('not_counted') or '—'}") or "—",
        })
    revision = []
    for pid, r in _mapping(result.get("revision")).items():
        r = _mapping(r)
        words = str(r.get("words") or "—").removeprefix(f"{pid}: ")  # the name is shown
        revision.append({"id": pid, "name": _party(names, pid), "words": words,
                         "feasible": r.get("feasible"),
                         "distance": number(r.get("distance"), 4),
                         "conflict": [str(x) for x in r.get("conflict") or []]})
    prior, post = _mapping(result.get("prior")), _mapping(result.get("posterior"))
    p_acc, p_ci = _mapping(prior.get("accept")), _mapping(prior.get("accept_ci95"))
    q_acc, q_ci = _mapping(post.get("accept")), _mapping(post.get("accept_ci95"))
    plan_ids = [p.id for p in scenario.plans if p.id in p_acc or p.id in q_acc] + \
        [k for k in p_acc if k not in {p.id for p in scenario.plans}]
    titles = {p.id: p.title for p in scenario.plans}
    acceptance = []
    for plan in plan_ids:
        pa, pc = _mapping(p_acc.get(plan)), _mapping(p_ci.get(plan))
        qa, qc = _mapping(q_acc.get(plan)), _mapping(q_ci.get(plan))
        for pid in [p.id for p in scenario.parties if p.id in pa or p.id in qa]:
            acceptance.append({
                "plan": plan, "title": titles.get(plan), "party_id": pid,
                "party": _party(names, pid), "status": status.get(pid, "—"),
                "prior": percent(pa.get(pid)), "prior_ci": _interval(pc.get(pid)),
                "posterior": percent(qa.get(pid)), "posterior_ci": _interval(qc.get(pid)),
            })
    p_agree, q_agree = _mapping(prior.get("agreement")), _mapping(post.get("agreement"))
    agreement = [{"plan": plan, "title": titles.get(plan),
                  "prior": percent(p_agree.get(plan)), "posterior": percent(q_agree.get(plan))}
                 for plan in plan_ids if plan in p_agree or plan in q_agree]
    red_lines = []
    for rid, e in _mapping(result.get("red_lines")).items():
        e = _mapping(e)
        owner = _party(names, e.get("owner"))
        red_lines.append({"id": rid, "owner": owner, "probability": number(e.get("probability")),
                          "prior": number(e.get("prior")),
                          "posterior": number(e.get("posterior")),
                          "posterior_ci": _interval(e.get("posterior_ci95")),
                          "words": _red_line_words(e, owner)})
    intervals = []
    for pid, rows in _mapping(result.get("intervals")).items():
        for name, e in _mapping(rows).items():
            e = _mapping(e)
            field = str(name)
            label = ("walk-away" if field == "reservation" else
                     f"weight on {issues.get(field.removeprefix('weights.'), field)}")
            pr, po = e.get("prior"), e.get("posterior")
            intervals.append({"party": _party(names, pid), "input": label,
                              "prior": (f"{number(pr[0])} – {number(pr[1])}"
                                        if isinstance(pr, list) and len(pr) == 2 else "—"),
                              "posterior": (f"{number(po[0])} – {number(po[1])}"
                                            if isinstance(po, list) and len(po) == 2
                                            else "—")})
    return {
        "samples": result.get("samples"), "seed": result.get("seed"),
        "status": [{"name": _party(names, pid), "status": st,
                    "ess": number(ess.get(pid), 1)} for pid, st in status.items()],
        "observations": observations, "revision": revision, "acceptance": acceptance,
        "agreement": agreement, "red_lines": red_lines, "intervals": intervals,
        "notes": [str(n) for n in result.get("notes") or []],
        "warnings": [str(w) for w in result.get("warnings") or []],
    }


VIEWS: dict[str, ViewBuilder] = {"score": score_view, "solve": solve_view,
                                 "robustness": robustness_view, "calibrate": calibrate_view}


def register_view(kind: str, builder: ViewBuilder) -> None:
    """The hook for a new kind of result (e.g. calibration): its view model builder. Add
    templates/partials/result_<kind>.html beside it."""
    VIEWS[kind] = builder


def build(kind: str, result: Any, scenario: Scenario) -> dict[str, Any] | None:
    """The view model of a result, or None (no result yet, or a kind without a view)."""
    fn = VIEWS.get(kind)
    if fn is None or not isinstance(result, dict) or not result:
        return None
    return fn(result, scenario)


def page_context(ws: Workspace, viewer: policy.Viewer, scenario_id: int,
                 job: dict[str, Any]) -> dict[str, Any]:
    """What the job page needs beyond the job: its view model, whether it is stale, and the
    party names for the plot (public), from the version the job ran on."""
    _, full = ws.load(scenario_id, job["version"])
    seen = policy.filter_scenario(full, viewer)
    current = ws.store.scenario(scenario_id).current_version
    names = _names(seen)
    return {"result_view": build(job["kind"], job.get("result"), seen),
            "stale": job["version"] != current, "current_version": current,
            "names_json": script_json(names),
            "can_rerun": job["status"] in ("failed", "interrupted")
            and policy.allowed(viewer, f"run_{job['kind']}"),
            "can_publish": policy.allowed(viewer, "publish")}


# routes --------------------------------------------------------------------------------------
def register_results(app: FastAPI, ws: Workspace, templates: Jinja2Templates,
                     session_of: Callable[[Request], tuple[User, str] | None]) -> None:
    """Template filters, and the report viewed in the browser (mediators only)."""
    templates.env.filters["when"] = when
    templates.env.filters["num"] = number
    templates.env.filters["pct"] = percent

    @app.get("/scenarios/{scenario_id}/report", response_class=HTMLResponse, tags=["pages"],
             summary="The HTML report in the browser, sandboxed (mediator)")
    def report_page(request: Request, scenario_id: ScenarioId) -> Response:
        found = session_of(request)
        if found is None:
            return RedirectResponse("/login", status_code=303)
        try:
            viewer = ws.viewer(found[0], scenario_id)
            html = ws.report(viewer, scenario_id)
        except (WebError, policy.Forbidden) as exc:
            status = exc.status if isinstance(exc, WebError) else 403
            return templates.TemplateResponse(request, "error.html",
                                              {"user": found[0], "message": str(exc)},
                                              status_code=status)
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})
