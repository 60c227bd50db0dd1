"""``random-inspection demo``: the demo city's registers, a draw, its teams, a year."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import attrs

from .._runfolder import Staging, run_folder
from .._version import __version__
from ..assignment import TeamPolicy, assign_inspectors
from ..audit import AuditRecord, verify
from ..demo import CITY_NAME, DemoCity, demo_city, demo_plan, demo_results
from ..planning import PlanRun, forecast_coverage, run_plan
from ..results import FollowUpLedger, ResultBook
from ..sampling import StratifiedByRisk, draw_targets
from . import _options as o
from ._console import Console
from ._outputs import check_output
from ._store import check_store, login, open_store
from ._summaries import assignment_summary, registers_summary, sample_summary

__all__ = ["add", "run"]

MAX_TARGETS = 10_000_000
PURPOSE = "2024/忻州市/demo-task-01"


def _targets(text: str) -> int:
    value = o.whole_number(text)
    if value > MAX_TARGETS:
        raise argparse.ArgumentTypeError(f"{value:,} is more than {MAX_TARGETS:,}")
    return value


def add(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    p = commands.add_parser(
        "demo", parents=[common], help="the demo city: registers, a draw and its teams, a "
                                       "year, all verified",
        description=f"Generate the synthetic demo city ({CITY_NAME}), draw a task and its "
                    "teams, run a year's plan, verify every record, and write the registers "
                    "and records into a new folder.")
    p.add_argument("--targets", type=_targets, default=200_000,
                   help=f"number of targets (at most {MAX_TARGETS:,})")
    p.add_argument("--data-seed", type=int, default=2024, help="seed of the synthetic data")
    p.add_argument("--seed", type=o.seed, default="31415926535897932384",
                   help="the draws' public seed")
    p.add_argument("--verbose", action="store_true", help="also list counties")
    p.add_argument("--out", type=Path, default=Path("random-inspection-demo"),
                   help="the folder to write (registers, records, report, manifest)")
    p.add_argument("--workspace", metavar="DIR_OR_URL",
                   help="also keep the demo's year in a workspace (made on first use): "
                        "registers, both plan versions, every record, and the journal")
    p.add_argument("--actor", default=None,
                   help="who is recorded in the journal (default: your login name)")
    p.add_argument("--force", action="store_true",
                   help="replace --out if it is an earlier output folder of this command line")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Each stage prints as it finishes; the folder appears at the end, whole."""
    check_output(args.out, args.force)
    check_store(args)
    started = time.perf_counter()
    with console.step("generating the demo city"):
        city = demo_city(n_targets=args.targets, seed=args.data_seed)
    console.lines([f"random-inspection {__version__} · demo city {CITY_NAME} (synthetic data, "
                   f"generated in {time.perf_counter() - started:.1f} s)", "",
                   *registers_summary(city.targets, by_county=args.verbose)])
    console.lines(_other_registers(city))
    with run_folder(args.out, command="demo", overwrite=args.force, seed=args.seed.value,
                    data_seed=args.data_seed, targets=args.targets) as out:
        task_ok, record = _task(city, args, console, out)
        year_ok, year = _year(city, args, console, out)
        book, ledger = _results(city, year, console, out)
        _registers(city, console, out)
        _workspace(city, args, console, records=[record, *(r.record for r in year.runs)],
                   year=year, book=book, ledger=ledger)
    console.lines(["", f"wrote {args.out}/ (manifest.json lists every file)",
                   f"check them yourself: random-inspection verify {args.out} "
                   f"{args.out}/directory.csv --inspectors {args.out}/inspectors.csv "
                   f"--item-list {args.out}/items.csv",
                   f"the demo took {time.perf_counter() - started:.1f} s"])
    return 0 if task_ok and year_ok else 1


def _other_registers(city: DemoCity) -> list[str]:
    inspectors, items = city.inspectors, city.check_items
    health = inspectors.health_check(city.as_of)
    return [
        "",
        f"执法检查人员名录库 inspector directory: {len(inspectors)} people "
        f"({len(inspectors.experts())} experts 专业技术人员)",
        f"  digest {inspectors.digest}",
        f"  officers who can be drawn on {city.as_of}: {health.officers_available}; "
        f"credentials expired: {len(health.expired)}; expiring within 90 days: "
        f"{len(health.expiring)}; transferred or retired: {len(health.not_active)}",
        "",
        f"随机抽查事项清单 check-item list: {len(items)} items "
        f"({len(items.key_items())} key items 重点检查事项), digest {items.digest}",
    ]


