"""The compiled model: one immutable set of numpy arrays that every algorithm shares.

Multi-attribute additive utility (Keeney and Raiffa 1976): u_p(x) = sum_i w_pi * v_pi(x_i).
Issues and options are integer-coded; a package is a vector of option indices, one per issue.
`table[p, i, o] = w_pi * v_pi(o)` is precomputed, so evaluating N packages for P parties is a
gather and a sum over issues. Padding beyond an issue's options is forbidden and worth 0.

Solvers read the flat layout (`flat_table`, `offsets`): one column per (issue, option), the
coefficient matrix of a MILP with one binary per option.

Feasibility is two structures, compiled once: `constraints` (option combinations that are not
packages at all) and `red_lines` (each an option mask on one issue, lifted by its `unless`
conditions, with its id, owner, probability and whether its owner's consent makes it bind).
Both are "clauses": a package matches a clause when, on each issue the clause lists, it has one
of the listed options (AND across issues, OR within one). Engines call `valid`, `crossed`,
`within_red_lines`, `blocks` and `admissible`; none re-derives them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.model.scenario import OptionValue, Scenario, option_key, red_line_id

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _match(issues: BoolArray, masks: BoolArray, x: np.ndarray) -> BoolArray:
    """(N, K): package n has, on every issue clause k lists, one of the clause's options."""
    out = np.ones((x.shape[0], issues.shape[0]), dtype=bool)
    for i in np.flatnonzero(issues.any(axis=0)):
        hit = masks[:, i, :].T.take(x[:, i], axis=0)  # (N, K)
        out &= hit | ~issues[:, i]
    return out


