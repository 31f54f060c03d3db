"""The compiled model: one immutable set of numpy arrays that every algorithm shares.

Multi-attribute additive utility (Keeney and Raiffa 1976): u_p(x) = sum_i w_pi * v_pi(x_i).
Issues and options are integer-coded; a package is a vector of option indices, one per issue.
`table[p, i, o] = w_pi * v_pi(o)` is precomputed, so evaluating N packages for P parties is a
gather and a sum over issues. Padding beyond an issue's options is forbidden and worth 0.

Solvers read the flat layout (`flat_table`, `offsets`): one column per (issue, option), the
coefficient matrix of a MILP with one binary per option.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.model.scenario import OptionValue, Scenario, option_key

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """Arrays for the scored parties (those with preferences), in scenario order."""

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
    forbidden: BoolArray  # (P, I, O), True where a red line forbids or padding
    padding: BoolArray  # (I, O)
    reservation: FloatArray  # (P,)
    table: FloatArray = field(init=False)  # (P, I, O) = weights * values
    offsets: IntArray = field(init=False)  # (I + 1,) start of each issue in the flat layout
    _by_issue: FloatArray = field(init=False, repr=False)  # (I, O, P) for row gathers
    _forbidden_by_issue: BoolArray = field(init=False, repr=False)  # (I, O, P)

    def __post_init__(self) -> None:
        table = self.weights[:, :, None] * self.values
        table[:, self.padding] = 0.0
        object.__setattr__(self, "table", _frozen(table))
        object.__setattr__(self, "_by_issue", _frozen(table.transpose(1, 2, 0).copy()))
        object.__setattr__(self, "_forbidden_by_issue",
                           _frozen(self.forbidden.transpose(1, 2, 0).copy()))
        offsets = np.concatenate([[0], np.cumsum(self.n_options)]).astype(np.int64)
        object.__setattr__(self, "offsets", _frozen(offsets))
        for name in ("numeric", "n_options", "weights", "values", "forbidden", "padding",
                     "reservation"):
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
        """Number of packages (may exceed int64 range only as a Python int)."""
        out = 1
        for n in self.n_options.tolist():
            out *= int(n)
        return out

    @property
    def flat_table(self) -> FloatArray:
        """(P, sum n_options): each party's utility coefficient per (issue, option) column."""
        return self.table[:, ~self.padding]

    @property
    def flat_forbidden(self) -> BoolArray:
        return self.forbidden[:, ~self.padding]

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

    def violations(self, packages: ArrayLike) -> BoolArray:
        """(N, P, I): True where package n crosses party p's red line on issue i."""
        x = np.asarray(packages, dtype=np.intp).reshape(-1, self.n_issues)
        cols = np.arange(self.n_issues)
        return np.stack([self.forbidden[p][cols, x] for p in range(self.n_parties)], axis=1)

    def within_red_lines(self, packages: ArrayLike) -> BoolArray:
        """(N, P): True where the package crosses none of party p's red lines."""
        xt = self._issue_major(np.asarray(packages))
        crossed = self._forbidden_by_issue[0].take(xt[0], axis=0)
        for i in range(1, self.n_issues):
            crossed |= self._forbidden_by_issue[i].take(xt[i], axis=0)
        return ~crossed

    def accepts(self, packages: ArrayLike) -> BoolArray:
        """(N, P): within red lines and at least the reservation utility."""
        x = np.asarray(packages, dtype=np.intp).reshape(-1, self.n_issues)
        return self.within_red_lines(x) & (self.utilities(x) >= self.reservation - 1e-12)

    # --- coding -------------------------------------------------------------------------------
    def encode(self, choices: Mapping[str, OptionValue]) -> IntArray:
        """Option indices of a package given as {issue: option}; every issue must be set."""
        out = np.empty(self.n_issues, dtype=np.int64)
        for i, iid in enumerate(self.issue_ids):
            if iid not in choices:
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
        """(P,) each party's best utility on its own (over options it does not forbid)."""
        t = np.where(self.forbidden if respect_red_lines else self.padding[None], -np.inf,
                     self.table)
        return np.asarray(t.max(axis=2).sum(axis=1))

    def restrict(self, party_ids: Sequence[str]) -> CompiledModel:
        """The same model over a subset of the scored parties (for two-party analyses)."""
        idx = self.party_index(party_ids)
        return CompiledModel(
            scenario_id=self.scenario_id, party_ids=tuple(party_ids), issue_ids=self.issue_ids,
            options=self.options, raw_options=self.raw_options, numeric=self.numeric.copy(),
            n_options=self.n_options.copy(), weights=self.weights[idx].copy(),
            values=self.values[idx].copy(), forbidden=self.forbidden[idx].copy(),
            padding=self.padding.copy(), reservation=self.reservation[idx].copy(),
        )


ArrayLike = Sequence[int] | Sequence[Sequence[int]] | np.ndarray


def compile_scenario(scenario: Scenario) -> CompiledModel:
    """Build the arrays once; a Scenario from `parse_scenario` has normalised weights."""
    parties = scenario.scored_party_ids
    issues = scenario.issues
    omax = max((len(i.options) for i in issues), default=1)
    n_p, n_i = len(parties), len(issues)
    weights = np.zeros((n_p, n_i))
    values = np.zeros((n_p, n_i, omax))
    forbidden = np.zeros((n_p, n_i, omax), dtype=bool)
    padding = np.zeros((n_i, omax), dtype=bool)
    options = tuple(tuple(option_key(o) for o in i.options) for i in issues)
    issue_index = {iss.id: k for k, iss in enumerate(issues)}
    for i, opts in enumerate(options):
        padding[i, len(opts):] = True
    forbidden[:, padding] = True
    for p, pid in enumerate(parties):
        pref = scenario.preferences[pid]
        total = sum(pref.weights.get(iss.id, 0.0) for iss in issues) or 1.0
        for i, iss in enumerate(issues):
            weights[p, i] = pref.weights.get(iss.id, 0.0) / total
            table = pref.values.get(iss.id, {})
            for o, key in enumerate(options[i]):
                values[p, i, o] = table.get(key, 0.0)
        for rl in pref.red_lines:
            i = issue_index[rl.issue]
            for opt in rl.forbid:
                forbidden[p, i, options[i].index(option_key(opt))] = True
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
        forbidden=forbidden,
        padding=padding,
        reservation=reservation,
    )
