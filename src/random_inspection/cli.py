"""The ``random-inspection`` command: demo, draw, verify."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ._cli_plan import add_plan_command, demo_year
from ._errors import InvalidValueError, RandomInspectionError
from ._text import pad
from ._version import __version__
from .assignment import Assignment, ConflictRegister, DrawMode, TeamPolicy, assign_inspectors
from .assignment._assign import describe_exclusion
from .audit import verify, verify_file
from .demo import CITY_NAME, COUNTIES, demo_city
from .registry import (
    CheckItemList,
    EntityType,
    InspectorDirectory,
    RiskClass,
    Scope,
    TargetDirectory,
)
from .sampling import (
    PRESETS,
    AuditRecord,
    Sample,
    Seed,
    StratifiedByRisk,
    design_from_dict,
    draw_targets,
)


def _share(part: int, whole: int) -> str:
    return f"{part:>9,}  {100 * part / whole:5.1f}%" if whole else f"{part:>9,}"


def _registers_summary(city_targets: TargetDirectory, args: argparse.Namespace) -> list[str]:
    targets, n = city_targets, len(city_targets)
    out = [
        f"检查对象名录库 target directory: {n:,} targets",
        f"  digest {targets.digest}",
        f"  memory {targets.nbytes / n:.1f} bytes per target, names included",
        "  by entity type (主体类型):",
    ]
    out += [f"    {pad(str(EntityType(c)), 40)}{_share(k, n)}"
            for c, k in targets.counts("entity_type").items()]
    out.append("  by credit-risk class (信用风险分类):")
    out += [f"    {pad(str(RiskClass(c)), 40)}{_share(k, n)}"
            for c, k in targets.counts("risk_class").items()]
    if args.verbose:
        out.append("  by county (区县):")
        out += [f"    {code} {pad(COUNTIES.get(code, ''), 33)}{_share(k, n)}"
                for code, k in targets.counts("region").items()]
    return out


def _sample_summary(sample: Sample) -> list[str]:
    allocation = sample.allocation
    out = [f"  {'class':<28}{'eligible':>10}{'rate':>10}{'drawn':>8}   π"]
    for s in allocation.strata:
        out.append(f"  {pad(str(RiskClass(s.label)), 28)}{s.population:>10,}"
                   f"{float(s.effective_rate):>10.2%}{s.size:>8,}   {s.inclusion_probability}")
    out.append(f"  total {allocation.total:,} of {allocation.population:,} eligible "
               f"(floor {allocation.floor} needs {allocation.floor_count:,})")
    out += [f"  note: {note}" for note in allocation.adjustments]
    return out


def _demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    city = demo_city(n_targets=args.targets, seed=args.data_seed)
    out = [f"random-inspection {__version__} · demo city {CITY_NAME} (synthetic data, "
           f"generated in {time.perf_counter() - started:.1f} s)", ""]
    out += _registers_summary(city.targets, args)
    inspectors, items = city.inspectors, city.check_items
    health = inspectors.health_check(city.as_of)
    out += [
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
    design = StratifiedByRisk.from_preset("henan-2021", unclassified="1/100")
    purpose = "2024/忻州市/demo-task-01"
    started = time.perf_counter()
    sample = draw_targets(city.targets, design, seed=args.seed, purpose=purpose)
    drawn = time.perf_counter() - started
    out += ["", f"抽取检查对象 target draw: preset henan-2021, seed {args.seed}, purpose "
                f"{purpose!r} ({drawn * 1000:.0f} ms)"]
    out += _sample_summary(sample)
    policy = TeamPolicy(check_date=dt.date(2024, 6, 3), mode="by_region",
                        items=city.check_items.require(["SJ05", "SJ07"]))
    started = time.perf_counter()
    assignment = assign_inspectors(sample, city.inspectors, policy)
    out += ["", f"抽取执法检查人员 team draw: mode {policy.mode}, check date "
                f"{policy.check_date}, items SJ05 + SJ07 (1+X), "
                f"{(time.perf_counter() - started) * 1000:.0f} ms"]
    out += _assignment_summary(assignment, sample, city.inspectors)
    with tempfile.TemporaryDirectory() as folder:  # verify from files, as an auditor would
        record_path = Path(folder) / "record.json"
        record_path.write_text(assignment.record.to_json(), encoding="utf-8")
        report = verify(AuditRecord.read(record_path), city.targets,
                        inspectors=city.inspectors, policy=policy)
    out += ["", f"核验 verification of the record (digest {assignment.record.digest}):",
            f"  {len(report.checks)} checks, {len(report.failures)} failed: "
            + ("VERIFIED, targets and teams replay exactly" if report.ok else str(report))]
    year, floor_met = demo_year(city, args.seed, Path(args.out))
    print("\n".join(out + year))
    return 0 if report.ok and floor_met else 1


def _assignment_summary(assignment: Assignment, sample: Sample,
                        inspectors: InspectorDirectory) -> list[str]:
    loads = assignment.loads()
    out = [f"  {len(assignment.teams):,} teams, {len(assignment.unstaffed):,} unstaffed; "
           f"fair share {float(assignment.fair_share):.2f} targets per officer, largest load "
           f"{max(loads.values(), default=0)}, {len(loads)} officers used"]
    out += [f"  recused: {describe_exclusion(ground)}: {count:,}"
            for ground, count in assignment.exclusions.items()]
    out += [f"  unstaffed {u.target_id}: {u.reason}" for u in assignment.unstaffed[:3]]
    for team in assignment.teams[:3]:
        target = sample.directory[team.target_id]
        names = "、".join(inspectors[i].name for i in team.officers)
        experts = "、".join(inspectors[i].name for i in team.experts)
        out.append(f"  {target.name}: {names} (组长 leader {inspectors[team.leader].name})"
                   + (f" + 专家 {experts}" if experts else ""))
    return out


def _policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--inspectors", help="inspector directory CSV")
    parser.add_argument("--item-list", help="check-item list CSV")
    parser.add_argument("--conflicts", help="conflict register CSV")
    parser.add_argument("--previous", help="JSON {target id: [inspector ids of the last check]}")


def _registers(args: argparse.Namespace) -> tuple[CheckItemList, ConflictRegister,
                                                  dict[str, list[str]]]:
    items = CheckItemList.from_csv(args.item_list) if args.item_list else CheckItemList()
    conflicts = ConflictRegister.from_csv(args.conflicts) if args.conflicts \
        else ConflictRegister()
    previous = json.loads(Path(args.previous).read_text(encoding="utf-8")) if args.previous \
        else {}
    return items, conflicts, previous


def _assign(args: argparse.Namespace) -> int:
    directory = TargetDirectory.from_csv(args.directory)
    record = AuditRecord.read(args.record)
    sample = draw_targets(directory, design_from_dict(record.design), seed=record.seed,
                          purpose=record.purpose, hash=record.hash)
    if sample.record.digest != record.draw_digest():
        raise InvalidValueError("assign", "record", args.record,
                                "does not replay against this directory",
                                "run `random-inspection verify` on it first")
    items, conflicts, previous = _registers(args)
    policy = TeamPolicy(
        check_date=dt.date.fromisoformat(args.check_date), mode=DrawMode.parse(args.mode),
        unit=args.unit,
        min_officers=args.min_officers, leader_department=args.leader_department, cap=args.cap,
        conflicts=conflicts, previous_inspectors=previous,
        items=items.require([c for c in (args.item_codes or "").split(",") if c]))
    inspectors = InspectorDirectory.from_csv(args.inspectors)
    assignment = assign_inspectors(sample, inspectors, policy)
    Path(args.out).write_text(assignment.record.to_json(), encoding="utf-8")
    with open(args.teams, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["target", "leader", "officers", "experts", "uncovered", "unstaffed",
                         "group"])
        for team in assignment.teams:
            writer.writerow([team.target_id, team.leader, ";".join(team.officers),
                             ";".join(team.experts), ";".join(team.uncovered), "", team.group])
        for missing in assignment.unstaffed:
            writer.writerow([missing.target_id, "", "", "", "", missing.reason, ""])
    print("\n".join([f"teams for {len(sample.selected_ids):,} targets; record {args.out}, "
                     f"teams {args.teams}", *_assignment_summary(assignment, sample,
                                                                 inspectors)]))
    return 0


def _rates(text: str) -> dict[str, str]:
    rates = {}
    for part in filter(None, text.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            raise InvalidValueError("--rates", "rates", part, "is not CLASS=RATE",
                                    "write e.g. --rates A=1/100,B=3/100,C=6/100,D=15/100")
        rates[key.strip()] = value.strip()
    return rates


def _draw(args: argparse.Namespace) -> int:
    directory = TargetDirectory.from_csv(args.directory)
    scope = Scope(region_prefixes=args.region or (),
                  entity_types=args.entity_type or [EntityType.ENTERPRISE])
    common = {"scope": scope, "floor": args.floor,
              "exclude_checked_since": args.exclude_checked_since}
    if args.preset:
        extra = {"unclassified": args.unclassified} if args.unclassified else {}
        design = StratifiedByRisk.from_preset(args.preset, **common, **extra)
    elif args.rates:
        design = StratifiedByRisk(rates=_rates(args.rates), **common)
    else:
        raise InvalidValueError("draw", "rates", None, "no rates given",
                                "pass --rates A=1/100,... or --preset NAME")
    sample = draw_targets(directory, design, seed=Seed(args.seed), purpose=args.purpose,
                          hash=args.hash)
    Path(args.record).write_text(sample.record.to_json(), encoding="utf-8")
    rank = {i: k for k, i in enumerate(sample.selected_ids, start=1)}
    with open(args.selection, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["draw_order", "id", "name", "risk_class", "inclusion_probability"])
        for target in sorted(sample.selected(), key=lambda t: rank[t.id]):
            writer.writerow([rank[target.id], target.id, target.name, target.risk_class.code,
                             sample.inclusion_probability(target.id)])
    print("\n".join([f"drew {len(sample.selected_ids):,} of {len(directory):,} targets; "
                     f"record {args.record}, selection {args.selection}",
                     *_sample_summary(sample)]))
    return 0


def _verify(args: argparse.Namespace) -> int:
    given = Path(args.record)
    paths = sorted(given.glob("*.json")) if given.is_dir() else [given]
    if not paths:
        raise InvalidValueError("verify", "record", args.record, "is a folder without records",
                                "give a record file or a folder of *.json records")
    directory = TargetDirectory.from_csv(args.directory)
    items, conflicts, previous = _registers(args)
    inspectors = InspectorDirectory.from_csv(args.inspectors) if args.inspectors else None
    codes = []
    for path in paths:
        report = verify_file(path, directory, inspectors=inspectors,
                             items=items if args.item_list else None,
                             conflicts=conflicts if args.conflicts else None,
                             previous_inspectors=previous if args.previous else None)
        codes.append(report.exit_code)
        print(f"{path}: {report}" if len(paths) > 1 else report)
    if len(paths) > 1:
        print(f"{codes.count(0)} of {len(paths)} records verified")
    return 1 if 1 in codes else 2 if 2 in codes else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="random-inspection",
        description="Reproducible, publicly verifiable 双随机、一公开 spot-check draws.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="summarise the demo city, draw and verify")
    demo.add_argument("--targets", type=int, default=200_000, help="number of targets")
    demo.add_argument("--data-seed", type=int, default=2024, help="seed of the synthetic data")
    demo.add_argument("--seed", default="31415926535897932384", help="the draw's public seed")
    demo.add_argument("--verbose", action="store_true", help="also list counties")
    demo.add_argument("--out", default="random-inspection-demo",
                      help="folder for the demo year's plan, records, report and registers")
    demo.set_defaults(run=_demo)
    draw = commands.add_parser("draw", help="draw targets from a directory CSV")
    draw.add_argument("directory", help="target directory CSV (UTF-8 or GB18030)")
    draw.add_argument("--seed", required=True, help="public seed: >= 20 digits or 32 hex")
    draw.add_argument("--purpose", required=True, help="task label, e.g. 2024/city/task-03")
    draw.add_argument("--rates", help="per-class rates, e.g. A=1/100,B=3/100,C=6/100,D=15/100")
    draw.add_argument("--preset", choices=sorted(PRESETS), help="provincial preset rates")
    draw.add_argument("--unclassified", help="rate of the unclassified stratum with --preset")
    draw.add_argument("--floor", default="3/100", help="coverage floor (default 3/100)")
    draw.add_argument("--region", action="append", help="region code prefix (repeatable)")
    draw.add_argument("--entity-type", action="append",
                      help="entity type in scope (repeatable; default enterprise)")
    draw.add_argument("--exclude-checked-since", help="exclude targets checked on/after DATE")
    draw.add_argument("--hash", default="sha256", choices=("sha256", "sm3"))
    draw.add_argument("--record", default="record.json", help="where to write the record")
    draw.add_argument("--selection", default="selection.csv", help="where to write the list")
    draw.set_defaults(run=_draw)
    teams = commands.add_parser("assign", help="draw inspection teams for a recorded draw")
    teams.add_argument("record", help="audit record JSON of the target draw")
    teams.add_argument("directory", help="target directory CSV the draw was made from")
    _policy_options(teams)
    teams.add_argument("--check-date", required=True, help="date of the checks, YYYY-MM-DD")
    teams.add_argument("--mode", default="whole_pool",
                       choices=("whole_pool", "by_region", "cross_office"))
    teams.add_argument("--unit", default="person", choices=("person", "group"),
                       help="draw officers one by one, or pre-formed groups (the inspectors' "
                            "执法小组 column) as a unit")
    teams.add_argument("--min-officers", type=int, default=2)
    teams.add_argument("--leader-department", help="executing department that leads")
    teams.add_argument("--cap", type=int, help="most targets per officer")
    teams.add_argument("--item-codes", help="codes of the task's check items, comma-separated "
                                             "(their specialties come from --item-list)")
    teams.add_argument("--out", default="record-teams.json", help="extended record")
    teams.add_argument("--teams", default="teams.csv", help="where to write the teams")
    teams.set_defaults(run=_assign)
    check = commands.add_parser("verify", help="replay a record against a directory CSV")
    check.add_argument("record", help="audit record JSON, or a folder of them")
    check.add_argument("directory", help="target directory CSV the draw was made from")
    _policy_options(check)
    check.set_defaults(run=_verify)
    add_plan_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; library errors print one clear message and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except RandomInspectionError as error:
        print(f"random-inspection: error: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
