"""Negotiation strategies for the alternating-offers protocols.

- Time-dependent tactics (Faratin, Sierra and Jennings 1998, "Negotiation decision functions
  for autonomous agents", Robotics and Autonomous Systems 24): at relative time t in [0, 1]
  the aspiration is  u(t) = u_min + (1 - alpha(t)) * (u_max - u_min),
  alpha(t) = k + (1 - k) * t ** (1 / e).  e < 1 is Boulware (holds out, concedes late),
  e = 1 linear, e > 1 conceder (concedes early). u_max is the party's best package that
  crosses no red line it knows (its own and the others'), u_min its walk-away (or its worst
  package, whichever is higher).
- Tit-for-tat on utilities: the absolute imitative tactic of the same paper; the agent gives
  up as much of its own utility as the opponent's last move gave it.
- Hard-headed: a very Boulware concession with a frequency opponent model choosing among
  equally good bids (after van Krimpen, Looije and Hajizadeh 2013, "HardHeaded", ANAC 2011).
- Frequency opponent model (Baarslag, Hendrikx, Hindriks and Jonker 2016, "Learning about the
  opposition in bilateral automated negotiation", JAAMAS 30): an issue the opponent rarely
  changes weighs more; an option it offers often is worth more to it. The Pareto-seeking
  bidder offers, among packages worth its aspiration, the one the model rates best for the
  others (Lin et al. 2014 "Genius" Pareto-seeking bidding).

Every strategy acts on integer bid ids of a shared `BidSpace`. Acceptance follows Faratin's
rule AC_next: accept when the offer is worth at least the bid one would make instead.
A new strategy only needs `target(t)` (see docs/negotiate.md).

What a party knows (`Context`): its own preferences; the others' red lines, all of them as
declared (the default) or, with private red lines, only those their rejections revealed
(`RedLineKnowledge`); and the others' utilities only when told (`know_utilities`), else a
frequency model of each from its offers. Every bidder offers only packages that avoid the red
lines it knows, and concedes where that costs it least per unit of the others' (estimated or
exact) gain, ties going to its seeded generator (`BidSpace.at_least`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from accord.model.compiled import BoolArray, CompiledModel, FloatArray, IntArray
from accord.negotiate.space import BidSpace, conditional_lines, declared_red_lines


class RedLineKnowledge:
    """What the parties at the table know of each other's red lines, shared by all of them.

    Public (the default): every red line is a declared position, known to all from the start.
    Private: nothing is known until a party rejects a package that crosses its red lines; it
    then states which of them the package crosses, and every other party learns those
    options. A party always knows its own red lines.

    Unconditional red lines are known as option masks (`known`); a conditional one as a whole
    (`known_lines`, columns of `conditional_lines`), since whether it is crossed depends on
    the package: a bidder avoids packages that cross it, not the option it forbids.
    """

    def __init__(self, model: CompiledModel, private: bool = False) -> None:
        declared = declared_red_lines(model)
        self.model = model
        self.private = private
        self.known: BoolArray = np.zeros_like(declared) if private else declared
        self.conditional = conditional_lines(model)
        self.known_lines: BoolArray = np.full(self.conditional.size, not private)
        self.version = 0
        """Bumped on every new revelation, so bidders can cache what they rule out."""

    def reveal(self, party: int, package: IntArray) -> list[int]:
        """`party` rejected `package`: the issues (new to the others) where it crosses a red
        line of `party`, now known to all. Nothing is new when red lines are public."""
        if not self.private:
            return []
        x = np.asarray(package, dtype=np.int64)
        m = self.model
        rl = m.red_lines
        hit = m.crossed(x[None])[0]
        pid = m.party_ids[party]
        new: list[int] = []
        for r in np.flatnonzero(hit):
            if rl.owner[r] != pid:
                continue
            i = int(rl.issue[r])
            if rl.conditional[r]:
                col = int(np.flatnonzero(self.conditional == r)[0])
                if not self.known_lines[col]:
                    self.known_lines[col] = True
                    new.append(i)
            elif not self.known[party, i, x[i]]:
                self.known[party, i, x[i]] = True
                new.append(i)
        new = sorted(set(new))
        if new:
            self.version += 1
        return new

    def other_lines(self, me: int) -> IntArray:
        """Columns of `conditional_lines` owned by parties other than `me` and known."""
        rl = self.model.red_lines
        pid = self.model.party_ids[me]
        return np.array([c for c, r in enumerate(self.conditional)
                         if self.known_lines[c] and rl.owner[r] != pid], dtype=np.int64)

    def others(self, me: int) -> BoolArray:
        """(I, O) options some party other than `me` is known to forbid."""
        rest = [q for q in range(self.known.shape[0]) if q != me]
        out = np.zeros(self.known.shape[1:], dtype=bool)
        if rest:
            np.any(self.known[rest], axis=0, out=out)
        return out


@dataclass
class Context:
    """What a party knows when a negotiation starts: its own preferences, the others' red lines
    (`known`), the others' utilities if `know_utilities`, the clock, a seeded rng."""

    space: BidSpace
    me: int
    parties: tuple[int, ...]
    """Indices (in the compiled model) of every party at the table, in turn order."""
    rounds: int
    rng: np.random.Generator
    discount: float = 1.0
    known: RedLineKnowledge | None = None
    """Shared knowledge of red lines; None: all declared red lines are public."""
    know_utilities: bool = False
    """The strategy is told the others' exact utilities (else it models them from offers)."""

    def __post_init__(self) -> None:
        if self.known is None:
            self.known = RedLineKnowledge(self.space.model)
        self._seen = -1
        self._avoid: BoolArray | None = None
        self._lines: IntArray = np.zeros(0, dtype=np.int64)
        self._u_max = 0.0

    def avoid(self) -> BoolArray:
        """(I, O) options `me` will not offer because another party is known to forbid them."""
        assert self.known is not None
        if self._avoid is None or self._seen != self.known.version:
            self._avoid = self.known.others(self.me)
            self._lines = self.known.other_lines(self.me)
            self._u_max = self.space.best_within(self.me, self._avoid, self._lines)
            self._seen = self.known.version
        return self._avoid

    def avoid_lines(self) -> IntArray:
        """Others' conditional red lines `me` knows: it offers no package crossing them
        (where the space is enumerated; a lifted one does not count)."""
        self.avoid()
        return self._lines

    @property
    def reservation(self) -> float:
        return float(self.space.model.reservation[self.me])

    @property
    def u_max(self) -> float:
        """The best `me` can hope for: its best package that crosses no red line it knows."""
        self.avoid()
        return self._u_max

    @property
    def u_min(self) -> float:
        return float(max(self.reservation, self.space.worst_utility[self.me]))

    @property
    def opponents(self) -> tuple[int, ...]:
        return tuple(p for p in self.parties if p != self.me)


