"""The posterior over each party's preferences given its reactions, by importance sampling.

Self-normalised importance sampling with the prior as the proposal (Kahn and Marshall 1953;
Geweke 1989): draw the prior that `accord.uncertainty` already defines (Dirichlet weights, Beta
values, uniform walk-aways, with the same streams and formula, `PartyDraws`), weight each draw by
the likelihood of what the party said (`observations`), and read posterior quantities as
weighted averages. Effective sample size (Kish 1965): ESS = (sum w)^2 / sum w^2.

The prior is independent across parties and the likelihood factorises by party, so each party
has its own weights and ESS; joint quantities (all accept) are products over parties.

Steps, per block of `montecarlo.BLOCK` draws and per party p (stream 0: the draws
`accord robustness` uses for the same seed, so the prior columns match it):
1. Sample utilities of every package (plans, candidates) and the walk-away.
2. Verdicts (K, n): within the red lines and utility >= walk-away (`verdicts`).
3. log w = sum over counted observations of log(c) or log(1 - c), shifted by sum log(c) so the
   best draw weighs 1 (no underflow for a draw that fits).
4. Tally sums of w and w^2, weighted acceptances, and weighted histograms of each weight and
   the walk-away. Blocks reduce in block order, so the numbers do not depend on the executor.

Uncertain red lines (not yet in the format): `verdicts` takes `inside` as (K,) or (K, n); a
per-sample red-line mask of shape (K, n) drops in at `party_block` where `inside` is formed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.calibrate.observations import Observation
from accord.model.compiled import BoolArray, FloatArray, IntArray
from accord.uncertainty.montecarlo import BLOCK, Z95, _Stream, block_sizes
from accord.uncertainty.spec import Levels, PartyDraws, UncertaintySpec, fixed_reservation

NBINS = 1000
STREAM = 0
"""The prior draws of `accord robustness` for the same seed."""


@dataclass(frozen=True, eq=False)
class PartyEvidence:
    """One party's counted observations as arrays over the packages of a run."""

    stance_k: IntArray  # (J,) package index of each stance observation
    stance_accepts: BoolArray  # (J,)
    stance_logc: FloatArray  # (J,) log c
    stance_log1mc: FloatArray  # (J,) log(1 - c), -inf for c = 1
    obj_k: IntArray  # (L,) package index of each objection
    obj_issue: IntArray  # (L,)
    obj_logc: FloatArray
    obj_log1mc: FloatArray

    @property
    def empty(self) -> bool:
        return self.stance_k.size == 0 and self.obj_k.size == 0


def party_evidence(obs: Sequence[Observation], party: str, plan_index: dict[str, int],
                   issue_index: dict[str, int]) -> PartyEvidence:
    st = [o for o in obs if o.party == party and o.counted and o.kind == "stance"]
    ob = [o for o in obs if o.party == party and o.counted and o.kind == "objects_to"]

    def logs(xs: list[Observation]) -> tuple[FloatArray, FloatArray]:
        c = np.array([o.confidence for o in xs], dtype=np.float64)
        with np.errstate(divide="ignore"):
            return np.log(c), np.log1p(-c)

    sc, s1 = logs(st)
    oc, o1 = logs(ob)
    return PartyEvidence(
        np.array([plan_index[o.plan] for o in st], dtype=np.int64),
        np.array([o.says_accepts for o in st], dtype=bool), sc, s1,
        np.array([plan_index[o.plan] for o in ob], dtype=np.int64),
        np.array([issue_index[str(o.issue)] for o in ob], dtype=np.int64), oc, o1)


@dataclass(frozen=True, eq=False)
class Design:
    """Everything a worker needs: the prior, the packages, and each party's evidence."""

    spec: UncertaintySpec
    packages: IntArray  # (K, I)
    evidence: tuple[PartyEvidence, ...]  # per scored party


@dataclass
class PartyTally:
    """One party's contribution from one block."""

    block: int
    n: int
    sum_w: float
    sum_w2: float
    prior_accept: IntArray  # (K,)
    post_accept: FloatArray  # (K,) sum of w over draws that accept
    prior_hist: IntArray  # (I + 1, NBINS): weights per issue, then the walk-away
    post_hist: FloatArray  # (I + 1, NBINS)
    prior_sum: FloatArray  # (I + 1,) sums of each weight and the walk-away
    post_sum: FloatArray  # (I + 1,) weighted sums


def verdicts(u: NDArray[np.float32] | None, stated_u: FloatArray,
             r: float | NDArray[np.float32], inside: BoolArray, n: int) -> BoolArray:
    """(K, n) the party's own verdicts: within its red lines and utility >= walk-away.

    `inside` is (K,) for fixed red lines or (K, n) for a per-sample red-line mask.
    """
    # The same comparisons as `accord.uncertainty.montecarlo.evaluate_block`.
    if isinstance(r, float):
        ok = stated_u[:, None] >= r - 1e-12 if u is None else u >= np.float32(r)
    else:
        ok = (stated_u[:, None] if u is None else u) >= r[None, :]
    mask = inside if inside.ndim == 2 else inside[:, None]
    return np.broadcast_to(ok & mask, (stated_u.shape[0], n))


