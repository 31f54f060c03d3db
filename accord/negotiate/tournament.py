"""Tournaments: strategy profiles x scenarios x repetitions x seeds, in parallel processes.

In the style of the ANAC competitions (Baarslag et al. 2012, "The first automated negotiating
agents competition"): every ordered pair of strategies (for two parties; for more, every
multiset, in turn order) meets on every scenario, `repeat` times per base seed. Each run's
seed is derived from (base seed, scenario, profile, repetition) by numpy's SeedSequence, so a
tournament gives the same rows whatever the number of worker processes. Workers take one
(scenario, profile) group at a time and share its bid space and reference points across runs.
Each party discounts by its own `Party.discount` unless `discount` overrides it for all.
By default the parties are those `analyze` and `solve` require to agree (every party with
preferences), and each run draws its turn order from its seed.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from accord.io import write_atomic
from accord.model.compiled import CompiledModel
from accord.model.scenario import Scenario
from accord.negotiate.metrics import Reference, reference
from accord.negotiate.simulate import simulate_many, summarize
from accord.negotiate.space import BidSpace


@dataclass(frozen=True)
class Group:
    """One unit of work: a scenario, its parties, one strategy profile, all repetitions."""

    scenario: str
    scenario_index: int
    parties: tuple[str, ...]
    protocol: str
    profile: tuple[str, ...]
    profile_index: int
    repeat: int
    seeds: tuple[int, ...]
    rounds: int
    discount: float | None
    """None: each party's own `Party.discount` (1 when it has none)."""
    private_red_lines: bool = False
    shuffle_turns: bool = False


@dataclass
class TournamentResult:
    rows: list[dict[str, Any]]
    summary: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def write_csv(self, path: str | Path) -> None:
        write_rows(self.rows, path)


def profiles(strategies: Sequence[str], n_parties: int) -> list[tuple[str, ...]]:
    """Ordered pairs for two parties (who moves first matters); multisets for more."""
    if n_parties == 2:
        return list(itertools.product(strategies, repeat=2))
    return list(itertools.combinations_with_replacement(strategies, n_parties))


def run_seed(base: int, scenario_index: int, profile_index: int, rep: int) -> int:
    return int(np.random.SeedSequence([base, scenario_index, profile_index, rep])
               .generate_state(1, np.uint32)[0])


@lru_cache(maxsize=16)
def _prepared(ref: str, parties: tuple[str, ...]
              ) -> tuple[Scenario, CompiledModel, BidSpace, Reference]:
    from accord.io import load_scenario
    from accord.model import compile_scenario

    scenario = load_scenario(ref)
    model = compile_scenario(scenario).restrict(list(parties))
    return scenario, model, BidSpace(model), reference(model)


def run_group(g: Group) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """All runs of one group, their summary, and the note on its reference points (if any)."""
    scenario, model, space, ref = _prepared(g.scenario, g.parties)
    rows = []
    runs = [(base, rep, run_seed(base, g.scenario_index, g.profile_index, rep))
            for base in g.seeds for rep in range(g.repeat)]
    results, _ = simulate_many(model, g.protocol, g.profile, [sd for _, _, sd in runs],
                               space=space, ref=ref, rounds=g.rounds, discount=g.discount,
                               scenario=scenario, private_red_lines=g.private_red_lines,
                               shuffle_turns=g.shuffle_turns)
    for (base, rep, seed), r in zip(runs, results, strict=True):
        row: dict[str, Any] = {
            "scenario": g.scenario, "protocol": g.protocol,
            "profile": "/".join(g.profile), "base_seed": base, "rep": rep, "seed": seed,
            "agreement": r.agreement, "rounds": r.rounds, "offers": r.offers,
            "welfare": r.metrics["welfare"],
            "nash_distance": r.metrics["nash_distance"],
            "frontier_distance": r.metrics["frontier_distance"],
        }
        for k, (p, s) in enumerate(zip(g.parties, g.profile, strict=True), start=1):
            row[f"party_{k}"] = p
            row[f"strategy_{k}"] = s
            row[f"utility_{k}"] = r.utilities[p]
        row["choices"] = json.dumps(r.choices, ensure_ascii=False) if r.choices else ""
        rows.append(row)
    note = f"{g.scenario} ({', '.join(g.parties)}): {ref.note}" if ref.note else ""
    return rows, summary_entry(g, summarize(results)), note


