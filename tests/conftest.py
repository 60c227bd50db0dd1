"""Shared test configuration: Hypothesis profiles and the small demo city."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from typing import Any

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


@pytest.fixture(autouse=True, scope="session")
def _records_match_the_schema() -> Iterator[None]:
    """Every audit record the test suite makes is checked against the published schema
    (``docs/spec/record.schema.json``) the first time its content is taken."""
    try:
        import jsonschema  # noqa: PLC0415
    except ImportError:  # the oldest-dependencies run installs only what it replays with
        yield
        return
    from random_inspection.audit import AuditRecord, record_schema  # noqa: PLC0415

    validator = jsonschema.Draft202012Validator(record_schema())
    original = AuditRecord.content
    checked: dict[int, weakref.ref[AuditRecord]] = {}  # records are unhashable

    def content(self: AuditRecord) -> dict[str, Any]:
        value = original(self)
        seen = checked.get(id(self))
        if seen is None or seen() is not self:
            checked[id(self)] = weakref.ref(self)
            errors = list(validator.iter_errors({**value, "record_digest": "sha256:" + "0" * 64}))
            assert not errors, f"a record breaks the schema: {errors[0].message}"
        return value

    AuditRecord.content = content  # type: ignore[method-assign]
    yield
    AuditRecord.content = original  # type: ignore[method-assign]
