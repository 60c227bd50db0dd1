"""``random-inspection publish``: the year's public notice site, from a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .._errors import InvalidValueError
from . import _options as o
from ._console import Console
from ._outputs import check_output
from .assign import read_previous, register_options

__all__ = ["add", "run"]

#: As `random_inspection.publish.INSPECTOR_POLICIES` (not imported here: the command line
#: loads the publishing package only when the command runs).
POLICIES = {"department": "the inspecting department only", "names": "the inspectors' names "
            "and the records with their teams", "none": "nothing about the inspectors"}


def _policy(text: str) -> str:
    value = text.strip().casefold()
    if value not in POLICIES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a publication policy for inspectors: use "
            + ", ".join(f"{k} ({v})" for k, v in POLICIES.items()))
    return value


def add(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    p = commands.add_parser(
        "publish", parents=[common],
        help="the year's public notice site (一公开): every draw, verifiable in a browser",
        description="Write the year's public notice site from a run folder of `plan --seed` "
                    "or `demo`: the index, the plan notice (计划公告), a notice per task "
                    "(任务公告) with an in-browser verifier of its draw, the results notice "
                    "(结果公告) once results are published, and the canonical data files. The "
                    "year is drawn again from the registers and must match every record.")
    p.add_argument("folder", type=o.existing_path,
                   help="the run folder (plan.json, records/) that `plan … --seed` or `demo` "
                        "wrote")
    p.add_argument("--directory", type=o.existing_file,
                   help="the target directory CSV the year was drawn from (default: the "
                        "folder's directory.csv); published byte for byte")
    register_options(p, inspectors_required=False)
    p.add_argument("--results", type=o.existing_file,
                   help="the year's results JSON ({\"results\": [...]}; default: the "
                        "folder's results.json, when there)")
    p.add_argument("--inspector-policy", type=_policy, default="department",
                   metavar="{department,names,none}",
                   help="what the site says about each target's inspectors: department, "
                        "names, or none")
    p.add_argument("--organ", help="检查实施机关, the inspecting authority named on the "
                                   "results notice (default: each task's executing "
                                   "department)")
    p.add_argument("--out", type=Path, default=Path("site"),
                   help="the site folder to write")
    p.add_argument("--force", action="store_true",
                   help="replace --out if it is an earlier output folder of this command line")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Check the output first, read and replay the year, then write the site."""
    from ..publish import read_run_folder, write_site  # noqa: PLC0415  (loaded on use)

    out, folder = args.out.resolve(), args.folder.resolve()
    if out == folder or folder in out.parents:
        raise InvalidValueError("publish", "--out", str(args.out),
                                "is the run folder itself" if out == folder else
                                "is inside the run folder (its manifest would no longer "
                                "match)", "write the site into a new folder beside it, e.g. "
                                "--out site")
    check_output(args.out, args.force)
    given = read_run_folder(args.folder, directory=args.directory, inspectors=args.inspectors,
                            items=args.item_list, conflicts=args.conflicts,
                            previous_inspectors=read_previous(args.previous),
                            results=args.results, progress=console.progress)
    year = given.year
    write_site(year, args.out, results=given.results, inspectors=args.inspector_policy,
               organ=args.organ, directory_file=given.directory_file, overwrite=args.force,
               progress=console.progress)
    published = 0 if given.results is None else sum(
        r.published_on is not None for r in given.results)
    console.lines([
        f"{year.plan.name} (version {year.plan.version}): {len(year.runs)} tasks, every record "
        "replays from the registers",
        f"wrote {args.out}/: index.html, plan.html, {len(year.runs)} task notices in tasks/"
        + (f", results.html ({published} published results)" if published else "")
        + ", records/, directory.csv, index.json, manifest.json",
        f"inspectors published: {args.inspector_policy} ({POLICIES[args.inspector_policy]})",
        f"see it: python -m http.server --directory {args.out} (then open "
        "http://localhost:8000/), or open index.html from the folder",
    ])
    return 0