def _task(city: DemoCity, args: argparse.Namespace, console: Console, out: Staging
          ) -> tuple[bool, AuditRecord]:
    """One task: the draw, its teams, the record verified as read back from its file."""
    design = StratifiedByRisk.from_preset("henan-2021", unclassified="1/100")
    started = time.perf_counter()
    sample = draw_targets(city.targets, design, seed=args.seed, purpose=PURPOSE,
                          progress=console.progress)
    console.lines(["", f"抽取检查对象 target draw: preset henan-2021, seed {args.seed.value}, "
                       f"purpose {PURPOSE!r} ({(time.perf_counter() - started) * 1000:.0f} ms)",
                   *sample_summary(sample)])
    policy = TeamPolicy(check_date=dt.date(2024, 6, 3), mode="by_region",
                        items=city.check_items.require(["SJ05", "SJ07"]))
    started = time.perf_counter()
    assignment = assign_inspectors(sample, city.inspectors, policy, progress=console.progress)
    console.lines(["", f"抽取执法检查人员 team draw: mode {policy.mode.code}, check date "
                       f"{policy.check_date}, items SJ05 + SJ07 (1+X), "
                       f"{(time.perf_counter() - started) * 1000:.0f} ms",
                   *assignment_summary(assignment, sample, city.inspectors)])
    path = out.path / "record.json"
    path.write_text(assignment.record.to_json(), encoding="utf-8")
    out.records.append("record.json")
    report = verify(AuditRecord.read(path), city.targets, inspectors=city.inspectors,
                    policy=policy, progress=console.progress)
    console.lines(["", f"核验 verification of the record (digest {assignment.record.digest}):",
                   f"  {len(report.checks)} checks, {len(report.failures)} failed: "
                   + ("VERIFIED, targets and teams replay exactly" if report.ok
                      else str(report))])
    return report.ok, assignment.record


def _year(city: DemoCity, args: argparse.Namespace, console: Console, out: Staging
          ) -> tuple[bool, PlanRun]:
    """Plan, forecast, revise, run and write the demo city's 2024."""
    started = time.perf_counter()
    plan = demo_plan()
    lines = ["", f"年度抽查计划 annual plan, demo year {plan.year}: {plan.name}",
             f"  version {plan.version}, {len(plan.tasks)} tasks (+ a top-up task), filed "
             f"{plan.filed}, run order: " + ", ".join(t.code for t in plan.run_order()),
             "  forecast before the year:"]
    forecast = forecast_coverage(plan, city.targets, progress=console.progress)
    lines += ["    " + line for line in str(forecast).splitlines()]
    if forecast.factor is not None and forecast.proposal is not None:
        proposed = {t.code: t for t in forecast.proposed}
        plan = plan.revise(tasks=[proposed.get(t.code, t) for t in plan.tasks],
                           when=dt.date(2024, 4, 10), who="信用监管科",
                           why="raise the rates to reach the 3% floor (forecast proposal)")
        forecast = forecast.proposal  # = forecast_coverage(plan, city.targets): same replays
        lines += [f"  revised to version {plan.version}: " + "; ".join(plan.history[-1].changes),
                  *("    " + line for line in str(forecast).splitlines()[:4])]
    console.lines(lines)
    year = run_plan(plan, city.targets, city.inspectors, city.check_items, seed=args.seed,
                    progress=console.progress)
    year = attrs.evolve(year, report=attrs.evolve(year.report, forecast=forecast))
    failed = [r.task.code for r in year.runs if not r.verify().ok]
    year.write_into(out)
    console.lines(["", *year.merged_visits()])
    console.lines(["", *str(year.report).splitlines(), "",
                   f"verified in process: {len(year.runs) - len(failed)} of {len(year.runs)} "
                   "records of the year replay exactly"
                   + (f"; FAILED: {', '.join(failed)}" if failed else ""),
                   f"the year took {time.perf_counter() - started:.1f} s"])
    return year.report.floor_met and not failed, year


