"""``random-inspection assign``: draw inspection teams for a recorded target draw."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .._errors import FileFormatError, InvalidValueError
from .._runfolder import run_folder
from ..assignment import ConflictRegister, DrawMode, DrawUnit, TeamPolicy, assign_inspectors
from ..audit import AuditRecord, verify
from ..registry import CheckItemList, InspectorDirectory
from ..sampling import design_from_dict, draw_targets
from . import _options as o
from ._console import Console
from ._inputs import read_directory
from ._outputs import check_output, csv_text
from ._store import check_store, record_into, store_options
from ._summaries import assignment_summary

__all__ = ["add", "read_previous", "register_options", "run"]


def register_options(parser: argparse.ArgumentParser, *, inspectors_required: bool) -> None:
    """The register files a team draw uses (``assign``, ``verify``, ``plan``)."""
    parser.add_argument("--inspectors", type=o.existing_file, required=inspectors_required,
                        help="the inspector directory CSV")
    parser.add_argument("--item-list", type=o.existing_file,
                        help="the check-item list CSV (the items' specialties)")
    parser.add_argument("--conflicts", type=o.existing_file,
                        help="the conflict register CSV (declared conflicts, 回避)")
    parser.add_argument("--previous", type=o.existing_file,
                        help="JSON {target id: [inspector ids of its previous check]}")


def read_previous(path: Path | None) -> dict[str, list[str]] | None:
    """The previous inspectors file, or ``None`` when not given."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise FileFormatError(str(path), [(0, "", f"not JSON: {error}")], 1) from None
    if not isinstance(data, dict):
        raise FileFormatError(str(path), [(0, "", "not a JSON object {target id: [inspector "
                                                  "ids]}")], 1)
    bad = [(0, str(target), "is not given a list of inspector ids (write [\"id\", …])")
           for target, ids in data.items()
           if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)]
    if bad:
        raise FileFormatError(str(path), bad, len(bad))
    return data


def team_options(parser: argparse.ArgumentParser, *, check_date_required: bool) -> None:
    """The team policy's options (``assign``, ``ceremony open``)."""
    parser.add_argument("--check-date", required=check_date_required, type=o.checked_date,
                        metavar="DATE", help="the day of the checks (credentials and "
                                             "conflicts in force), YYYY-MM-DD")
    parser.add_argument("--mode", default="whole_pool", choices=[m.code for m in DrawMode],
                        help="whole_pool 全局混合, by_region 区域定向, cross_office 所所交叉")
    parser.add_argument("--unit", default="person", choices=[u.code for u in DrawUnit],
                        help="draw officers one by one, or pre-formed groups (the "
                             "inspectors' 执法小组 column) as a unit")
    parser.add_argument("--min-officers", type=o.whole_number, default=2,
                        help="officers with valid credentials per team (at least 2)")
    parser.add_argument("--leader-department",
                        help="the executing department that leads each team")
    parser.add_argument("--cap", type=o.whole_number, help="the most targets per officer")
    parser.add_argument("--item-codes", help="the task's check-item codes, comma-separated "
                                             "(their specialties come from --item-list)")


def policy_of(args: argparse.Namespace, command: str
              ) -> tuple[TeamPolicy, CheckItemList | None, ConflictRegister | None]:
    """The team policy the options give, with the item list and conflict register read."""
    codes = [c.strip() for c in (args.item_codes or "").split(",") if c.strip()]
    if codes and not args.item_list:
        raise InvalidValueError(command, "--item-codes", args.item_codes,
                                "needs the check-item list", "pass --item-list items.csv")
    items = CheckItemList.from_csv(args.item_list) if args.item_list else None
    conflicts = ConflictRegister.from_csv(args.conflicts) if args.conflicts else None
    policy = TeamPolicy(
        check_date=args.check_date, mode=args.mode, unit=args.unit,
        min_officers=args.min_officers, leader_department=args.leader_department,
        cap=args.cap, items=items.require(codes) if items else (),
        conflicts=conflicts or ConflictRegister(),
        previous_inspectors=read_previous(args.previous) or {})
    return policy, items, conflicts


def add(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    p = commands.add_parser(
        "assign", parents=[common], help="draw inspection teams for a recorded draw",
        description="Draw the inspection team of every target of a recorded draw (from the "
                    "same seed) and write the record with its teams, a teams table and a "
                    "manifest into a new folder.")
    p.add_argument("record", type=o.existing_path,
                   help="the target draw's record.json, or the folder `draw` wrote")
    p.add_argument("directory", type=o.existing_file,
                   help="the target directory (CSV or Parquet) the draw was made from")
    register_options(p, inspectors_required=True)
    team_options(p, check_date_required=True)
    p.add_argument("--out", required=True, type=Path,
                   help="the folder to write (record.json with teams, teams.csv, manifest.json)")
    store_options(p)
    p.add_argument("--force", action="store_true",
                   help="replace --out if it is an earlier output folder of this command line")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Check the options and the output folder, replay the draw, draw the teams, write."""
    policy, items, conflicts = policy_of(args, "assign")
    check_output(args.out, args.force)
    check_store(args)
    path = args.record / "record.json" if args.record.is_dir() else args.record
    record = AuditRecord.read(path)
    if record.teams is not None:
        raise InvalidValueError("assign", "record", str(path), "already has teams",
                                "give the record of the target draw (the folder `draw` wrote)")
    directory = read_directory(args.directory, console.progress)
    report = verify(record, directory, progress=console.progress)
    if not report.ok:
        raise InvalidValueError("assign", "record", str(path),
                                "does not replay against this directory:\n" + str(report),
                                "give the directory the draw was made from, and run "
                                "`random-inspection verify` on the record")
    console.echo(f"the draw {path} replays against {args.directory}")
    inspectors = InspectorDirectory.from_csv(args.inspectors)
    sample = draw_targets(directory, design_from_dict(record.design), seed=record.seed,
                          purpose=record.purpose, hash=record.hash)
    assignment = assign_inspectors(sample, inspectors, policy, progress=console.progress)
    console.echo(f"抽取执法检查人员 teams for {len(sample.selected_ids):,} targets, mode "
                 f"{policy.mode.code}, check date {policy.check_date}:")
    console.lines(assignment_summary(assignment, sample, inspectors))
    rows: list[list[object]] = [
        [t.target_id, t.leader, ";".join(t.officers), ";".join(t.experts),
         ";".join(t.uncovered), "", t.group] for t in assignment.teams]
    rows += [[u.target_id, "", "", "", "", u.reason, ""] for u in assignment.unstaffed]
    with run_folder(args.out, command="assign", overwrite=args.force,
                    seed=record.seed.value, purpose=record.purpose,
                    directory_digest=directory.digest) as out:
        (out.path / "record.json").write_text(assignment.record.to_json(), encoding="utf-8")
        out.records.append("record.json")
        (out.path / "teams.csv").write_text(csv_text(
            ["target", "leader", "officers", "experts", "uncovered", "unstaffed", "group"],
            rows), encoding="utf-8-sig")
        console.lines(record_into(args, registers=[
            directory, inspectors, *(r for r in (items, conflicts) if r is not None)],
            records=[assignment.record]))
    console.echo(f"wrote {args.out}/: record.json, teams.csv, manifest.json")
    return 0