def log_likelihood(ev: PartyEvidence, acc: BoolArray, bad_option: BoolArray | None) -> FloatArray:
    """(n,) log-likelihood of the party's evidence per draw, shifted so a perfect fit is 0.

    `acc` is the (K, n) verdict array; `bad_option` is (L, n): the objected option is not among
    the party's good ones on that issue.
    """
    n = acc.shape[1]
    ll = np.zeros(n)
    for j in range(ev.stance_k.size):
        miss = acc[ev.stance_k[j]] != ev.stance_accepts[j]
        ll[miss] += ev.stance_log1mc[j] - ev.stance_logc[j]
    if bad_option is not None:
        for j in range(ev.obj_k.size):
            ll[~bad_option[j]] += ev.obj_log1mc[j] - ev.obj_logc[j]
    return ll


def _bad_options(design: Design, p: int, d: PartyDraws | None, n: int) -> BoolArray | None:
    """(L, n) for each objection: the option crosses a red line or is worth at most half-way."""
    ev = design.evidence[p]
    if ev.obj_k.size == 0:
        return None
    m = design.spec.model
    out = np.empty((ev.obj_k.size, n), dtype=bool)
    for j in range(ev.obj_k.size):
        i = int(ev.obj_issue[j])
        o = int(design.packages[ev.obj_k[j], i])
        if m.violations(design.packages[ev.obj_k[j]][None])[0, p, i]:
            out[j] = True
            continue
        vals = np.empty((int(m.n_options[i]), n), dtype=np.float32)
        for q in range(vals.shape[0]):
            random = d is not None and spec_random(design.spec, p, i, q)
            vals[q] = d.value(i, q) if random and d is not None else m.values[p, i, q]
        half = 0.5 * (vals.min(axis=0) + vals.max(axis=0))
        out[j] = vals[o] <= half + np.float32(1e-7)
    return out


def spec_random(spec: UncertaintySpec, p: int, i: int, o: int) -> bool:
    return bool(spec.random_values[p, i, o])


def _weights_sample(d: PartyDraws, p: int, i: int, n: int) -> NDArray[np.float32] | None:
    """(n,) the drawn normalised weight of issue i, or None when weights are fixed."""
    if d.den is None:
        return None
    # PartyDraws keeps each issue's Gamma variate; the Dirichlet weight is it over their sum.
    return d._gamma[i] / d.den  # noqa: SLF001


def _weigh(design: Design, seed: int, stream: int, block: int, n: int,
           p: int) -> tuple[PartyDraws, BoolArray, FloatArray]:
    """Party p's draws of one block, its (K, n) verdicts and (n,) importance weights."""
    return weigh_draws(design, p, _Stream(seed, stream, block, p, n), n)


def weigh_draws(design: Design, p: int, draw: Callable[[int], Levels],
                n: int) -> tuple[PartyDraws, BoolArray, FloatArray]:
    """Party p's draws from any draw function (slot -> levels), its (K, n) verdicts on the
    design's packages and its (n,) importance weights. `sensitivity --posterior` passes draws
    with one input held at a quantile."""
    spec = design.spec
    m = spec.model
    pk = design.packages
    n_k = pk.shape[0]
    d = PartyDraws(spec, p, draw, n)
    u = d.utilities(pk)
    r = d.reservation if d.reservation is not None else float(fixed_reservation(spec)[p])
    stated_u = m.utilities(pk).reshape(n_k, m.n_parties)[:, p]
    inside = m.within_red_lines(pk)[:, p]  # uncertain red lines: a (K, n) mask goes here
    acc = verdicts(u, stated_u, r, inside, n)
    ll = log_likelihood(design.evidence[p], acc, _bad_options(design, p, d, n))
    return d, acc, np.exp(ll)


def draw_weights(design: Design, seed: int, stream: int, block: int, n: int) -> FloatArray:
    """(n,) joint importance weights of the draws of (stream, block): the product over
    parties (the posterior is independent across parties). Used to weight the robust-plan
    SAA samples, which come from `accord.uncertainty.robust.SAA_STREAM`."""
    w = np.ones(n)
    for p in range(design.spec.model.n_parties):
        if design.spec.is_random(p) and not design.evidence[p].empty:
            w *= _weigh(design, seed, stream, block, n, p)[2]
    return w


