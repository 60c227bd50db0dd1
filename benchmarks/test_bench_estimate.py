"""Estimation benchmarks: HT and Hájek violation rates by county, with their variances and
three intervals, on 10^5 results — against a plain pandas groupby mean of the same frame
(the unweighted share, no design: the floor of any per-county summary in pandas).

Two inputs: a DataFrame of 10^5 (target id, outcome) rows with the `Sample` that drew them
from a 10^6-target directory; and a `ResultBook` of about 10^5 results of a real year (the
demo city of 2×10^6 targets, one task drawing about 10^5 enterprises), where building the
unit table from the results is part of the work. Run with ``make bench``; quote medians.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from random_inspection import StratifiedByRisk, TargetDirectory, draw_targets
from random_inspection.analysis._estimate import estimate_rates, estimation_frame
from random_inspection.demo import demo_city, demo_results
from random_inspection.planning import AnnualPlan, PlanRun, Task, run_plan
from random_inspection.results import ResultBook
from random_inspection.sampling import Sample

SEED = "31415926535897932384"


@pytest.fixture(scope="module")
def drawn_1e5(columns_1e6: dict[str, Any]) -> tuple[Sample, pd.DataFrame]:
    """About 10^5 enterprises drawn from 10^6 (rates 8–30% by class) and a 0/1 outcome
    for each (numpy, seed 7)."""
    directory = TargetDirectory.from_columns(**columns_1e6)
    design = StratifiedByRisk(rates={"A": "8%", "B": "10%", "C": "15%", "D": "30%",
                                     "U": "10%"}, floor=0)
    sample = draw_targets(directory, design, seed=SEED, purpose="bench/estimate")
    ids = list(sample.selected_ids)
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"target_id": ids, "problem": rng.random(len(ids)) < 0.1})
    return sample, frame


@pytest.mark.benchmark(group="estimate-frame-1e5")
def test_estimate_by_county_frame_1e5(benchmark: Any, drawn_1e5: Any) -> None:
    """`estimate_rates(frame, sample=…, by="county")`: join to the draw, domain sizes from
    the directory, HT and Hájek with FPC, normal, Wilson and Korn–Graubard intervals."""
    sample, frame = drawn_1e5
    rows = benchmark.pedantic(lambda: estimate_rates(frame, sample=sample, by="county"),
                              rounds=5)
    assert rows["n"].sum() == len(frame) >= 90_000


@pytest.mark.benchmark(group="estimate-frame-1e5")
def test_peer_groupby_mean_frame_1e5(benchmark: Any, drawn_1e5: Any) -> None:
    """Peer: ``frame.groupby("county")["problem"].mean()`` on the same rows, the county
    already a column."""
    sample, frame = drawn_1e5
    regions = sample.directory.column("region")[sample.directory.positions(frame["target_id"])]
    with_county = frame.assign(county=regions)
    means = benchmark.pedantic(with_county.groupby("county")["problem"].mean, rounds=30,
                               warmup_rounds=1)
    assert len(means) == 6


@pytest.fixture(scope="module")
def book_1e5() -> ResultBook:
    """The results of a year whose one task draws about 10^5 of the demo city's
    enterprises (as in ``test_bench_results``), simulated by `demo_results`."""
    city = demo_city(n_targets=2 * 10**6, n_officers=3000)
    rates = {"A": "10%", "B": "15%", "C": "30%", "D": "50%"}
    task = Task(code="BENCH-01", name="基准测试抽查", items=["SJ01", "SJ04"],
                design=StratifiedByRisk(rates=rates, floor=0,
                                        scope={"entity_types": ["enterprise"]}),
                start=dt.date(2024, 4, 1), end=dt.date(2024, 11, 29), level="city",
                team_mode="whole_pool")
    plan = AnnualPlan(name="基准年度计划", level="city", region="1409", year=2024,
                      tasks=[task])
    year: PlanRun = run_plan(plan, city.targets, city.inspectors, city.check_items, seed=SEED)
    return demo_results(year)[0]


@pytest.mark.benchmark(group="estimate-book-1e5")
def test_estimate_by_county_book_1e5(benchmark: Any, book_1e5: ResultBook) -> None:
    """`estimate_rates(book, by="county")`: the unit table read from 10^5 results (two
    items each), then the estimates."""
    rows = benchmark.pedantic(lambda: estimate_rates(book_1e5, by="county"), rounds=3)
    assert rows["n"].sum() == len(book_1e5) >= 80_000


@pytest.mark.benchmark(group="estimate-book-1e5")
def test_peer_groupby_mean_book_1e5(benchmark: Any, book_1e5: ResultBook) -> None:
    """Peer: the unweighted share by task and county, a groupby mean of the same unit
    table (`estimation_frame`) already built."""
    units = estimation_frame(book_1e5)
    means = benchmark.pedantic(
        units.groupby(["task", "region"])["outcome"].mean, rounds=30, warmup_rounds=1)
    assert len(means) == 14
