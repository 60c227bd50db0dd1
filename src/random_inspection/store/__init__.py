"""The workspace: register snapshots, plans, audit records and the journal, in SQLite (a
folder; the default) or PostgreSQL (a URL), through SQLAlchemy Core.

Needs the ``store`` extra (SQLAlchemy, Alembic, psycopg). The flow never imports this
package: it saves and loads the flow's immutable values. Failures raise
`random_inspection.StoreError`.
"""

from .._errors import StoreError
from ._ceremony import (
    assign_in_ceremony,
    ceremony_of,
    commit_contribution,
    commitment_text,
    committed_teams,
    draw_in_ceremony,
    drawn_in_ceremony,
    open_ceremony,
    reveal_contribution,
    teams_in_ceremony,
)
from ._results import load_ledger, load_results, load_year, save_ledger, save_results
from ._teams import change_team, substitute, team_changes, team_now
from ._workspace import Workspace

__all__ = [
    "StoreError",
    "Workspace",
    "assign_in_ceremony",
    "ceremony_of",
    "change_team",
    "commit_contribution",
    "commitment_text",
    "committed_teams",
    "draw_in_ceremony",
    "drawn_in_ceremony",
    "load_ledger",
    "load_results",
    "load_year",
    "open_ceremony",
    "reveal_contribution",
    "save_ledger",
    "save_results",
    "substitute",
    "team_changes",
    "team_now",
    "teams_in_ceremony",
]
