"""Results benchmarks: validating and entering 10^5 results of a real year, and the year's
indicators over 10^5 and 10^6 results.

The year: the demo city of 2×10^6 targets with one city task drawing about 10^5 enterprises
(its rates raised for the benchmark) and its teams; its results simulated as the demo does.
The 10^6-result case is those results' columns repeated ten times (a province-year's worth
of results: no single machine-sized demo year draws 10^6 visits in a benchmark's time).
Targets (issue 13): the indicators of 10^6 results under 2 s. Run with ``make bench``;
quote medians.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import numpy as np
import pytest

from random_inspection.demo import demo_city, demo_results
from random_inspection.planning import AnnualPlan, PlanRun, Task, run_plan
from random_inspection.results import OfficialCalendar, ResultBook, indicators
from random_inspection.results import _indicators as ind
from random_inspection.sampling import StratifiedByRisk

AS_OF = dt.date(2024, 12, 31)


@pytest.fixture(scope="module")
def year_1e5() -> PlanRun:
    """A year whose one task draws about 10^5 of a 10^6-target city, with teams."""
    city = demo_city(n_targets=2 * 10**6, n_officers=3000)
    rates = {"A": "10%", "B": "15%", "C": "30%", "D": "50%"}
    task = Task(code="BENCH-01", name="基准测试抽查", items=["SJ01", "SJ04"],
                design=StratifiedByRisk(rates=rates, floor=0,
                                        scope={"entity_types": ["enterprise"]}),
                start=dt.date(2024, 4, 1), end=dt.date(2024, 11, 29), level="city",
                team_mode="whole_pool")
    plan = AnnualPlan(name="基准年度计划", level="city", region="1409", year=2024,
                      tasks=[task])
    return run_plan(plan, city.targets, city.inspectors, city.check_items,
                    seed="31415926535897932384")


@pytest.fixture(scope="module")
def results_1e5(year_1e5: PlanRun) -> list[Any]:
    book, _ = demo_results(year_1e5)
    return list(book)


@pytest.mark.benchmark(group="results-enter-1e5")
def test_enter_1e5_results(benchmark: Any, year_1e5: PlanRun, results_1e5: list[Any]) -> None:
    """Validate every result against the year (visit, items, method, window, team) and
    enter them all: `ResultBook.enter_all`."""
    book = benchmark.pedantic(lambda: ResultBook(year_1e5).enter_all(results_1e5), rounds=3)
    assert len(book) == len(results_1e5) >= 80_000


@pytest.mark.benchmark(group="results-indicators")
def test_indicators_1e5_first_day(benchmark: Any, year_1e5: PlanRun,
                                  results_1e5: list[Any]) -> None:
    """The indicators of 10^5 results on a fresh book: reading the results into columns
    included."""
    calendar = OfficialCalendar.default()
    book = ResultBook(year_1e5).enter_all(results_1e5)

    def fresh() -> Any:
        ind._COLUMNS.pop(book, None)
        return indicators(book, calendar, as_of=AS_OF)

    got = benchmark.pedantic(fresh, rounds=3)
    assert got.checks == len(results_1e5)


@pytest.mark.benchmark(group="results-indicators")
def test_indicators_1e6(benchmark: Any, year_1e5: PlanRun, results_1e5: list[Any]) -> None:
    """The indicators of 10^6 results (the year's columns repeated ten times), as of a
    day: the array operations of every indicator. Target: under 2 s."""
    calendar = OfficialCalendar.default()
    book = ResultBook(year_1e5).enter_all(results_1e5)
    indicators(book, calendar, as_of=AS_OF)
    one = ind._COLUMNS[book][id(calendar)]
    times = 10
    n = len(one.entered)
    wide = attrs.evolve(
        one, **{name: np.tile(getattr(one, name), times) for name in (
            "entered", "publish_by", "published", "published_on", "abnormal_by", "listed",
            "problem", "classified", "enterprise")},
        target=np.concatenate([one.target + k * (int(one.target.max()) + 1)
                               for k in range(times)]),
        keys={name: (labels, np.tile(index, times)) for name, (labels, index)
              in one.keys.items()},
        item_result=np.concatenate([one.item_result + k * n for k in range(times)]),
        item_index=np.tile(one.item_index, times), item_problem=np.tile(one.item_problem,
                                                                        times),
        task_visits=[np.concatenate([v + k * n for k in range(times)])
                     for v in one.task_visits])
    ind._COLUMNS[book][id(calendar)] = wide
    got = benchmark.pedantic(lambda: indicators(book, calendar, as_of=AS_OF), rounds=5)
    assert got.checks == times * n >= 800_000
