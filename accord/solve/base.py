"""What every solution concept shares: the problem statement, the result objects, and the plain
explanation of an empty agreement zone.

A bargaining problem here is the compiled model restricted to the parties asked about, the
constraints respected (red lines; individual rationality, u_p >= reservation_p), and the
disagreement point d. Results say how they were found (engine), whether they are proven
optimal, and the gap; a heuristic result is never marked optimal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from accord.model.compiled import (
    BoolArray,
    CompiledModel,
    Constraints,
    FloatArray,
    IntArray,
    RedLines,
)
from accord.model.scenario import OptionValue

EPS = 1e-6
"""Utilities closer than this are equal: MILP feasibility tolerances are about 1e-7."""

MERGE_CAP = 4096
"""Linked issues merge into one for the dynamic programme up to this many combinations."""

METHODS = ("nash", "ks", "egalitarian", "utilitarian", "maxmin-gain")
ENGINES = ("auto", "enumeration", "milp", "dp")


@dataclass(frozen=True)
class Problem:
    """The feasible set and reference points of one solve, for the parties in `model`.

    Feasible: a valid package (no constraint violated) that crosses no binding red line of any
    party (`model.red_lines`, whoever is in the objective), except the red lines `exempt`
    crosses, and meets the floors. `allowed` is the product superset the engines scan;
    `linked` says whether constraints or conditional red lines cut it further (`admissible`).
    """

    model: CompiledModel
    respect_red_lines: bool
    individual_rationality: bool
    disagreement: FloatArray
    """(P,) d_p: the reservations unless given; 0 when individual rationality is off."""
    floor: FloatArray
    """(P,) lower bound on each utility (-inf when unconstrained)."""
    exempt: IntArray | None = None
    """A package (a plan) whose crossed red lines are exempt, by identity: each may still be
    crossed the way the plan crosses it (its option there) and no other way; a red line the
    plan does not cross (or lifts through `unless`) is not exempt."""
    fixed: IntArray | None = None
    """(I,) an option index per issue to keep fixed, -1 where free (`solve --complete`)."""

    @cached_property
    def lines(self) -> RedLines:
        """The red lines this problem respects: binding ones, exemptions applied."""
        rl = self.model.red_lines
        if not self.respect_red_lines:
            return rl.select(np.zeros(len(rl), dtype=bool))
        forbid = rl.forbid
        if self.exempt is not None and len(rl):
            x = np.asarray(self.exempt, dtype=np.int64)[None]
            hit = rl.crossed(x)[0]
            forbid = rl.forbid.copy()
            forbid[np.flatnonzero(hit), x[0, rl.issue[hit]]] = False
        return rl.select(rl.binding, forbid)

    @cached_property
    def allowed(self) -> list[IntArray]:
        """Per issue, the option indices left by unconditional red lines, single-issue
        constraints and fixed issues: a product superset of the feasible set."""
        m = self.model
        ok = np.array(~m.padding)
        lines = self.lines
        for r in np.flatnonzero(~lines.conditional):
            ok[lines.issue[r]] &= ~lines.forbid[r]
        cons = m.constraints
        assert cons is not None
        for c in np.flatnonzero(cons.issues.sum(axis=1) == 1):
            i = int(np.flatnonzero(cons.issues[c])[0])
            ok[i] &= ~cons.options[c, i]
        if self.fixed is not None:
            for i, o in enumerate(np.asarray(self.fixed).tolist()):
                if o >= 0:
                    keep = ok[i, o]
                    ok[i] = False
                    ok[i, o] = keep
        return [np.flatnonzero(ok[i, : int(m.n_options[i])]) for i in range(m.n_issues)]

    @cached_property
    def conditional_lines(self) -> RedLines:
        lines = self.lines
        return lines.select(lines.conditional)

    @cached_property
    def linking(self) -> BoolArray:
        """(C,) constraints over two or more issues (single-issue ones are in `allowed`)."""
        cons = self.model.constraints
        assert cons is not None
        return np.asarray(cons.issues.sum(axis=1) >= 2)

    @property
    def linked(self) -> bool:
        """Constraints or conditional red lines tie issues: the feasible set is not a product,
        so `admissible` must filter and a per-issue dynamic programme is not exact."""
        return bool(self.linking.any() or len(self.conditional_lines))

    def admissible(self, packages: IntArray, within: Sequence[int] | None = None
                   ) -> BoolArray:
        """(N,) packages from `allowed` that also meet every linking constraint and
        conditional red line (only those on the issues `within`, when given)."""
        x = np.asarray(packages, dtype=np.intp).reshape(-1, self.model.n_issues)
        ok = np.ones(x.shape[0], dtype=bool)
        cons = self.model.constraints
        assert cons is not None
        link = self.linking
        lines = self.conditional_lines
        keep = np.ones(len(lines), dtype=bool)
        if within is not None:
            inside = np.zeros(self.model.n_issues, dtype=bool)
            inside[list(within)] = True
            link = link & cons.issues[:, inside].any(axis=1)
            keep = inside[lines.issue]
        if link.any():
            ok &= ~_match_any(cons.issues[link], cons.options[link], x)
        if keep.any():
            ok &= ~lines.select(keep).crossed(x).any(axis=1)
        return ok

    def groups(self, cap: int = MERGE_CAP) -> list[tuple[list[int], IntArray]] | None:
        """Issues merged where constraints or conditional red lines link them: per group, its
        issues (ascending) and its admissible option combinations (k, len(issues)). Single
        issues keep their allowed options. None when a merged group would exceed `cap`
        combinations before filtering."""
        m = self.model
        parent = list(range(m.n_issues))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        cons = m.constraints
        assert cons is not None
        clauses = [np.flatnonzero(cons.issues[c]) for c in np.flatnonzero(self.linking)]
        lines = self.conditional_lines
        clauses += [np.union1d(np.flatnonzero(lines.unless_issues[r]), [lines.issue[r]])
                    for r in range(len(lines))]
        for members in clauses:
            for j in members[1:]:
                parent[find(int(j))] = find(int(members[0]))
        comps: dict[int, list[int]] = {}
        for i in range(m.n_issues):
            comps.setdefault(find(i), []).append(i)
        out: list[tuple[list[int], IntArray]] = []
        for issues in sorted(comps.values()):
            if len(issues) == 1:
                out.append((issues, self.allowed[issues[0]].astype(np.int64)[:, None]))
                continue
            size = 1
            for i in issues:
                size *= len(self.allowed[i])
            if size > cap:
                return None
            grids = np.meshgrid(*[self.allowed[i] for i in issues], indexing="ij")
            combos = np.stack([g.reshape(-1) for g in grids], axis=1).astype(np.int64)
            x = np.zeros((combos.shape[0], m.n_issues), dtype=np.int64)
            x[:, issues] = combos
            # Every clause lies within one group, so the other issues' zeros cannot matter
            # once only this group's clauses are checked.
            out.append((issues, combos[self.admissible(x, within=issues)]))
        return out

    @cached_property
    def merged(self) -> list[tuple[list[int], IntArray]] | None:
        """`groups()` at the default cap, computed once."""
        return self.groups()

    def packages(self, chunk: int = 1 << 18) -> Iterator[IntArray]:
        """Every package of the feasible set before floors, in chunks."""
        from accord.solve.enumerate import iter_subspace

        for x in iter_subspace(self.allowed, chunk):
            if self.linked:
                x = x[self.admissible(x)]
            if x.shape[0]:
                yield x

    @property
    def space_size(self) -> int:
        """Packages in `allowed`: exact when not `linked`, otherwise an upper bound."""
        out = 1
        for a in self.allowed:
            out *= len(a)
        return out

    def count(self, limit: int) -> int | None:
        """The exact number of packages before floors, or None above `limit` to scan."""
        if not self.linked:
            return self.space_size
        if self.space_size > limit:
            return None
        return sum(int(x.shape[0]) for x in self.packages())

    def describe_space(self, limit: int) -> str:
        n = self.count(limit)
        return f"{n:,} packages" if n is not None else f"at most {self.space_size:,} packages"

    def feasible_mask(self, utilities: FloatArray) -> np.ndarray:
        """(N,) packages (already within red lines) whose utilities meet the floor."""
        return np.asarray((utilities >= self.floor - 1e-12).all(axis=1))


def _match_any(issues: np.ndarray, masks: np.ndarray, x: np.ndarray) -> BoolArray:
    return np.asarray(Constraints((), issues, masks).violated(x).any(axis=1))


def make_problem(
    model: CompiledModel,
    parties: Sequence[str] | None = None,
    *,
    respect_red_lines: bool = True,
    individual_rationality: bool = True,
    disagreement: Sequence[float] | dict[str, float] | None = None,
    floor_at_disagreement: bool = False,
    exempt: IntArray | Sequence[int] | None = None,
    fixed: IntArray | Sequence[int] | None = None,
) -> Problem:
    """Restrict the model to `parties` and state the constraints.

    With `floor_at_disagreement` (Nash, KS) packages must also give each party at least d_p,
    the bargaining set of Nash (1950). `parties` default to the model's bargaining set (consent
    `all`); any choice keeps every party's binding red lines.
    """
    if parties is None:
        parties = list(model.bargaining_set)
        if not parties and model.n_parties:
            raise ValueError("no scored party has consent `all`, so there is no bargaining "
                             "set; name the parties whose utilities to use")
    if list(parties) != list(model.party_ids):
        model = model.restrict(list(parties))
    p = model.n_parties
    if disagreement is None:
        d = model.reservation.copy() if individual_rationality else np.zeros(p)
    elif isinstance(disagreement, dict):
        missing = [q for q in model.party_ids if q not in disagreement]
        if missing:
            raise ValueError(f"disagreement point lacks {', '.join(missing)}")
        d = np.array([float(disagreement[q]) for q in model.party_ids])
    else:
        d = np.asarray(disagreement, dtype=float).reshape(-1)
        if d.shape[0] != p:
            raise ValueError(f"disagreement point has {d.shape[0]} values for {p} parties")
    floor = model.reservation.copy() if individual_rationality else np.full(p, -np.inf)
    if floor_at_disagreement:
        floor = np.maximum(floor, d)
    ex = None if exempt is None else np.asarray(exempt, dtype=np.int64)
    fx = None if fixed is None else np.asarray(fixed, dtype=np.int64)
    return Problem(model, respect_red_lines, individual_rationality, d, floor, ex, fx)


@dataclass(frozen=True)
class SolvedPackage:
    package: IntArray
    choices: dict[str, OptionValue]
    utilities: dict[str, float]
    objective: float | None = None

    @property
    def degenerate(self) -> bool:
        """The objective is not a finite number (a Nash product of 0: some gain is not
        positive, so its log is -inf); the package was ranked by the tie-break instead."""
        return self.objective is not None and not np.isfinite(self.objective)

    def to_dict(self) -> dict[str, Any]:
        finite = self.objective is not None and bool(np.isfinite(self.objective))
        return {
            "choices": self.choices,
            "utilities": {k: round(v, 9) for k, v in self.utilities.items()},
            # Strict JSON has no -Infinity: a non-finite objective is null, flagged degenerate.
            "objective": round(float(self.objective), 9) if finite else None,  # type: ignore[arg-type]
            "degenerate": self.degenerate,
        }


OBJECTIVES = {
    "nash": "log of the Nash product: sum_p log(u_p - d_p)",
    "ks": "smallest share of the ideal gain: min_p (u_p - d_p) / (ideal_p - d_p)",
    "egalitarian": "smallest utility: min_p u_p",
    "utilitarian": "sum of utilities: sum_p u_p",
    "maxmin-gain": "smallest gain over the baseline: min_p (u_p - u_p(baseline))",
}
"""What each method's `objective` number is, the same whichever engine found the package."""

