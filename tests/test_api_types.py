"""Python entry points given the wrong kind of argument raise `InvalidTypeError` (a
`TypeError` and a `RandomInspectionError`) naming the expected type and how to make one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from random_inspection import (
    AuditRecord,
    FileFormatError,
    InvalidTypeError,
    RandomInspectionError,
    StratifiedByRisk,
    TeamPolicy,
    assign_inspectors,
    draw_targets,
    verify,
)
from random_inspection.demo import DemoCity, demo_plan
from random_inspection.planning import forecast_coverage, run_plan

DESIGN = StratifiedByRisk.from_preset("henan-2021")
SEED = "31415926535897932384"


def _cases(city: DemoCity) -> list[tuple[str, Any, str]]:
    sample = draw_targets(city.targets, DESIGN, seed=SEED, purpose="types")
    policy = TeamPolicy(check_date=dt.date(2024, 6, 3))
    return [
        ("a path for the directory", lambda: draw_targets("/x.csv", DESIGN, seed=SEED,  # type: ignore[arg-type]
                                                          purpose="p"), "from_csv"),
        ("a DataFrame for the directory", lambda: draw_targets(
            pd.DataFrame({"id": []}), DESIGN, seed=SEED, purpose="p"), "from_pandas"),  # type: ignore[arg-type]
        ("a list of targets", lambda: draw_targets(list(city.targets)[:3], DESIGN,  # type: ignore[arg-type]
                                                   seed=SEED, purpose="p"), "from_records"),
        ("a dict for the design", lambda: draw_targets(city.targets, {"rates": {}},  # type: ignore[arg-type]
                                                       seed=SEED, purpose="p"),
         "design_from_dict"),
        ("JSON text for verify", lambda: verify(sample.record.to_json(), city.targets),  # type: ignore[arg-type]
         "AuditRecord.from_json"),
        ("a path for verify's directory", lambda: verify(sample.record, "d.csv"),  # type: ignore[arg-type]
         "from_csv"),
        ("a record for assign", lambda: assign_inspectors(sample.record, city.inspectors,  # type: ignore[arg-type]
                                                          policy), "draw_targets"),
        ("a list for the inspectors", lambda: assign_inspectors(sample, list(city.inspectors),  # type: ignore[arg-type]
                                                                policy), "from_csv"),
        ("a dict for the policy", lambda: assign_inspectors(sample, city.inspectors, {}),  # type: ignore[arg-type]
         "TeamPolicy"),
        ("a path for the plan", lambda: run_plan("plan.toml", city.targets, city.inspectors,  # type: ignore[arg-type]
                                                 city.check_items, seed=SEED), "read_plan"),
        ("a path for the forecast's directory", lambda: forecast_coverage(demo_plan(), "d.csv"),  # type: ignore[arg-type]
         "from_csv"),
        ("one string for item codes", lambda: city.check_items.require("SJ05"),  # type: ignore[arg-type]
         "['SJ05']"),
        ("dicts for targets", lambda: type(city.targets).from_records([{"id": "x"}]),  # type: ignore[list-item]
         "Target.from_dict"),
    ]


def test_wrong_argument_types(small_city: DemoCity) -> None:
    """Each case raises InvalidTypeError, a TypeError and a RandomInspectionError, whose
    message names the constructor to use."""
    for name, call, constructor in _cases(small_city):
        with pytest.raises(InvalidTypeError) as info:
            call()
        assert isinstance(info.value, TypeError), name
        assert isinstance(info.value, RandomInspectionError), name
        assert constructor in str(info.value), (name, str(info.value))


def test_a_path_given_as_record_text() -> None:
    """AuditRecord.from_json given a file name says to use AuditRecord.read."""
    with pytest.raises(FileFormatError, match=r"AuditRecord\.read\(path\)"):
        AuditRecord.from_json("/records/2024-01.json")
