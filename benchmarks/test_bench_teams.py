"""Team assignment benchmark: 3×10^4 targets, 2×10^3 officers, 10^4 declared conflicts,
by-region mode with rotation (issue target: under one second here).

Issue 17's case, ``teams-1e5``: the same drawn from a directory of 10^5 targets with 6×10^3
officers (target: under one second); ``teams-1e5-drawn`` staffs 10^5 drawn targets (from
3×10^5) with 6×10^3 officers and 3.3×10^4 conflicts, a load where the caps bind hard.

Peer in the same run: an unconstrained draw of two officers per target from the same
by-region pools with numpy (no recusal, no caps, no record) — the floor of what any
assignment costs in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import numpy as np
import pytest

from random_inspection import (
    ClassWeighted,
    Conflict,
    ConflictGround,
    ConflictRegister,
    Sample,
    TeamPolicy,
    assign_inspectors,
    draw_targets,
)
from random_inspection.demo import demo_city
from random_inspection.registry import InspectorDirectory

DAY = dt.date(2024, 6, 3)


class TeamTask:
    """The sample, officers and policy of the benchmark."""

    def __init__(self, total: int, n_targets: int = 100_000, n_officers: int = 2_000) -> None:
        city = demo_city(n_targets=n_targets, n_officers=n_officers)
        design = ClassWeighted(total=total, weights=dict.fromkeys("ABCDU", "1"), floor="0",
                               scope={"entity_types": []})
        self.sample: Sample = draw_targets(city.targets, design, seed="31415926535897932384",
                                           purpose="bench/teams")
        self.inspectors: InspectorDirectory = city.inspectors
        rng = np.random.default_rng(7)
        people = [i.id for i in city.inspectors.officers_on(DAY)]
        chosen = self.sample.selected_ids
        n_conflicts = total // 3  # 10^4 at 3×10^4 targets
        pairs = {(people[a], chosen[b]) for a, b in zip(
            rng.integers(0, len(people), n_conflicts + 2_000),
            rng.integers(0, len(chosen), n_conflicts + 2_000), strict=True)}
        conflicts = ConflictRegister(
            Conflict(inspector_id=p, target_id=t, ground=ConflictGround.OTHER)
            for p, t in sorted(pairs)[:n_conflicts])
        previous = {chosen[k]: [people[a], people[b]] for k, a, b in zip(
            range(0, len(chosen), 3), rng.integers(0, len(people), len(chosen)),
            rng.integers(0, len(people), len(chosen)), strict=False)}
        self.policy = TeamPolicy(check_date=DAY, mode="by_region", conflicts=conflicts,
                                 previous_inspectors=previous)
        officers = city.inspectors.officers_on(DAY)
        regions = [self.sample.directory[i].region for i in chosen]
        # One index array per region, shared: holding 3×10^4 separate Python lists of ~300
        # ints here would add millions of references to every garbage-collector pass made
        # while the measured code runs, and charge the fixture's memory to it.
        by_region = {region: np.array([k for k, o in enumerate(officers)
                                       if o.office_area and region.startswith(o.office_area)])
                     for region in set(regions)}
        self.pools = [by_region[region] for region in regions]


@pytest.fixture(scope="module")
def task() -> TeamTask:
    """The issue's size, built once."""
    return TeamTask(30_000)


@pytest.fixture(scope="module")
def task_5e3() -> TeamTask:
    """A city-sized task (5×10^3 targets), built once."""
    return TeamTask(5_000)


@pytest.mark.benchmark(group="teams-5e3")
def test_assign_5e3(benchmark: Any, task_5e3: TeamTask) -> None:
    """assign_inspectors at 5×10^3 targets, same setting."""
    result = benchmark.pedantic(assign_inspectors, args=(task_5e3.sample, task_5e3.inspectors,
                                                         task_5e3.policy), rounds=5)
    benchmark.extra_info["largest_load"] = max(result.loads().values())


@pytest.mark.benchmark(group="teams-5e3")
def test_peer_unconstrained_numpy_5e3(benchmark: Any, task_5e3: TeamTask) -> None:
    """Peer at 5×10^3."""
    benchmark.pedantic(_unconstrained, args=(task_5e3,), rounds=5)