def party_block(design: Design, seed: int, block: int, n: int, p: int) -> PartyTally:
    """One party's tally over one block of prior draws."""
    m = design.spec.model
    d, acc, w = _weigh(design, seed, STREAM, block, n, p)
    n_i = m.n_issues
    prior_hist = np.zeros((n_i + 1, NBINS), dtype=np.int64)
    post_hist = np.zeros((n_i + 1, NBINS))
    prior_sum = np.zeros(n_i + 1)
    post_sum = np.zeros(n_i + 1)
    series: list[tuple[int, Any]] = []
    for i in d.support:
        ws = _weights_sample(d, p, int(i), n)
        if ws is not None:
            series.append((int(i), ws))
    if d.reservation is not None:
        series.append((n_i, d.reservation))
    for row, x in series:
        x64 = x.astype(np.float64)  # one cast: a float32 reduction with dtype=float64 is slow
        bins = np.clip((x64 * NBINS).astype(np.int64), 0, NBINS - 1)
        prior_hist[row] = np.bincount(bins, minlength=NBINS)
        post_hist[row] = np.bincount(bins, weights=w, minlength=NBINS)
        prior_sum[row] = float(x64.sum())
        post_sum[row] = float((w * x64).sum())  # not BLAS: its threads stall on a busy host
    post_accept = np.array([float(w[row].sum()) for row in acc])
    return PartyTally(block, n, float(w.sum()), float((w * w).sum()),
                      np.count_nonzero(acc, axis=1).astype(np.int64),
                      post_accept, prior_hist, post_hist, prior_sum, post_sum)


def run_chunk(design: Design, seed: int, blocks: Sequence[tuple[int, int]],
              parties: Sequence[int]) -> list[list[PartyTally]]:
    """The unit of work, local or on a Dask worker: per block, a tally for each given party."""
    return [[party_block(design, seed, b, n, p) for p in parties] for b, n in blocks]


@dataclass
class PartyPosterior:
    """One party's reduced prior and posterior over all blocks."""

    party: str
    n: int
    sum_w: float
    sum_w2: float
    prior_accept: FloatArray  # (K,) probabilities
    post_accept: FloatArray  # (K,)
    prior_hist: FloatArray
    post_hist: FloatArray
    prior_mean: FloatArray
    post_mean: FloatArray

    @property
    def ess(self) -> float:
        return self.sum_w ** 2 / self.sum_w2 if self.sum_w2 > 0 else 0.0


def reduce_party(party: str, tallies: Sequence[PartyTally]) -> PartyPosterior:
    """Sum in block order: the same numbers whichever executor ran the blocks."""
    ts = sorted(tallies, key=lambda t: t.block)
    n = sum(t.n for t in ts)
    sw = math.fsum(t.sum_w for t in ts)
    sw2 = math.fsum(t.sum_w2 for t in ts)
    pa = np.sum([t.prior_accept for t in ts], axis=0)
    qa = np.sum([t.post_accept for t in ts], axis=0)
    ph = np.sum([t.prior_hist for t in ts], axis=0).astype(np.float64)
    qh = np.sum([t.post_hist for t in ts], axis=0)
    ps = np.sum([t.prior_sum for t in ts], axis=0)
    qs = np.sum([t.post_sum for t in ts], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        post = qa / sw if sw > 0 else np.full_like(qa, np.nan)
        post_mean = qs / sw if sw > 0 else np.full_like(qs, np.nan)
    return PartyPosterior(party, n, sw, sw2, pa / n, post, ph, qh, ps / n, post_mean)


def run_posterior(design: Design, samples: int, seed: int, parties: Sequence[int],
                  executor: Any = None) -> dict[int, PartyPosterior]:
    """Every block for the given parties, in this process or on a Dask executor (an object
    with a `client`, as `accord.uncertainty.distributed.dask_executor` yields)."""
    if samples <= 0:
        raise ValueError("samples must be positive")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    design.spec.warm(design.packages)
    blocks = block_sizes(samples)
    parties = list(parties)
    results: list[list[PartyTally]] = []
    client = getattr(executor, "client", None)
    if client is None or not parties:
        for b in blocks:
            results.extend(run_chunk(design, seed, [b], parties))
    else:
        from distributed import as_completed

        workers = max(1, getattr(executor, "workers", 1))
        per = max(1, min(8, len(blocks) // (4 * workers)))
        chunks = [blocks[i:i + per] for i in range(0, len(blocks), per)]
        [design_f] = client.scatter([design], broadcast=True, hash=False)
        futures = [client.submit(run_chunk, design_f, seed, chunk, parties, pure=False)
                   for chunk in chunks]
        try:
            for fut in as_completed(futures):
                results.extend(fut.result())
        except BaseException:
            client.cancel(futures)
            raise
    m = design.spec.model
    return {p: reduce_party(m.party_ids[p], [row[j] for row in results])
            for j, p in enumerate(parties)}


def wilson_ess(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """A 95% Wilson interval for a proportion p estimated from n effective samples."""
    if not n > 0 or math.isnan(p):
        return (0.0, 1.0)
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def hist_quantile(hist: FloatArray, q: float) -> float:
    """The q-quantile of a (weighted) histogram over [0, 1] in NBINS bins."""
    total = float(hist.sum())
    if total <= 0:
        return float("nan")
    cum = np.cumsum(hist)
    b = min(int(np.searchsorted(cum, q * total, side="left")), NBINS - 1)
    before = float(cum[b - 1]) if b else 0.0
    inside = float(hist[b])
    frac = (q * total - before) / inside if inside > 0 else 0.5
    return (b + min(max(frac, 0.0), 1.0)) / NBINS


__all__ = ["BLOCK", "Design", "PartyEvidence", "PartyPosterior", "party_evidence",
           "run_posterior", "verdicts", "wilson_ess"]