class Strategy:
    """Base class: an agent that offers a bid worth `target(t)` and accepts by AC_next.

    Its bid avoids the red lines it knows and concedes where the others gain most per unit
    of its own utility (`direction`); `band` > 0 trades up to that much own utility above the
    target for the others' gain."""

    name: ClassVar[str] = "strategy"
    band: float = 0.0
    ctx: Context

    def start(self, ctx: Context) -> None:
        """Called once per negotiation before the first round."""
        self.ctx = ctx
        self.models = {p: FrequencyModel(ctx.space) for p in ctx.opponents}
        self.holding_out = {p: True for p in ctx.opponents}
        """Did the party reject the offer on the table when it last answered?"""
        self._direction: FloatArray | None = None

    def target(self, t: float) -> float:
        """Aspiration (own utility) at relative time t in [0, 1]."""
        raise NotImplementedError

    def observe(self, party: int, bid: int, t: float) -> None:
        """Another party offered `bid` at time t (rejecting the offer on the table)."""
        model = getattr(self, "models", {}).get(party)
        if model is not None:
            model.update(bid)
            self.holding_out[party] = True
            self._direction = None

    def observe_accept(self, party: int, bid: int, t: float) -> None:
        """Another party accepted the offer `bid` on the table at time t."""
        held = getattr(self, "holding_out", {})
        if held.get(party):
            held[party] = False
            self._direction = None

    def direction(self) -> FloatArray | None:
        """(I, O) the others' summed gain per option: exact when the context gives their
        utilities, else from their frequency models once they have bid (None before). The
        sum runs over the others still holding out (those who rejected the offer on the table
        when they last answered), or over all of them when none is: a concession to a party
        that already accepts buys nothing."""
        if getattr(self, "_direction", None) is not None:
            return self._direction
        ctx = self.ctx
        held = getattr(self, "holding_out", {})
        who = [q for q in ctx.opponents if held.get(q, True)] or list(ctx.opponents)
        if ctx.know_utilities:
            self._direction = np.asarray(ctx.space.model.table[who].sum(axis=0))
        else:
            models = getattr(self, "models", {})
            if any(m.seen for m in models.values()):
                self._direction = np.sum([models[q].table() for q in who], axis=0)
        return self._direction

    def offer(self, t: float) -> int:
        """The bid to make now."""
        return self.ctx.space.at_least(self.ctx.me, self.target(t), self.direction,
                                       band=self.band, rng=self.ctx.rng,
                                       avoid=self.ctx.avoid(), lines=self.ctx.avoid_lines())

    def accepts(self, t: float, bid: int, my_next: int) -> bool:
        """AC_next: the offer on the table is worth at least my own next bid."""
        u = self.ctx.space.utils
        return bool(u[bid, self.ctx.me] >= u[my_next, self.ctx.me] - 1e-12)


