"""Shared test configuration: Hypothesis profiles and the small demo city."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from random_inspection.demo import DemoCity, demo_city

# CI must be deterministic: derandomized, no deadline (the machine is shared and noisy).
settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=60, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def small_city() -> DemoCity:
    """A 3,000-target demo city, shared by the tests that only read it."""
    return demo_city(n_targets=3_000, n_officers=60)
