"""``random-inspection verify``: replay a record (or a folder of them) against the registers."""

from __future__ import annotations

import argparse
from typing import Any

from ..assignment import ConflictRegister
from ..audit import verify_file, verify_folder
from ..audit._journal import read_jsonl
from ..registry import CheckItemList, InspectorDirectory
from . import _options as o
from ._console import Console
from ._inputs import read_directory
from .assign import read_previous, register_options

__all__ = ["add", "run"]


def add(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    p = commands.add_parser(
        "verify", parents=[common], help="replay a record against the published registers",
        description="Replay an audit record (or every record of a folder) and check it "
                    "completely. Exit status: 0 verified; 1 not verified (altered, or it does "
                    "not replay); 2 cannot check (an input is missing or unreadable).")
    p.add_argument("record", type=o.existing_path,
                   help="an audit record JSON, or a folder (a run folder with its manifest, "
                        "or a folder of records)")
    p.add_argument("directory", type=o.existing_file,
                   help="the target directory (CSV or Parquet) the draw was made from")
    register_options(p, inspectors_required=False)
    p.add_argument("--journal", type=o.existing_file,
                   help="the workspace journal exported as JSON Lines (`journal export`): "
                        "checks the chain, each record's seed ceremony, and the team "
                        "changes and substitutes after its draw")
    p.add_argument("--journal-head", type=o.digest, metavar="sha256:HEX",
                   help="with --journal: the head published earlier; the chain must end there")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Read the registers given, verify, print every check and the verdict."""
    directory = read_directory(args.directory, console.progress)
    inspectors = InspectorDirectory.from_csv(args.inspectors) if args.inspectors else None
    items = CheckItemList.from_csv(args.item_list) if args.item_list else None
    conflicts = ConflictRegister.from_csv(args.conflicts) if args.conflicts else None
    previous = read_previous(args.previous)
    journal = read_jsonl(args.journal) if args.journal else None
    if args.record.is_dir():
        folder = verify_folder(args.record, directory, inspectors=inspectors, items=items,
                               conflicts=conflicts, previous_inspectors=previous,
                               journal=journal, journal_head=args.journal_head,
                               progress=console.progress)
        text, code = str(folder), folder.exit_code
    else:
        report = verify_file(args.record, directory, inspectors=inspectors, items=items,
                             conflicts=conflicts, previous_inspectors=previous,
                             journal=journal, journal_head=args.journal_head,
                               progress=console.progress)
        text, code = str(report), report.exit_code
    console.lines(text.splitlines()[-1:] if console.quiet else text.splitlines())
    return code