class TimeDependent(Strategy):
    """Faratin et al. (1998) time-dependent tactic with concession parameter e and k."""

    name: ClassVar[str] = "time-dependent"

    def __init__(self, e: float = 1.0, k: float = 0.0) -> None:
        if e <= 0:
            raise ValueError("e must be positive")
        if not 0.0 <= k <= 1.0:
            raise ValueError("k must lie in [0, 1]")
        self.e, self.k = float(e), float(k)

    def alpha(self, t: float) -> float:
        return self.k + (1.0 - self.k) * min(max(t, 0.0), 1.0) ** (1.0 / self.e)

    def target(self, t: float) -> float:
        lo, hi = self.ctx.u_min, self.ctx.u_max
        return lo + (1.0 - self.alpha(t)) * (hi - lo)


class Boulware(TimeDependent):
    """Concedes late: e = 0.25 (NegMAS's Boulware curve t**4 is the same tactic)."""

    name: ClassVar[str] = "boulware"

    def __init__(self, e: float = 0.25, k: float = 0.0) -> None:
        super().__init__(e, k)


class Linear(TimeDependent):
    name: ClassVar[str] = "linear"

    def __init__(self, e: float = 1.0, k: float = 0.0) -> None:
        super().__init__(e, k)


class Conceder(TimeDependent):
    """Concedes early: e = 4."""

    name: ClassVar[str] = "conceder"

    def __init__(self, e: float = 4.0, k: float = 0.0) -> None:
        super().__init__(e, k)


class TitForTat(Strategy):
    """Absolute tit-for-tat on utilities: concede (in own utility) what the opponents' last
    move conceded (in own utility); never below the walk-away. Opens at the best package."""

    name: ClassVar[str] = "tit-for-tat"

    def __init__(self, delay: int = 1) -> None:
        self.delay = delay

    def start(self, ctx: Context) -> None:
        super().start(ctx)
        self._aspiration = ctx.u_max
        self._last: dict[int, float] = {}

    def observe(self, party: int, bid: int, t: float) -> None:
        super().observe(party, bid, t)
        u = float(self.ctx.space.utils[bid, self.ctx.me])
        prev = self._last.get(party)
        self._last[party] = u
        if prev is not None and u > prev:
            self._aspiration = max(self.ctx.u_min, self._aspiration - (u - prev))

    def target(self, t: float) -> float:
        return self._aspiration


