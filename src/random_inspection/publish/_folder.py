"""`read_run_folder`: the year of a folder that ``random-inspection plan`` or ``demo`` wrote,
drawn again from its registers and checked record by record against the folder."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .._errors import FileFormatError, InvalidValueError, RandomInspectionError
from .._progress import Progress
from .._runfolder import MANIFEST, check_run_folder
from ..assignment import ConflictRegister
from ..audit import AuditRecord
from ..planning import PlanRun, read_plan, run_plan
from ..planning._draws import purpose_of
from ..registry import CheckItemList, InspectorDirectory, TargetDirectory
from ..results import InspectionResult, ResultBook

__all__ = ["PublishInput", "read_run_folder"]

PathLike = str | os.PathLike[str]
_WHERE = "publish"


@attrs.frozen(eq=False)
class PublishInput:
    """A year read back from a run folder, ready for `write_site`.

    Attributes:
        year: The year, drawn again from the registers; every record is the folder's.
        results: The year's results when the folder (or ``results=``) holds them, else None.
        directory_file: The directory CSV the records were drawn from (published as is).
    """

    year: PlanRun
    results: ResultBook | None
    directory_file: Path


def _register(folder: Path, given: PathLike | None, name: str, option: str, what: str
              ) -> Path:
    path = Path(given) if given is not None else folder / name
    if not path.is_file():
        raise InvalidValueError(_WHERE, option, str(path), f"is not there: the {what} the "
                                "year was drawn from is needed to publish it",
                                f"give it with {option} FILE (the demo folder holds {name})")
    return path


def _records(folder: Path, listed: tuple[Path, ...], plan_purposes: Mapping[str, str]
             ) -> dict[str, AuditRecord]:
    """Task code → its record, from the run folder's ``records/``."""
    records: dict[str, AuditRecord] = {}
    for path in listed:
        if path.parent != folder / "records":
            continue  # the demo's separate task (record.json) is not a task of the plan
        record = AuditRecord.read(path)
        code = plan_purposes.get(record.purpose)
        if code is None:
            raise InvalidValueError(_WHERE, "records", str(path),
                                    f"has purpose {record.purpose!r}, no task of the plan",
                                    "publish a folder whose records the plan drew")
        records[code] = record
    return records


def _results(path: Path, year: PlanRun) -> ResultBook:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        entries = data["results"] if isinstance(data, dict) else data
        results = [InspectionResult.from_dict(entry) for entry in entries]
    except RandomInspectionError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise FileFormatError(str(path), [(0, "results", f"cannot be read: {error}")],
                              1) from None
    try:
        return ResultBook(year).record(results)
    except RandomInspectionError as error:
        raise InvalidValueError(_WHERE, "--results", str(path),
                                f"are not results of this year's draws ({error})",
                                "give the results entered for this run folder's year"
                                ) from None


def read_run_folder(folder: PathLike, *, directory: PathLike | None = None,
                    inspectors: PathLike | None = None, items: PathLike | None = None,
                    conflicts: PathLike | None = None,
                    previous_inspectors: Mapping[str, Any] | None = None,
                    results: PathLike | None = None,
                    progress: Progress | None = None) -> PublishInput:
    """The year of a run folder (``plan.json`` and ``records/``), drawn again.

    The folder must be as its run wrote it (its manifest checked). The registers are the
    folder's ``directory.csv``, ``inspectors.csv`` and ``items.csv`` (as the demo writes
    them) unless given; the year is drawn again from them with each record's seed, and
    every record must come out as the folder holds it. Results are the folder's
    ``results.json`` (the demo's) or ``results``: ``{"results": [...]}`` as
    ``ResultBook.to_dicts`` writes them.

    Raises `InvalidValueError` naming the folder, file or option at fault and the fix.
    """
    root = Path(folder)
    if not (root / MANIFEST).is_file():
        raise InvalidValueError(_WHERE, "folder", str(root), "is not a run folder (it has no "
                                "manifest.json)", "give the folder that `random-inspection "
                                "plan … --seed … --out` or `demo` wrote")
    run = check_run_folder(root)
    if run.problems:
        raise InvalidValueError(_WHERE, "folder", str(root), "was changed after its run: "
                                + "; ".join(run.problems[:3]),
                                "publish the folder as its run wrote it, or run it again")
    if not (root / "plan.json").is_file():
        raise InvalidValueError(_WHERE, "folder", str(root), "holds no plan.json (not a "
                                "year's run folder)", "give the folder of `plan … --seed` "
                                "or `demo`")
    plan = read_plan(root / "plan.json")
    purposes = {purpose_of(plan, t): t.code for t in plan.all_tasks}
    records = _records(root, run.records, purposes)
    missing = [t.code for t in plan.tasks if t.code not in records]
    if missing:
        raise InvalidValueError(_WHERE, "records", missing, f"have no record in {root}/records",
                                "publish the whole year's run folder")
    directory_file = _register(root, directory, "directory.csv", "--directory",
                               "target directory")
    target_directory = TargetDirectory.from_csv(directory_file, progress=progress)
    first = records[plan.tasks[0].code]
    if target_directory.digest != first.directory_digest:
        raise InvalidValueError(_WHERE, "--directory", str(directory_file),
                                f"has digest {target_directory.digest}, but the records were "
                                f"drawn from {first.directory_digest}",
                                "give the directory file the year was drawn from")
    people = InspectorDirectory.from_csv(_register(root, inspectors, "inspectors.csv",
                                                   "--inspectors", "inspector directory"))
    item_list = CheckItemList.from_csv(_register(root, items, "items.csv", "--item-list",
                                                 "check-item list"))
    register = ConflictRegister.from_csv(conflicts) if conflicts is not None else None
    seeds = {code: r.seed for code, r in records.items()}
    for task in plan.all_tasks:
        seeds.setdefault(task.code, first.seed)  # a top-up task that did not run
    year = run_plan(plan, target_directory, people, item_list, seed=seeds, conflicts=register,
                    previous_inspectors=previous_inspectors, hash=first.hash,
                    progress=progress)
    for task_run in year.runs:
        stored = records.get(task_run.task.code)
        if stored is None or stored.digest != task_run.record.digest:
            raise InvalidValueError(
                _WHERE, "records", task_run.task.code,
                "does not replay from the registers given (digest "
                f"{task_run.record.digest}, the folder's "
                f"{None if stored is None else stored.digest})",
                "give the registers the year was drawn with (--directory, --inspectors, "
                "--item-list, --conflicts, --previous), or check the folder with "
                "`random-inspection verify`")
    results_file = Path(results) if results is not None else root / "results.json"
    book = _results(results_file, year) if results is not None or results_file.is_file() \
        else None
    return PublishInput(year, book, directory_file)
