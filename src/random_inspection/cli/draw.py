"""``random-inspection draw``: draw a task's targets from a directory file."""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path
from typing import Any

from .._errors import InvalidValueError
from .._runfolder import run_folder
from ..registry import EntityType, RiskClass, Scope
from ..sampling import PRESETS, StratifiedByRisk, draw_targets
from ..sampling._rivest import HASHES, hash_function
from . import _options as o
from ._console import Console
from ._inputs import read_directory
from ._outputs import check_output, csv_text
from ._store import check_store, record_into, store_options
from ._summaries import sample_summary

__all__ = ["add", "run"]


def add(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    p = commands.add_parser(
        "draw", parents=[common], help="draw a task's targets from a directory CSV",
        description="Draw a task's targets (stratified by credit-risk class) and write the "
                    "audit record, the selection and a manifest into a new folder.")
    p.add_argument("directory", type=o.existing_file,
                   help="the target directory: a CSV file (UTF-8 or GB18030, English or "
                        "Chinese headers) or a Parquet file (*.parquet)")
    p.add_argument("--seed", required=True, type=o.seed,
                   help="the public seed: at least 20 dice digits or 32 hex characters")
    p.add_argument("--purpose", required=True, type=o.purpose,
                   help="the task's label, e.g. 2024/忻州市/task-03 (no commas)")
    rates = p.add_mutually_exclusive_group(required=True)
    rates.add_argument("--rates", type=o.rates,
                       help="every class's rate, e.g. A=1/100,B=3/100,C=6/100,D=15/100 "
                            "(U=… optional; write 0 for a class to draw none of it)")
    rates.add_argument("--preset", choices=sorted(PRESETS), help="a provincial preset")
    p.add_argument("--unclassified", type=o.rate,
                   help="with --preset: the rate of unclassified targets (U); default 0")
    p.add_argument("--floor", type=o.rate, default=Fraction(3, 100),
                   help="coverage floor: the least share of eligible targets drawn")
    p.add_argument("--region", action="append", type=o.region_prefix,
                   help="a region code prefix in scope (repeatable); default: all regions")
    p.add_argument("--entity-type", action="append", type=o.entity_type,
                   help="an entity type in scope (repeatable); default: enterprise")
    p.add_argument("--exclude-checked-since", type=o.checked_date, metavar="DATE",
                   help="leave out targets last checked on or after this date (YYYY-MM-DD)")
    p.add_argument("--hash", default="sha256", choices=HASHES, help="the spec's hash")
    p.add_argument("--out", required=True, type=Path,
                   help="the folder to write (record.json, selection.csv, manifest.json)")
    store_options(p)
    p.add_argument("--force", action="store_true",
                   help="replace --out if it is an earlier output folder of this command line")
    p.set_defaults(run=run)


def design_of(args: argparse.Namespace) -> StratifiedByRisk:
    """The design the options describe (options were checked when parsed)."""
    if args.unclassified is not None and args.rates is not None:
        raise InvalidValueError("draw", "--unclassified", str(args.unclassified),
                                "goes with --preset only", "write U=… in --rates instead")
    scope = Scope(region_prefixes=args.region or (),
                  entity_types=args.entity_type or [EntityType.ENTERPRISE])
    common = {"scope": scope, "floor": args.floor,
              "exclude_checked_since": args.exclude_checked_since}
    if args.preset:
        extra = {"unclassified": args.unclassified} if args.unclassified is not None else {}
        return StratifiedByRisk.from_preset(args.preset, **common, **extra)
    return StratifiedByRisk(rates=args.rates, **common)


def run(args: argparse.Namespace, console: Console) -> int:
    """Check the options and the output folder, read the directory, draw, write."""
    design = design_of(args)
    hash_function(args.hash)
    check_output(args.out, args.force)
    check_store(args)
    directory = read_directory(args.directory, console.progress)
    console.echo(f"read {args.directory}: {len(directory):,} targets, digest "
                 f"{directory.digest}")
    sample = draw_targets(directory, design, seed=args.seed, purpose=args.purpose,
                          hash=args.hash, progress=console.progress)
    console.echo(f"抽取检查对象 target draw, purpose {args.purpose!r}:")
    console.lines(sample_summary(sample))
    rank = {i: k for k, i in enumerate(sample.selected_ids, start=1)}
    chosen = sorted(sample.selected(), key=lambda t: rank[t.id])
    rows: list[list[object]] = [[rank[t.id], t.id, t.name, RiskClass(t.risk_class).code,
                                 sample.inclusion_probability(t.id)] for t in chosen]
    with run_folder(args.out, command="draw", overwrite=args.force, seed=args.seed.value,
                    purpose=args.purpose, directory_digest=directory.digest) as out:
        (out.path / "record.json").write_text(sample.record.to_json(), encoding="utf-8")
        out.records.append("record.json")
        (out.path / "selection.csv").write_text(
            csv_text(["draw_order", "id", "name", "risk_class", "inclusion_probability"],
                     rows), encoding="utf-8-sig")
        console.lines(record_into(args, registers=[directory], records=[sample.record]))
    console.echo(f"wrote {args.out}/: record.json, selection.csv, manifest.json")
    return 0