class FrequencyModel:
    """Frequency opponent model over option indices (Baarslag et al. 2016)."""

    def __init__(self, space: BidSpace, learning: float = 0.1) -> None:
        m = space.model
        self.space = space
        self.counts = np.zeros(m.padding.shape)
        self.weights = np.full(m.n_issues, 1.0 / max(m.n_issues, 1))
        self.learning = learning
        self._prev: np.ndarray | None = None
        self._pending: list[int] = []
        """Bids seen but not yet counted: the model is brought up to date when read."""

    @property
    def seen(self) -> bool:
        """Has the opponent bid at all?"""
        return self._prev is not None or bool(self._pending)

    def update(self, bid: int) -> None:
        self._pending.append(bid)

    def _catch_up(self) -> None:
        for bid in self._pending:
            x = self.space.package(bid)
            cols = np.arange(x.shape[0])
            self.counts[cols, x] += 1.0
            if self._prev is not None:
                same = x == self._prev
                self.weights = self.weights + self.learning * same
                self.weights /= self.weights.sum()
            self._prev = x.copy()
        self._pending.clear()

    def table(self) -> FloatArray:
        """(I, O) estimated utility contribution of each option to the opponent."""
        self._catch_up()
        top = self.counts.max(axis=1, keepdims=True)
        values = (self.counts + 1.0) / (top + 1.0)
        values = np.where(self.space.model.padding, 0.0, values)
        out: FloatArray = self.weights[:, None] * values
        return out


class FrequencyPareto(TimeDependent):
    """Time-dependent aspiration; among packages worth the aspiration up to `band` above it,
    the one the frequency model of the others rates best for them (Pareto-seeking)."""

    name: ClassVar[str] = "pareto"

    def __init__(self, e: float = 0.5, k: float = 0.0, band: float = 0.03) -> None:
        super().__init__(e, k)
        self.band = band


class HardHeaded(FrequencyPareto):
    """Hardly concedes until the very end (e = 0.02), Pareto-seeking among its bids."""

    name: ClassVar[str] = "hardheaded"

    def __init__(self, e: float = 0.02, k: float = 0.0, band: float = 0.02) -> None:
        super().__init__(e, k, band)


@dataclass
class Registry:
    """Named strategy factories for the CLI and tournaments."""

    factories: dict[str, Callable[[], Strategy]] = field(default_factory=dict)

    def add(self, name: str, factory: Callable[[], Strategy]) -> None:
        self.factories[name] = factory

    def make(self, name: str) -> Strategy:
        try:
            return self.factories[name]()
        except KeyError:
            raise KeyError(
                f"unknown strategy {name!r}; known: {', '.join(self.factories)}"
            ) from None

    def names(self) -> list[str]:
        return list(self.factories)


STRATEGIES = Registry()
for _cls in (Boulware, Linear, Conceder, TitForTat, HardHeaded, FrequencyPareto):
    STRATEGIES.add(_cls.name, _cls)


def register_strategy(name: str) -> Callable[[type[Strategy]], type[Strategy]]:
    """Class decorator: make a user strategy available by name (`--strategies NAME`)."""

    def deco(cls: type[Strategy]) -> type[Strategy]:
        STRATEGIES.add(name, cls)
        return cls

    return deco


def make_strategy(spec: str) -> Strategy:
    """A strategy by name, or a time-dependent one by its parameters: `e=0.5`, `e=0.5:k=0.1`."""
    if spec.startswith("e="):
        params = dict(part.split("=", 1) for part in spec.split(":"))
        return TimeDependent(float(params["e"]), float(params.get("k", 0.0)))
    return STRATEGIES.make(spec)
