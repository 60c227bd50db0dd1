"""Helpers for the store's tests against a PostgreSQL server."""

from __future__ import annotations

import os

import pytest

#: A PostgreSQL server for the store's tests: a URL with a user who may create databases.
PG_URL = "RANDOM_INSPECTION_TEST_PG_URL"
#: Set to 1 (CI does) to make a missing server a failure instead of a skip.
PG_REQUIRED = "RANDOM_INSPECTION_REQUIRE_PG"


def pg_unavailable(why: str) -> None:
    """Skip the test for ``why``, or fail it when a server is required."""
    if os.environ.get(PG_REQUIRED) == "1":
        pytest.fail(f"{why}, and {PG_REQUIRED}=1 requires a PostgreSQL server (.ci/postgres.sh "
                    "starts one)")
    pytest.skip(f"{why}: the PostgreSQL cases need a server (set {PG_URL})")


def empty_pg_database(url: str) -> str:
    """Empty the test database at ``url`` (its public schema made anew) and return the URL."""
    from sqlalchemy import create_engine  # noqa: PLC0415

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url