@pytest.mark.benchmark(group="teams-3e4")
def test_assign_3e4(benchmark: Any, task: TeamTask) -> None:
    """assign_inspectors with recusal, rotation, by-region pools, exact repair and record."""
    result = benchmark.pedantic(assign_inspectors, args=(task.sample, task.inspectors,
                                                         task.policy), rounds=3)
    benchmark.extra_info["teams"] = len(result.teams)
    benchmark.extra_info["unstaffed"] = len(result.unstaffed)
    benchmark.extra_info["largest_load"] = max(result.loads().values())
    benchmark.extra_info["fair_share"] = float(result.fair_share)
    assert len(result.teams) + len(result.unstaffed) == len(task.sample.selected_ids)


@pytest.mark.benchmark(group="teams-3e4")
def test_assign_3e4_hard_cap(benchmark: Any, task: TeamTask) -> None:
    """The same with a hard cap of 40 targets per officer, below what the pools need: about
    4,400 targets cannot be staffed, and each would start a failing repair search."""
    policy = attrs.evolve(task.policy, cap=40)
    result = benchmark.pedantic(assign_inspectors, args=(task.sample, task.inspectors, policy),
                                rounds=3)
    benchmark.extra_info["unstaffed"] = len(result.unstaffed)
    assert result.unstaffed
    assert max(result.loads().values()) == 40


@pytest.fixture(scope="module")
def task_1e5() -> TeamTask:
    """Issue 17's case: 3×10^4 drawn from 10^5 targets, 6×10^3 officers, built once."""
    return TeamTask(30_000, n_targets=100_000, n_officers=6_000)


@pytest.fixture(scope="module")
def task_1e5_drawn() -> TeamTask:
    """10^5 drawn targets (from 3×10^5), 6×10^3 officers, built once."""
    return TeamTask(100_000, n_targets=300_000, n_officers=6_000)


@pytest.mark.benchmark(group="teams-1e5")
def test_assign_1e5_6e3(benchmark: Any, task_1e5: TeamTask) -> None:
    """assign_inspectors, 3×10^4 of 10^5 targets, 6×10^3 officers."""
    result = benchmark.pedantic(assign_inspectors, args=(task_1e5.sample, task_1e5.inspectors,
                                                         task_1e5.policy), rounds=5)
    benchmark.extra_info["largest_load"] = max(result.loads().values())
    assert len(result.teams) + len(result.unstaffed) == len(task_1e5.sample.selected_ids)


@pytest.mark.benchmark(group="teams-1e5")
def test_peer_unconstrained_numpy_1e5_6e3(benchmark: Any, task_1e5: TeamTask) -> None:
    """Peer: two officers per target from the same pools, nothing else."""
    benchmark.pedantic(_unconstrained, args=(task_1e5,), rounds=5)


@pytest.mark.benchmark(group="teams-1e5-drawn")
def test_assign_1e5_drawn(benchmark: Any, task_1e5_drawn: TeamTask) -> None:
    """assign_inspectors for 10^5 drawn targets, 6×10^3 officers."""
    result = benchmark.pedantic(assign_inspectors, args=(
        task_1e5_drawn.sample, task_1e5_drawn.inspectors, task_1e5_drawn.policy), rounds=3)
    benchmark.extra_info["largest_load"] = max(result.loads().values())


@pytest.mark.benchmark(group="teams-1e5-drawn")
def test_peer_unconstrained_numpy_1e5_drawn(benchmark: Any, task_1e5_drawn: TeamTask) -> None:
    """Peer at 10^5 drawn targets."""
    benchmark.pedantic(_unconstrained, args=(task_1e5_drawn,), rounds=3)


def _unconstrained(task: TeamTask) -> list[np.ndarray]:
    """Two officers per target from its by-region pool, uniformly, nothing else."""
    rng = np.random.default_rng(1)
    return [pool[rng.choice(len(pool), 2, replace=False)] for pool in task.pools]


@pytest.mark.benchmark(group="teams-3e4")
def test_peer_unconstrained_numpy_3e4(benchmark: Any, task: TeamTask) -> None:
    """Peer: two officers per target from the same pools, nothing else."""
    benchmark.pedantic(_unconstrained, args=(task,), rounds=5)