STATUSES = ("optimal", "time_limit", "infeasible", "no_package")


@dataclass
class SolveResult:
    method: str
    engine: str
    optimal: bool
    gap: float
    seconds: float
    feasible: bool
    message: str
    packages: list[SolvedPackage] = field(default_factory=list)
    parties: tuple[str, ...] = ()
    disagreement: dict[str, float] = field(default_factory=dict)
    tolerance: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> SolvedPackage | None:
        return self.packages[0] if self.packages else None

    @property
    def status(self) -> str:
        """optimal (found and proven), time_limit (found, a limit stopped the proof),
        infeasible (proven that no package meets the constraints), or no_package (none found
        before a limit; nothing proven)."""
        if self.packages:
            return "optimal" if self.optimal else "time_limit"
        return "infeasible" if self.optimal else "no_package"

    @property
    def degenerate(self) -> bool:
        return any(p.degenerate for p in self.packages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "objective": OBJECTIVES.get(self.method, self.method),
            "engine": self.engine,
            "status": self.status,
            "optimal": self.optimal,
            "degenerate": self.degenerate,
            "gap": self.gap if np.isfinite(self.gap) else None,
            "seconds": round(self.seconds, 6),
            "packages": [p.to_dict() for p in self.packages],
            "feasible": self.feasible,
            "message": self.message,
            "parties": list(self.parties),
            "disagreement": {k: round(v, 9) for k, v in self.disagreement.items()},
            "tolerance": self.tolerance,
            **self.details,
        }


