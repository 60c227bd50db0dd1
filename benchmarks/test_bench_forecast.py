"""Coverage forecast benchmarks on the demo city's own size (200,000 targets, 65,729
enterprises) and its filed plan (seven tasks, forecast short of 3%).

Ours: `forecast_coverage` at the default R (replays of the year's target draws), without and
with the proposal (its search replays the year again at each factor it tries). Peers in the
same run: the independent-tasks formula Σ (1 - Π (1 - π)) the forecast keeps as its lower
bound (one pass over the tasks' inclusion probabilities), and one replay of the year
(`draw_year_targets`), the unit the forecast repeats R times. Compare medians within a
group; nothing here asserts a time.
"""

from __future__ import annotations

from typing import Any

import pytest

from random_inspection.demo import DemoCity, demo_city, demo_plan
from random_inspection.planning import AnnualPlan, draw_year_targets, forecast_coverage
from random_inspection.planning._coverage import DEFAULT_REPLAYS, _independent
from random_inspection.planning._masks import enterprise_mask


class Year:
    """The demo city and its filed plan."""

    def __init__(self) -> None:
        self.city: DemoCity = demo_city()
        self.plan: AnnualPlan = demo_plan()
        assert self.city.targets.digest  # published before the year
        self.mask = enterprise_mask(self.plan, self.city.targets)


@pytest.fixture(scope="module")
def year() -> Year:
    """Built once."""
    return Year()


@pytest.mark.benchmark(group="forecast-2e5")
def test_forecast_default_replays(benchmark: Any, year: Year) -> None:
    """The forecast at the default R, no proposal."""
    forecast = benchmark.pedantic(forecast_coverage, args=(year.plan, year.city.targets),
                                  kwargs={"propose": False}, rounds=3)
    assert forecast.replays == DEFAULT_REPLAYS
    benchmark.extra_info.update(replays=forecast.replays, expected=forecast.expected,
                                stderr=forecast.stderr, lower_bound=forecast.lower_bound)


@pytest.mark.benchmark(group="forecast-2e5")
def test_forecast_with_proposal(benchmark: Any, year: Year) -> None:
    """The forecast and the proposal's search (each factor tried costs R replays)."""
    forecast = benchmark.pedantic(forecast_coverage, args=(year.plan, year.city.targets),
                                  rounds=3)
    assert forecast.factor is not None
    benchmark.extra_info.update(factor=str(forecast.factor),
                                proposal_expected=forecast.proposal.expected
                                if forecast.proposal else None)


@pytest.mark.benchmark(group="forecast-2e5")
def test_peer_independent_tasks_formula(benchmark: Any, year: Year) -> None:
    """Peer: the independent-tasks formula over the same plan and directory."""
    value = benchmark.pedantic(_independent, args=(year.plan, year.plan.run_order(),
                                                   year.city.targets, year.mask), rounds=5)
    benchmark.extra_info["lower_bound"] = value


@pytest.mark.benchmark(group="forecast-2e5")
def test_peer_one_replay(benchmark: Any, year: Year) -> None:
    """Peer: one replay of the year's target draws (the forecast makes R of them)."""
    draws = benchmark.pedantic(draw_year_targets, args=(year.plan, year.city.targets),
                               kwargs={"seed": "0123456789abcdef" * 2, "top_up": False},
                               rounds=10)
    benchmark.extra_info["covered"] = draws.covered(year.mask)
