"""The demo year (200,000 targets, 600 officers): `run_plan` with its teams — one team per
visit, rotation within the year, county bureaus — against its own target draws alone
(`draw_year_targets`, the peer: what the teams add on top)."""

from __future__ import annotations

from typing import Any

import pytest

from random_inspection.demo import DemoCity, demo_city, demo_plan
from random_inspection.planning import AnnualPlan, run_plan
from random_inspection.planning._draws import draw_year_targets

SEED = "31415926535897932384"


@pytest.fixture(scope="module")
def city() -> DemoCity:
    """The demo city at its default size."""
    return demo_city()


@pytest.fixture(scope="module")
def plan() -> AnnualPlan:
    """The demo plan (as filed)."""
    return demo_plan()


def test_run_plan_demo_year(benchmark: Any, city: DemoCity, plan: AnnualPlan) -> None:
    """The whole year: target draws, then teams task by task with visits and rotation."""
    year = benchmark.pedantic(run_plan, args=(plan, city.targets, city.inspectors,
                                              city.check_items), kwargs={"seed": SEED},
                              rounds=3, iterations=1)
    assert any(run.assignment.joined for run in year.runs)


def test_peer_year_targets_demo(benchmark: Any, city: DemoCity, plan: AnnualPlan) -> None:
    """The same year's target draws alone."""
    draws = benchmark.pedantic(draw_year_targets, args=(plan, city.targets),
                               kwargs={"seed": SEED}, rounds=3, iterations=1)
    assert draws.draws