def tournament(
    scenarios: Sequence[str],
    strategies: Sequence[str],
    *,
    parties: Sequence[Sequence[str]] | None = None,
    repeat: int = 20,
    seeds: Sequence[int] = (0,),
    rounds: int = 100,
    protocol: str = "auto",
    discount: float | None = None,
    workers: int | None = None,
    private_red_lines: bool = False,
    shuffle_turns: bool | None = None,
) -> TournamentResult:
    """Run every strategy profile on every scenario. `parties[k]` names the parties of
    scenario k (default: every party with preferences, as `solve` and `analyze` use).
    `protocol` "auto" is alternating for two parties and stacked for more. `discount` None
    lets each party discount by its own `Party.discount`; a number overrides it for every
    party. `workers` None uses every local core. `private_red_lines`: parties learn red lines
    only from rejections. `shuffle_turns` (default: when `parties` is not given) draws each
    run's turn order from its seed instead of taking the order of `parties`."""
    from accord.io import load_scenario

    groups: list[Group] = []
    for si, ref in enumerate(scenarios):
        if parties is not None:
            ps = tuple(parties[si])
        else:
            ps = tuple(default_parties(load_scenario(ref)))
        proto = protocol if protocol != "auto" else ("alternating" if len(ps) == 2
                                                      else "stacked")
        for pi, prof in enumerate(profiles(strategies, len(ps))):
            groups.append(Group(ref, si, ps, proto, prof, pi, repeat, tuple(seeds), rounds,
                                discount, private_red_lines,
                                parties is None if shuffle_turns is None else shuffle_turns))
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    if n_workers <= 1 or len(groups) <= 1:
        chunks = [run_group(g) for g in groups]
    else:
        with ProcessPoolExecutor(max_workers=min(n_workers, len(groups))) as pool:
            chunks = list(pool.map(run_group, groups))
    rows = [row for chunk, _, _ in chunks for row in chunk]
    notes = sorted({note for _, _, note in chunks if note})
    return TournamentResult(rows, [entry for _, entry, _ in chunks], notes)


def default_parties(scenario: Any) -> list[str]:
    """The parties `analyze` and `solve` require to agree: every party with preferences
    (stakeholders included), so a simulated agreement crosses none of their red lines and
    "distance to Nash" means the package `accord solve` finds."""
    return list(scenario.scored_party_ids)


def summary_entry(g: Group, summary: dict[str, Any]) -> dict[str, Any]:
    """One summary row per (scenario, profile) from `simulate.summarize`: agreement rate,
    rounds, mean utility of each seat (`utility_k`, in turn order), welfare and distances
    (None where no run has a finite value)."""
    return {
        "scenario": g.scenario, "profile": "/".join(g.profile), "runs": summary["runs"],
        "agreements": summary["agreements"], "agreement_rate": summary["agreement_rate"],
        "mean_rounds": summary["mean_rounds"],
        "mean_rounds_to_agreement": summary["mean_rounds_to_agreement"],
        **{f"utility_{k}": summary["mean_utilities"][p]
           for k, p in enumerate(g.parties, start=1)},
        **{key: summary[f"mean_{key}"]
           for key in ("welfare", "nash_distance", "frontier_distance")},
    }


def write_rows(rows: Sequence[dict[str, Any]], path: str | Path) -> None:
    """CSV, or Parquet when the name ends in .parquet (needs pandas and pyarrow); written
    atomically."""
    p = Path(path)
    if p.suffix == ".parquet":
        import pandas as pd

        buf = io.BytesIO()
        pd.DataFrame(list(rows)).to_parquet(buf, index=False)
        write_atomic(p, buf.getvalue())
        return
    fields: list[str] = []
    for r in rows:
        fields.extend(k for k in r if k not in fields)
    text = io.StringIO(newline="")
    w = csv.DictWriter(text, fieldnames=fields)
    w.writeheader()
    w.writerows(rows)
    write_atomic(p, text.getvalue())