@dataclass(frozen=True, eq=False)
class Constraints:
    """Forbidden option combinations: package x is invalid when it matches clause c."""

    ids: tuple[str, ...]
    issues: BoolArray  # (C, I) issues clause c lists
    options: BoolArray  # (C, I, O) the listed options (all True on issues it does not list)

    def __post_init__(self) -> None:
        for name in ("issues", "options"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def __len__(self) -> int:
        return len(self.ids)

    def violated(self, x: np.ndarray) -> BoolArray:
        """(N, C) True where package n contains combination c."""
        return _match(self.issues, self.options, x)


@dataclass(frozen=True, eq=False)
class RedLines:
    """Every party's red lines, whatever parties a model is restricted to.

    Red line r of `owner[r]` forbids the options `forbid[r]` on issue `issue[r]` unless the
    package matches its condition clause (`unless_issues[r]`, `unless[r]`).
    """

    ids: tuple[str, ...]
    owner: tuple[str, ...]
    issue: IntArray  # (R,)
    forbid: BoolArray  # (R, O)
    unless_issues: BoolArray  # (R, I) issues the unless clause lists (none: unconditional)
    unless: BoolArray  # (R, I, O) options that lift it (all True on issues it does not list)
    probability: FloatArray  # (R,)
    binding: BoolArray  # (R,) its owner's consent covers its issue: it binds every solution

    def __post_init__(self) -> None:
        for name in ("issue", "forbid", "unless_issues", "unless", "probability", "binding"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def conditional(self) -> BoolArray:
        """(R,) red lines with an `unless`."""
        return np.asarray(self.unless_issues.any(axis=1))

    def lifted(self, x: np.ndarray) -> BoolArray:
        """(N, R) True where the unless clause holds (False for unconditional red lines)."""
        return _match(self.unless_issues, self.unless, x) & self.conditional[None]

    def crossed(self, x: np.ndarray) -> BoolArray:
        """(N, R) True where package n has a forbidden option and the red line is not lifted."""
        x = np.asarray(x, dtype=np.intp)
        if not len(self):
            return np.zeros((x.shape[0], 0), dtype=bool)
        hit = self.forbid[np.arange(len(self))[None, :], x[:, self.issue]]  # (N, R)
        if self.conditional.any():
            hit &= ~self.lifted(x)
        return np.asarray(hit)

    def select(self, keep: BoolArray, forbid: BoolArray | None = None) -> RedLines:
        """The red lines where `keep`, optionally with other forbidden-option masks."""
        k = np.asarray(keep, dtype=bool)
        f = self.forbid if forbid is None else forbid
        return RedLines(
            ids=tuple(r for r, y in zip(self.ids, k, strict=True) if y),
            owner=tuple(r for r, y in zip(self.owner, k, strict=True) if y),
            issue=self.issue[k].copy(), forbid=f[k].copy(),
            unless_issues=self.unless_issues[k].copy(), unless=self.unless[k].copy(),
            probability=self.probability[k].copy(), binding=self.binding[k].copy())

    @classmethod
    def from_masks(cls, party_ids: Sequence[str], forbidden: BoolArray,
                   padding: BoolArray) -> RedLines:
        """Unconditional red lines from a (P, I, O) mask: one per party and issue it forbids
        options on (padding ignored). For tests and generated models."""
        mask = np.asarray(forbidden, dtype=bool) & ~np.asarray(padding)[None]
        n_p, n_i, n_o = mask.shape
        where = [(p, i) for p in range(n_p) for i in range(n_i) if mask[p, i].any()]
        r = len(where)
        return cls(
            ids=tuple(f"{party_ids[p]}:i{i}:0" for p, i in where),
            owner=tuple(party_ids[p] for p, _ in where),
            issue=np.array([i for _, i in where], dtype=np.int64),
            forbid=np.array([mask[p, i] for p, i in where], dtype=bool).reshape(r, n_o),
            unless_issues=np.zeros((r, n_i), dtype=bool),
            unless=np.ones((r, n_i, n_o), dtype=bool),
            probability=np.ones(r), binding=np.ones(r, dtype=bool))


def no_constraints(n_issues: int, n_options: int) -> Constraints:
    return Constraints((), np.zeros((0, n_issues), dtype=bool),
                       np.ones((0, n_issues, n_options), dtype=bool))


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """Arrays for the scored parties (those with preferences), in scenario order.

    `red_lines` and `constraints` cover the whole scenario: restricting the model to some
    parties keeps every party's red lines, so a binding red line is never dropped.
    """

    scenario_id: str
    party_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    """Option keys per issue (as matched: `option_key`)."""
    raw_options: tuple[tuple[OptionValue, ...], ...]
    """Options as written in the file, for output."""
    numeric: BoolArray  # (I,)
    n_options: IntArray  # (I,)
    weights: FloatArray  # (P, I), rows sum to 1
    values: FloatArray  # (P, I, O), 0 where padded
    red_lines: RedLines
    padding: BoolArray  # (I, O)
    reservation: FloatArray  # (P,)
    constraints: Constraints | None = None
    consent: tuple[str, ...] | None = None
    """Per party: "all", "list" or "none" (default all)."""
    consent_issues: BoolArray | None = None
    """(P, I) issues on which the party's red lines bind (all for "all", none for "none")."""
    table: FloatArray = field(init=False)  # (P, I, O) = weights * values
    offsets: IntArray = field(init=False)  # (I + 1,) start of each issue in the flat layout
    _by_issue: FloatArray = field(init=False, repr=False)  # (I, O, P) for row gathers
    _hard_by_issue: BoolArray = field(init=False, repr=False)  # (I, O, P) unconditional
    _soft: BoolArray = field(init=False, repr=False)  # (R,) conditional lines of model parties
    _owner_index: IntArray = field(init=False, repr=False)  # (R,) model party or -1

    def __post_init__(self) -> None:
        n_i, n_o = self.padding.shape
        if self.constraints is None:
            object.__setattr__(self, "constraints", no_constraints(n_i, n_o))
        if self.consent is None:
            object.__setattr__(self, "consent", ("all",) * len(self.party_ids))
        if self.consent_issues is None:
            object.__setattr__(self, "consent_issues",
                               np.ones((len(self.party_ids), n_i), dtype=bool))
        table = self.weights[:, :, None] * self.values
        table[:, self.padding] = 0.0
        object.__setattr__(self, "table", _frozen(table))
        object.__setattr__(self, "_by_issue", _frozen(table.transpose(1, 2, 0).copy()))
        rl = self.red_lines
        owner = np.array([self.party_ids.index(o) if o in self.party_ids else -1
                          for o in rl.owner], dtype=np.int64)
        object.__setattr__(self, "_owner_index", _frozen(owner))
        hard = np.zeros((len(self.party_ids), n_i, n_o), dtype=bool)
        cond = rl.conditional
        for r in np.flatnonzero(~cond & (owner >= 0)):
            hard[owner[r], rl.issue[r]] |= rl.forbid[r]
        object.__setattr__(self, "_hard_by_issue", _frozen(hard.transpose(1, 2, 0).copy()))
        object.__setattr__(self, "_soft", _frozen(cond & (owner >= 0)))
        offsets = np.concatenate([[0], np.cumsum(self.n_options)]).astype(np.int64)
        object.__setattr__(self, "offsets", _frozen(offsets))
        for name in ("numeric", "n_options", "weights", "values", "padding", "reservation",
                     "consent_issues"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    # --- sizes --------------------------------------------------------------------------------
    @property
    def n_parties(self) -> int:
        return len(self.party_ids)

    @property
    def n_issues(self) -> int:
        return len(self.issue_ids)

    @property
    def size(self) -> int:
        """Number of packages, valid or not (may exceed int64 range only as a Python int)."""
        out = 1
        for n in self.n_options.tolist():
            out *= int(n)
        return out

    @property
    def flat_table(self) -> FloatArray:
        """(P, sum n_options): each party's utility coefficient per (issue, option) column."""
        return self.table[:, ~self.padding]

    @property
    def linked(self) -> bool:
        """True when constraints or conditional red lines tie issues together, so the valid
        packages are not a product of per-issue option sets."""
        assert self.constraints is not None
        return bool(len(self.constraints) or self.red_lines.conditional.any())

    @property
    def bargaining_set(self) -> tuple[str, ...]:
        """The parties with consent `all`: the solvers' objective, walk-away and efficiency."""
        assert self.consent is not None
        return tuple(p for p, c in zip(self.party_ids, self.consent, strict=True) if c == "all")

    def party_index(self, party: str | Iterable[str]) -> Any:
        if isinstance(party, str):
            try:
                return self.party_ids.index(party)
            except ValueError:
                raise KeyError(
                    f"party {party!r} has no preferences; scored parties: "
                    f"{', '.join(self.party_ids)}"
                ) from None
        return [self.party_index(p) for p in party]

    # --- evaluation ---------------------------------------------------------------------------
    def utilities(self, packages: ArrayLike) -> FloatArray:
        """(N, P) utilities of (N, I) packages, or (P,) for one package."""
        x = np.asarray(packages, dtype=np.intp)
        single = x.ndim == 1
        # Issue-major copy: each issue's column is contiguous, so every gather streams.
        xt = self._issue_major(x)
        # One (N, P) gather per issue keeps memory at O(N * P) whatever the number of issues.
        by_issue = self._by_issue
        out = by_issue[0].take(xt[0], axis=0)
        for i in range(1, self.n_issues):
            out += by_issue[i].take(xt[i], axis=0)
        return out[0] if single else out

    def _issue_major(self, x: np.ndarray) -> np.ndarray:
        """(I, N) option indices in the narrowest integer type: small, contiguous per issue."""
        small = np.uint8 if int(self.n_options.max(initial=1)) <= 255 else np.int32
        out = np.empty((self.n_issues, x.size // max(self.n_issues, 1)), dtype=small)
        out[...] = x.reshape(-1, self.n_issues).T
        return out

    def _rows(self, packages: ArrayLike) -> np.ndarray:
        return np.asarray(packages, dtype=np.intp).reshape(-1, self.n_issues)

    def valid(self, packages: ArrayLike) -> BoolArray:
        """(N,) True where the package contains no forbidden combination (`constraints`)."""
        assert self.constraints is not None
        x = self._rows(packages)
        if not len(self.constraints):
            return np.ones(x.shape[0], dtype=bool)
        return np.asarray(~self.constraints.violated(x).any(axis=1))

    def violated_constraints(self, package: ArrayLike) -> list[str]:
        """Ids of the constraints one package violates."""
        assert self.constraints is not None
        hit = self.constraints.violated(self._rows(package))[0]
        return [c for c, h in zip(self.constraints.ids, hit, strict=True) if h]

    def crossed(self, packages: ArrayLike) -> BoolArray:
        """(N, R) True where package n crosses red line r (`red_lines`, honouring unless)."""
        return self.red_lines.crossed(self._rows(packages))

    def violations(self, packages: ArrayLike) -> BoolArray:
        """(N, P, I): True where package n crosses a red line of party p on issue i."""
        x = self._rows(packages)
        cols = np.arange(self.n_issues)
        hard = self._hard_by_issue.transpose(2, 0, 1)  # (P, I, O)
        out = np.stack([hard[p][cols, x] for p in range(self.n_parties)], axis=1) \
            if self.n_parties else np.zeros((x.shape[0], 0, self.n_issues), dtype=bool)
        soft = np.flatnonzero(self._soft)
        if soft.size:
            sub = self.red_lines.select(self._soft)
            hit = sub.crossed(x)  # (N, S)
            for k, r in enumerate(soft):
                out[:, self._owner_index[r], self.red_lines.issue[r]] |= hit[:, k]
        return out

    def within_red_lines(self, packages: ArrayLike) -> BoolArray:
        """(N, P): True where the package crosses none of party p's red lines (any consent)."""
        xt = self._issue_major(np.asarray(packages))
        crossed = self._hard_by_issue[0].take(xt[0], axis=0)
        for i in range(1, self.n_issues):
            crossed |= self._hard_by_issue[i].take(xt[i], axis=0)
        soft = np.flatnonzero(self._soft)
        if soft.size:
            hit = self.red_lines.select(self._soft).crossed(self._rows(packages))
            for k, r in enumerate(soft):
                crossed[:, self._owner_index[r]] |= hit[:, k]
        return ~crossed

    def accepts(self, packages: ArrayLike) -> BoolArray:
        """(N, P): within red lines and at least the reservation utility: the party's own
        verdict, whatever its consent."""
        x = self._rows(packages)
        return self.within_red_lines(x) & (self.utilities(x) >= self.reservation - 1e-12)

    def blocks(self, packages: ArrayLike) -> BoolArray:
        """(N, P): the party's verdict blocks agreement under its consent: `all` when it does
        not accept; a list when it crosses one of its binding red lines; `none` never."""
        x = self._rows(packages)
        assert self.consent is not None
        out = ~self.accepts(x)
        kinds = np.array(self.consent)
        if (kinds != "all").any():
            hit = self.crossed(x) & self.red_lines.binding[None]
            for p, kind in enumerate(self.consent):
                if kind == "none":
                    out[:, p] = False
                elif kind == "list":
                    out[:, p] = hit[:, self._owner_index == p].any(axis=1)
        return out

    def binding_crossed(self, packages: ArrayLike) -> BoolArray:
        """(N,) True where the package crosses a binding red line of any party."""
        rl = self.red_lines
        if not rl.binding.any():
            return np.zeros(self._rows(packages).shape[0], dtype=bool)
        return np.asarray(self.crossed(packages)[:, rl.binding].any(axis=1))

    def admissible(self, packages: ArrayLike) -> BoolArray:
        """(N,) valid and crossing no binding red line: what a solver may return."""
        return self.valid(packages) & ~self.binding_crossed(packages)

    def forbidden_options(self, *, conditional: bool = True) -> BoolArray:
        """(P, I, O) options a red line of party p forbids on issue i, plus padding.

        With `conditional` a red line counts even though its `unless` may lift it (a
        conservative mask for heuristics); without, only unconditional red lines count. Exact
        verdicts use `within_red_lines`/`crossed`, never this mask.
        """
        out = self._hard_by_issue.transpose(2, 0, 1).copy()
        if conditional:
            for r in np.flatnonzero(self._soft):
                out[self._owner_index[r], self.red_lines.issue[r]] |= self.red_lines.forbid[r]
        out[:, self.padding] = True
        return out

    # --- coding -------------------------------------------------------------------------------
    def encode(self, choices: Mapping[str, OptionValue],
               missing: int | None = None) -> IntArray:
        """Option indices of a package given as {issue: option}; every issue must be set
        unless `missing` gives the index to use for unset issues (e.g. -1 for open ones)."""
        out = np.empty(self.n_issues, dtype=np.int64)
        for i, iid in enumerate(self.issue_ids):
            if iid not in choices:
                if missing is not None:
                    out[i] = missing
                    continue
                raise KeyError(f"package leaves issue {iid!r} unset")
            key = option_key(choices[iid])
            try:
                out[i] = self.options[i].index(key)
            except ValueError:
                raise KeyError(
                    f"{key!r} is not an option of {iid!r}; options: {', '.join(self.options[i])}"
                ) from None
        return out

    def decode(self, package: Sequence[int] | IntArray) -> dict[str, OptionValue]:
        """{issue: option as written} for a package of option indices."""
        return {iid: self.raw_options[i][int(package[i])] for i, iid in enumerate(self.issue_ids)}

    def ideal(self, respect_red_lines: bool = True) -> FloatArray:
        """(P,) each party's best utility on its own, over the options no unconditional red
        line of its own forbids (conditional ones may be lifted; constraints ignored)."""
        mask = self.forbidden_options(conditional=False) if respect_red_lines else \
            np.broadcast_to(self.padding[None], self.table.shape)
        t = np.where(mask, -np.inf, self.table)
        return np.asarray(t.max(axis=2).sum(axis=1))

    def restrict(self, party_ids: Sequence[str]) -> CompiledModel:
        """The same model over a subset of the scored parties (for two-party analyses); every
        red line and constraint stays."""
        idx = self.party_index(party_ids)
        assert self.consent is not None and self.consent_issues is not None
        return CompiledModel(
            scenario_id=self.scenario_id, party_ids=tuple(party_ids), issue_ids=self.issue_ids,
            options=self.options, raw_options=self.raw_options, numeric=self.numeric.copy(),
            n_options=self.n_options.copy(), weights=self.weights[idx].copy(),
            values=self.values[idx].copy(), red_lines=self.red_lines,
            padding=self.padding.copy(), reservation=self.reservation[idx].copy(),
            constraints=self.constraints, consent=tuple(self.consent[k] for k in idx),
            consent_issues=self.consent_issues[idx].copy(),
        )


ArrayLike = Sequence[int] | Sequence[Sequence[int]] | np.ndarray


def _clause(issue_index: dict[str, int], options: tuple[tuple[str, ...], ...], n_o: int,
            spec: Mapping[str, Sequence[OptionValue]]) -> tuple[BoolArray, BoolArray]:
    n_i = len(options)
    issues = np.zeros(n_i, dtype=bool)
    mask = np.ones((n_i, n_o), dtype=bool)
    for iid, opts in spec.items():
        i = issue_index[iid]
        issues[i] = True
        mask[i] = False
        for o in opts:
            mask[i, options[i].index(option_key(o))] = True
    return issues, mask


def compile_scenario(scenario: Scenario) -> CompiledModel:
    """Build the arrays once; a Scenario from `parse_scenario` has normalised weights."""
    parties = scenario.scored_party_ids
    issues = scenario.issues
    omax = max((len(i.options) for i in issues), default=1)
    n_p, n_i = len(parties), len(issues)
    weights = np.zeros((n_p, n_i))
    values = np.zeros((n_p, n_i, omax))
    padding = np.zeros((n_i, omax), dtype=bool)
    options = tuple(tuple(option_key(o) for o in i.options) for i in issues)
    issue_index = {iss.id: k for k, iss in enumerate(issues)}
    for i, opts in enumerate(options):
        padding[i, len(opts):] = True
    consent: list[str] = []
    consent_issues = np.zeros((n_p, n_i), dtype=bool)
    for p, pid in enumerate(parties):
        scope = scenario.party(pid).consent_scope
        if isinstance(scope, list):
            consent.append("list")
            for iid in scope:
                consent_issues[p, issue_index[iid]] = True
        else:
            consent.append(scope)
            consent_issues[p] = scope == "all"
    ids: list[str] = []
    owner: list[str] = []
    r_issue: list[int] = []
    forbid: list[BoolArray] = []
    u_issues: list[BoolArray] = []
    u_mask: list[BoolArray] = []
    prob: list[float] = []
    binding: list[bool] = []
    for p, pid in enumerate(parties):
        pref = scenario.preferences[pid]
        total = sum(pref.weights.get(iss.id, 0.0) for iss in issues) or 1.0
        for i, iss in enumerate(issues):
            weights[p, i] = pref.weights.get(iss.id, 0.0) / total
            table = pref.values.get(iss.id, {})
            for o, key in enumerate(options[i]):
                values[p, i, o] = table.get(key, 0.0)
        for k, rl in enumerate(pref.red_lines):
            i = issue_index[rl.issue]
            f = np.zeros(omax, dtype=bool)
            for opt in rl.forbid:
                f[options[i].index(option_key(opt))] = True
            ui, um = _clause(issue_index, options, omax, rl.unless)
            ids.append(red_line_id(pid, k, rl))
            owner.append(pid)
            r_issue.append(i)
            forbid.append(f)
            u_issues.append(ui)
            u_mask.append(um)
            prob.append(rl.probability)
            binding.append(bool(consent_issues[p, i]))
    n_r = len(ids)
    red_lines = RedLines(
        ids=tuple(ids), owner=tuple(owner), issue=np.array(r_issue, dtype=np.int64),
        forbid=np.array(forbid, dtype=bool).reshape(n_r, omax),
        unless_issues=np.array(u_issues, dtype=bool).reshape(n_r, n_i),
        unless=np.array(u_mask, dtype=bool).reshape(n_r, n_i, omax),
        probability=np.array(prob, dtype=np.float64), binding=np.array(binding, dtype=bool))
    clauses = [_clause(issue_index, options, omax, c.forbid) for c in scenario.constraints]
    n_c = len(clauses)
    constraints = Constraints(
        ids=tuple(c.id for c in scenario.constraints),
        issues=np.array([c[0] for c in clauses], dtype=bool).reshape(n_c, n_i),
        options=np.array([c[1] for c in clauses], dtype=bool).reshape(n_c, n_i, omax))
    reservation = np.array(
        [scenario.party(pid).reservation or 0.0 for pid in parties], dtype=np.float64
    )
    return CompiledModel(
        scenario_id=scenario.scenario,
        party_ids=tuple(parties),
        issue_ids=tuple(i.id for i in issues),
        options=options,
        raw_options=tuple(tuple(i.options) for i in issues),
        numeric=np.array([i.kind == "numeric" for i in issues], dtype=bool),
        n_options=np.array([len(o) for o in options], dtype=np.int64),
        weights=weights,
        values=values,
        red_lines=red_lines,
        padding=padding,
        reservation=reservation,
        constraints=constraints,
        consent=tuple(consent),
        consent_issues=consent_issues,
    )
