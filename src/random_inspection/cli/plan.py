"""``random-inspection plan``: check an annual plan, forecast its coverage, run the year."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import attrs

from .._errors import InvalidValueError
from .._runfolder import run_folder
from ..assignment import ConflictRegister
from ..planning import AnnualPlan, PlanRun, forecast_coverage, read_plan, run_plan
from ..planning._coverage import DEFAULT_REPLAYS
from ..registry import CheckItemList, InspectorDirectory
from . import _options as o
from ._console import Console
from ._inputs import read_directory
from ._outputs import check_output
from ._store import check_store, record_into, store_options
from .assign import read_previous, register_options

__all__ = ["add", "run", "write_run"]


def add(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    p = commands.add_parser(
        "plan", parents=[common], help="check an annual plan, forecast its coverage, and "
                                       "with --seed run the year",
        description="Check an annual plan against the directory and forecast its coverage; "
                    "with --seed, draw every task and write the plan, the records, the report "
                    "and a manifest into a new folder.")
    p.add_argument("plan", type=o.existing_file,
                   help="the plan file (.toml or .json, English or Chinese keys)")
    p.add_argument("directory", type=o.existing_file, help="the target directory (CSV or Parquet)")
    p.add_argument("--seed", type=o.seed,
                   help="the year's public seed; without it, only the forecast")
    p.add_argument("--replays", type=o.whole_number, default=DEFAULT_REPLAYS,
                   help="how many times the forecast replays the year's draws (default "
                        f"{DEFAULT_REPLAYS}; the error falls as 1/sqrt(replays))")
    register_options(p, inspectors_required=False)
    p.add_argument("--out", type=Path, default=Path("plan-run"),
                   help="the folder to write with --seed")
    store_options(p)
    p.add_argument("--force", action="store_true",
                   help="replace --out if it is an earlier output folder of this command line")
    p.set_defaults(run=run)


def write_run(year: PlanRun, args: argparse.Namespace, registers: list[Any]) -> list[str]:
    """Write the year as a run folder, and into ``--workspace`` when given; the lines to
    print (every record verified first)."""
    failed = [r.task.code for r in year.runs if not r.verify().ok]
    with run_folder(args.out, command="plan", overwrite=args.force, seed=args.seed.value,
                    plan_digest=year.plan.digest) as folder:
        year.write_into(folder)
        stored = record_into(args, registers=registers, plan=year.plan,
                             records=[r.record for r in year.runs])
    return [f"wrote {args.out}/: plan.json, {len(year.runs)} records in records/, report.txt, "
            "report.json, manifest.json", *stored,
            f"verified in process: {len(year.runs) - len(failed)} of {len(year.runs)} records "
            "replay exactly" + (f"; FAILED: {', '.join(failed)}" if failed else "")]


def run(args: argparse.Namespace, console: Console) -> int:
    """Check the options, read the plan and the registers, forecast, and run the year."""
    if args.seed is not None:
        missing = [flag for flag, value in (("--inspectors", args.inspectors),
                                            ("--item-list", args.item_list)) if not value]
        if missing:
            raise InvalidValueError("plan", missing[0], None, "is needed to run the year "
                                    "(--seed)", "give the inspector directory and the "
                                    "check-item list CSV files")
        check_output(args.out, args.force)
    check_store(args)
    plan: AnnualPlan = read_plan(args.plan)
    directory = read_directory(args.directory, console.progress)
    console.echo(f"{plan.name}: version {plan.version}, {len(plan.tasks)} tasks, digest "
                 f"{plan.digest}")
    forecast = forecast_coverage(plan, directory, replays=args.replays,
                                 progress=console.progress)
    console.echo(str(forecast))
    if args.seed is None:
        console.lines(record_into(args, registers=[directory], plan=plan))
        return 0
    inspectors = InspectorDirectory.from_csv(args.inspectors)
    items = CheckItemList.from_csv(args.item_list)
    conflicts = ConflictRegister.from_csv(args.conflicts) if args.conflicts else None
    year = run_plan(plan, directory, inspectors, items, seed=args.seed, conflicts=conflicts,
                    previous_inspectors=read_previous(args.previous), progress=console.progress)
    year = attrs.evolve(year, report=attrs.evolve(year.report, forecast=forecast))
    console.echo(str(year.report))
    console.lines(["", *year.merged_visits()])
    console.lines(write_run(year, args, [directory, inspectors, items,
                                         *([conflicts] if conflicts else [])]))
    return 0 if year.report.floor_met else 1