def _results(city: DemoCity, year: PlanRun, console: Console, out: Staging
             ) -> tuple[ResultBook, FollowUpLedger]:
    """The year's simulated results (一公开): the indicators as known on 1 October and at
    the year's end, the follow-up ledger, and the public notice files."""
    from ..results import OfficialCalendar, indicators, write_notice  # noqa: PLC0415

    started = time.perf_counter()
    book, ledger = demo_results(year)
    calendar = OfficialCalendar.default()
    end = dt.date(year.plan.year, 12, 31)
    autumn = indicators(book, calendar, as_of=dt.date(year.plan.year, 10, 1), ledger=ledger)
    final = indicators(book, calendar, as_of=end, ledger=ledger)
    organ = f"{CITY_NAME}市场监督管理局"
    written, hint = ["notice.csv"], []
    write_notice(book, out.path / "notice.csv", organ=organ, directory=city.targets,
                 items=city.check_items)
    try:
        import openpyxl  # noqa: F401, PLC0415  (the optional `xlsx` extra)
    except ImportError:
        hint = ["(notice.xlsx too with the xlsx extra: pip install "
                "'random-inspection[xlsx]')"]
    else:
        write_notice(book, out.path / "notice.xlsx", organ=organ, directory=city.targets,
                     items=city.check_items)
        written.insert(0, "notice.xlsx")
    (out.path / "results.json").write_text(json.dumps(
        {"results": book.to_dicts(), "follow_ups": ledger.to_dicts()}, ensure_ascii=False,
        indent=1), encoding="utf-8")
    console.lines(["", f"检查结果 results of the year (simulated): {len(book)} visits, "
                       f"{sum(r.problem for r in book)} with a problem, "
                       f"{len(ledger)} follow-ups "
                       f"({time.perf_counter() - started:.1f} s)",
                   f"  on 1 October: {autumn.checks} checks, {autumn.published} published, "
                   f"{autumn.tasks_finished} of {autumn.tasks} tasks finished", "",
                   *str(final).splitlines(), "",
                   *str(ledger.ageing(end, city.targets)).splitlines(),
                   f"wrote {' and '.join(written)} (公示 public notice), results.json", *hint])
    return book, ledger


def _registers(city: DemoCity, console: Console, out: Staging) -> None:
    """The registers the records were drawn from, as files anyone can verify against."""
    city.targets.to_csv(out.path / "directory.csv", encoding="utf-8-sig",
                        progress=console.progress)
    city.inspectors.to_csv(out.path / "inspectors.csv", encoding="utf-8-sig")
    city.check_items.to_csv(out.path / "items.csv", encoding="utf-8-sig")


def _workspace(city: DemoCity, args: argparse.Namespace, console: Console, *,
               records: list[AuditRecord], year: PlanRun, book: ResultBook,
               ledger: FollowUpLedger) -> None:
    """With ``--workspace``: the registers, every plan version (filed, then revised), and
    every record, journaled; then the workspace's status and its journal checked."""
    if not args.workspace:
        return
    plans = [demo_plan()]
    if year.plan.digest != plans[0].digest:
        plans.append(year.plan)
    with console.step("recording into the workspace"), \
            open_store(args.workspace, create=True) as ws:
        actor = args.actor or login()
        for register in (city.targets, city.inspectors, city.check_items):
            ws.save_register(register, actor=actor)
        for plan in plans:
            ws.save_plan(plan, actor=actor)
        for record in records:
            ws.save_record(record, actor=actor)
        from ..store import save_ledger, save_results  # noqa: PLC0415

        save_results(ws, book, actor=actor)
        save_ledger(ws, ledger, year.plan.digest, actor=actor)
        status = ws.status()
        report = ws.check_journal()
    console.lines(["", f"工作区 workspace {status['location']} ({status['backend']}): "
                       f"{status['registers']} registers, {status['plans']} plan version(s), "
                       f"{status['records']} records, {status['journal_entries']} journal "
                       "entries",
                   f"  {report}",
                   f"  see it: random-inspection journal show --workspace {args.workspace}"])
