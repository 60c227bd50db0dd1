"""Shared test configuration: Hypothesis profiles, the small demo city, and workspace
locations on SQLite and on a PostgreSQL server."""

from __future__ import annotations

import os
import re
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from _pg import PG_URL, empty_pg_database, pg_unavailable
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


@pytest.fixture(scope="module")
def pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a fresh PostgreSQL database for this test module, dropped after it.

    Skipped without ``RANDOM_INSPECTION_TEST_PG_URL``, unless
    ``RANDOM_INSPECTION_REQUIRE_PG=1``: then, as when the server cannot be reached, the test
    fails."""
    url = os.environ.get(PG_URL)
    if not url:
        pg_unavailable(f"{PG_URL} is not set")
    from sqlalchemy import create_engine, exc  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    module = re.sub(r"\W", "_", request.module.__name__.rpartition(".")[2])[-30:]
    name = f"ri_{module}_{uuid.uuid4().hex[:8]}".lower()
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except exc.OperationalError as error:
        admin.dispose()
        pytest.fail(f"{PG_URL}={url} cannot be used: {error.orig}")
    yield make_url(url).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where to make a workspace: a new folder, or an emptied PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "workspace")
    return empty_pg_database(request.getfixturevalue("pg_database"))