def solved(model: CompiledModel, package: IntArray, objective: float | None) -> SolvedPackage:
    """A package with its choices and utilities, computed by the compiled model."""
    pkg = np.asarray(package, dtype=np.int64)
    u = model.utilities(pkg)
    return SolvedPackage(pkg, model.decode(pkg),
                         dict(zip(model.party_ids, map(float, u), strict=True)), objective)


@dataclass(frozen=True)
class Frontier:
    """Pareto-optimal utility points (one representative package each), sorted by party 0."""

    utilities: FloatArray  # (K, P)
    packages: IntArray  # (K, I)
    parties: tuple[str, ...]
    exact: bool
    method: str
    message: str = ""
    seconds: float = 0.0

    def __len__(self) -> int:
        return int(self.utilities.shape[0])

    def to_rows(self, model: CompiledModel) -> list[dict[str, Any]]:
        rows = []
        for u, x in zip(self.utilities, self.packages, strict=True):
            row: dict[str, Any] = {p: float(v) for p, v in zip(self.parties, u, strict=True)}
            row.update({k: v for k, v in model.decode(x).items()})
            rows.append(row)
        return rows


class Infeasible(Exception):
    """No package meets the constraints; the message names the ones that conflict."""


def explain_infeasible(problem: Problem, best_min_slack: Any,
                       conflict: Sequence[str] | None = None) -> str:
    """Name the constraints that cannot hold together, smallest conflicting group first.

    `best_min_slack(parties)` returns max over packages within the red lines of
    min_{p in parties} (u_p - floor_p), or None when the red lines alone leave nothing.
    `conflict`: an irreducible set of constraint and red-line ids that leaves no package
    (`accord.solve.conflict.irreducible`), when there is one.
    """
    m = problem.model
    if problem.respect_red_lines:
        lines = []
        rl = problem.lines
        for i, opts in enumerate(problem.allowed):
            if len(opts) == 0 and (problem.fixed is None or problem.fixed[i] < 0):
                who: dict[str, np.ndarray] = {}
                for r in np.flatnonzero((rl.issue == i) & ~rl.conditional):
                    who[rl.owner[r]] = who.get(rl.owner[r], np.zeros_like(rl.forbid[r])) | \
                        rl.forbid[r]
                banned = {pid: ", ".join(str(m.raw_options[i][o]) for o in np.flatnonzero(b))
                          for pid, b in who.items()}
                text = "; ".join(f"{pid} forbids {bad}" for pid, bad in banned.items())
                lines.append(f"on issue {m.issue_ids[i]!r} every option is behind a red line "
                             f"({text})")
        if lines:
            return "no package respects every red line: " + "; ".join(lines)
    if conflict:
        return ("no valid package respects every binding red line; these cannot all hold "
                f"(an irreducible set): {', '.join(conflict)}")
    floor = problem.floor
    bound = [p for p in range(m.n_parties) if np.isfinite(floor[p])]
    # Single parties first, then pairs, triples...: report the smallest conflicting groups.
    from itertools import combinations

    for k in range(1, len(bound) + 1):
        groups = []
        for group in combinations(bound, k):
            slack = best_min_slack(list(group))
            if slack is not None and slack < -1e-9:
                groups.append((group, slack))
        if groups:
            out = []
            for group, slack in groups:
                names = " and ".join(f"{m.party_ids[p]} ({floor[p]:.3f})" for p in group)
                if k == 1:
                    p = group[0]
                    out.append(f"{m.party_ids[p]} cannot reach its walk-away {floor[p]:.3f}: "
                               f"its best package within the red lines gives "
                               f"{floor[p] + slack:.3f}")
                else:
                    out.append(f"the walk-away values of {names} cannot be met together "
                               f"(at best one of them falls {-slack:.3f} short)")
            return "no package is acceptable to everyone: " + "; ".join(out) + \
                ". No agreement zone exists under these assumptions."
    return "no package meets the constraints"


@dataclass
class Found:
    """What an engine returns to the facade: packages best first and how sure it is."""

    packages: list[IntArray]
    objectives: list[float]
    optimal: bool
    gap: float = 0.0
    message: str = ""
    tolerance: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


def ones(n: int) -> FloatArray:
    return np.ones(n, dtype=np.float64)
