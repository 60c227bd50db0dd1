"""Our Hypothesis strategies refuse bad arguments with InvalidArgument."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis.errors import InvalidArgument

from random_inspection import RiskClass, TargetDirectory
from random_inspection import strategies as ris


@pytest.mark.parametrize(("factory", "kwargs"), [
    (ris.target_directories, {"min_size": -1}),
    (ris.target_directories, {"min_size": 5, "max_size": 2}),
    (ris.targets, {"risk_classes": []}),
    (ris.targets, {"risk_classes": ["A"]}),
    (ris.usccs, {"regions": ["1409"]}),
    (ris.usccs, {"regions": ["999999"]}),
    (ris.targets, {"regions": ["140921000001"]}),
    (ris.registration_numbers, {"regions": ["110001"]}),
    (ris.region_codes, {"provinces": ["99"]}),
    (ris.region_codes, {"lengths": [4]}),
    (ris.inspectors, {"experts": "yes"}),
    (ris.check_items, {"codes": "SJ01"}),
    (ris.designs, {"kinds": []}),
    (ris.designs, {"kinds": ["uniform"]}),
    (ris.designs, {"equal": "yes"}),
])
def test_bad_arguments(factory: Any, kwargs: dict[str, Any]) -> None:
    """Each bad argument raises InvalidArgument when the strategy is built."""
    with pytest.raises(InvalidArgument):
        factory(**kwargs).validate()


@given(ris.target_directories(min_size=3, max_size=6, risk_classes=[RiskClass.C]))
def test_sizes_and_filters_respected(directory: TargetDirectory) -> None:
    """min_size/max_size and the class filter hold."""
    assert 3 <= len(directory) <= 6
    assert directory.counts("risk_class") == {"C": len(directory)}
