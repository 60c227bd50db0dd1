"""The team draw's mode pools, found through officers grouped by office area and office,
equal the spec's definition applied officer by officer (§12.2, §12.11)."""

from __future__ import annotations

import datetime as dt

import attrs
from hypothesis import given
from hypothesis import strategies as st

from random_inspection.assignment._assign import _ModePools, mode_allows
from random_inspection.strategies import (
    inspector_directories,
    target_directories,
    team_policies,
)

DAY = dt.date(2024, 6, 3)


@given(st.data())
def test_mode_pools_are_the_spec_pools(data: st.DataObject) -> None:
    """For every mode and executing level (with widened departments), each target's pool is
    exactly the officers that serve it and that its mode allows, in ascending order."""
    inspectors = data.draw(inspector_directories(min_size=1, max_size=25, experts=False,
                                                 valid_on=DAY))
    targets = data.draw(target_directories(min_size=1, max_size=15))
    policy = data.draw(team_policies(inspectors=inspectors, targets=targets, check_date=DAY))
    level = data.draw(st.sampled_from([None, "city", "county"]))
    if level is not None:
        widened = data.draw(st.lists(st.sampled_from(["市局", "定襄县局", "原平市局"]),
                                     max_size=1, unique=True))
        policy = attrs.evolve(policy, executing_level=level, widened_departments=widened)
    officers = inspectors.officers_on(policy.check_date)
    assert len(officers) == len(inspectors)
    pools = _ModePools(officers, policy)
    for target in targets:
        served = [k for k, o in enumerate(officers) if policy.serves(o, target)]
        expected = [k for k in served if mode_allows(policy.mode, officers[k], target)]
        assert pools(target) == (expected, len(served))
        base, members, count = pools.shared(target)
        assert (base, members, count) == (expected, set(expected), len(served))
        assert pools.shared(target)[0] is base  # equal pools are one list
