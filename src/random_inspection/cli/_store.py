"""The workspace from the command line: opening one (the optional ``store`` extra), and
recording a command's registers, plan and records into it (``--workspace``)."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Sequence
from typing import Any

from .._errors import InvalidValueError

__all__ = ["check_store", "login", "open_store", "record_into", "store_options"]


def open_store(location: str, *, create: bool = False, new: bool = False) -> Any:
    """The workspace at ``location`` (a folder or a PostgreSQL URL); ``create``: made when
    the location holds none yet; ``new``: made, and refused where one exists."""
    try:
        from ..store import Workspace  # noqa: PLC0415  (the optional `store` extra)
    except ImportError as error:
        raise InvalidValueError("workspace", "store extra", str(error), "is not installed",
                                "pip install 'random-inspection[store]'") from None
    return Workspace.init(location) if new else Workspace.open(location, create=create)


def login() -> str:
    """The login name, the journal's default actor."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "random-inspection"


def store_options(parser: argparse.ArgumentParser) -> None:
    """``--workspace`` (optional) and ``--actor`` for a command that can record into one."""
    parser.add_argument("--workspace", metavar="DIR_OR_URL",
                        help="also record into this workspace (made on first use): the "
                             "registers, plan and records, each journaled")
    parser.add_argument("--actor", default=None,
                        help="who is recorded in the journal (default: your login name)")


def check_store(args: argparse.Namespace) -> None:
    """Open ``--workspace`` (making it on first use) before any long work, so a wrong
    location, a missing extra or an unreachable server is said at once."""
    if args.workspace:
        open_store(args.workspace, create=True).close()


def record_into(args: argparse.Namespace, *, registers: Sequence[Any] = (),
                plan: Any = None, records: Sequence[Any] = ()) -> list[str]:
    """Save ``registers``, the ``plan`` version and the ``records`` into ``--workspace`` (when
    given), each once and journaled; the lines to print. Registers go first, so a record is
    never stored without the registers it was drawn from."""
    if not args.workspace:
        return []
    actor = args.actor or login()
    with open_store(args.workspace, create=True) as ws:
        for register in registers:
            ws.save_register(register, actor=actor)
        if plan is not None:
            ws.save_plan(plan, actor=actor)
        digests = [ws.save_record(record, actor=actor) for record in records]
        seq, head = ws.head()
    return [f"recorded into the workspace {ws.location}: {len(registers)} register(s), "
            + ("the plan, " if plan is not None else "")
            + f"{len(digests)} record(s), as {actor}; journal head {seq}: {head}"]
