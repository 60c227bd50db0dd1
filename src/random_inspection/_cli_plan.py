"""The command line's annual-plan parts: ``random-inspection plan`` and the demo year."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from ._errors import InvalidValueError
from .assignment import ConflictRegister
from .demo import DemoCity, demo_plan
from .planning import AnnualPlan, PlanRun, forecast_coverage, read_plan, run_plan, write_plan
from .registry import CheckItemList, InspectorDirectory, TargetDirectory

__all__ = ["add_plan_command", "demo_year"]


def _write_run(run: PlanRun, out: Path) -> list[str]:
    """Write the plan, every record and the report under ``out``; verify every record."""
    out.mkdir(parents=True, exist_ok=True)
    write_plan(run.plan, out / "plan.json")
    run.write_records(out / "records")
    (out / "report.txt").write_text(str(run.report) + "\n", encoding="utf-8")
    (out / "report.json").write_text(json.dumps(run.report.to_dict(), ensure_ascii=False,
                                                indent=1) + "\n", encoding="utf-8")
    failed = [r.task.code for r in run.runs if not r.verify().ok]
    return [f"wrote {out}/plan.json, {len(run.runs)} records in {out}/records, the report in "
            f"{out}/report.txt and report.json",
            f"verified in process: {len(run.runs) - len(failed)} of {len(run.runs)} records "
            "replay exactly" + (f"; FAILED: {', '.join(failed)}" if failed else "")]


def demo_year(city: DemoCity, seed: str, out: Path) -> tuple[list[str], bool]:
    """Plan, forecast, revise, run and write the demo city's 2024; the lines to print."""
    started = time.perf_counter()
    plan = demo_plan()
    lines = ["", f"年度抽查计划 annual plan, demo year {plan.year}: {plan.name}",
             f"  version {plan.version}, {len(plan.tasks)} tasks (+ a top-up task), filed "
             f"{plan.filed}, run order: "
             + ", ".join(t.code for t in plan.run_order()),
             "  forecast before the year:"]
    forecast = forecast_coverage(plan, city.targets)
    lines += ["    " + line for line in str(forecast).splitlines()]
    if forecast.factor is not None:
        proposed = {t.code: t for t in forecast.proposed}
        plan = plan.revise(tasks=[proposed.get(t.code, t) for t in plan.tasks],
                           when=dt.date(2024, 4, 10), who="信用监管科",
                           why="raise the rates to reach the 3% floor (forecast proposal)")
        again = forecast_coverage(plan, city.targets)
        lines += [f"  revised to version {plan.version}: "
                  + "; ".join(plan.history[-1].changes),
                  "    " + str(again).splitlines()[0]]
    run = run_plan(plan, city.targets, city.inspectors, city.check_items, seed=seed)
    lines += ["", *str(run.report).splitlines()]
    out.mkdir(parents=True, exist_ok=True)
    city.targets.to_csv(out / "directory.csv")
    city.inspectors.to_csv(out / "inspectors.csv")
    city.check_items.to_csv(out / "items.csv")
    lines += ["", *_write_run(run, out),
              f"check them yourself: random-inspection verify {out}/records {out}/directory.csv "
              f"--inspectors {out}/inspectors.csv --item-list {out}/items.csv",
              f"the year took {time.perf_counter() - started:.1f} s"]
    return lines, run.report.floor_met


def _plan(args: argparse.Namespace) -> int:
    plan: AnnualPlan = read_plan(args.plan)
    directory = TargetDirectory.from_csv(args.directory)
    print(f"{plan.name}: version {plan.version}, {len(plan.tasks)} tasks, digest {plan.digest}")
    print(forecast_coverage(plan, directory))
    if args.seed is None:
        return 0
    if not args.inspectors or not args.item_list:
        raise InvalidValueError("plan", "--inspectors" if not args.inspectors
                                else "--item-list", None, "is needed to run the year",
                                "give the inspector directory and check-item list CSV files")
    inspectors = InspectorDirectory.from_csv(args.inspectors)
    items = CheckItemList.from_csv(args.item_list)
    conflicts = ConflictRegister.from_csv(args.conflicts) if args.conflicts else None
    previous = json.loads(Path(args.previous).read_text(encoding="utf-8")) if args.previous \
        else None
    run = run_plan(plan, directory, inspectors, items, seed=args.seed, conflicts=conflicts,
                   previous_inspectors=previous)
    print(run.report)
    print("\n".join(_write_run(run, Path(args.out))))
    return 0 if run.report.floor_met else 1


def add_plan_command(commands: Any) -> None:
    """Register ``random-inspection plan``."""
    plan = commands.add_parser("plan", help="check an annual plan, forecast its coverage, and "
                                            "with --seed run the year")
    plan.add_argument("plan", help="plan file (.toml or .json, English or Chinese keys)")
    plan.add_argument("directory", help="target directory CSV")
    plan.add_argument("--seed", help="public seed of the year; without it only the forecast")
    plan.add_argument("--inspectors", help="inspector directory CSV (needed with --seed)")
    plan.add_argument("--item-list", help="check-item list CSV (needed with --seed)")
    plan.add_argument("--conflicts", help="conflict register CSV")
    plan.add_argument("--previous", help="JSON {target id: [inspector ids of the last check]}")
    plan.add_argument("--out", default="plan-run", help="folder for records and the report")
    plan.set_defaults(run=_plan)
