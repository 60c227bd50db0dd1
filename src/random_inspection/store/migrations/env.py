"""Alembic's environment for the workspace schema.

The store runs this (see ``store/_schema.py``), passing the connection of its own transaction
in ``config.attributes["connection"]``; there is no offline (SQL script) mode.
"""

from __future__ import annotations

from alembic import context

from random_inspection.store._tables import metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("the workspace migrations run only from random_inspection.store, "
                       "which passes its connection")
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
