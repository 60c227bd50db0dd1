"""`verify_folder`: every record of a run folder (or of a plain folder), with one verdict."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._errors import FileFormatError, RandomInspectionError
from .._progress import Progress
from .._runfolder import check_run_folder, find_run_folder
from ..assignment import ConflictRegister
from ..registry import CheckItemList, InspectorDirectory, TargetDirectory
from ..sampling import AuditRecord
from ._journal import Entry
from ._verify import Check, VerificationReport, verify_file
from ._year import year_problems

__all__ = ["FolderReport", "verify_folder"]


@attrs.frozen
class FolderReport:
    """The verification of a folder of records.

    Attributes:
        folder: The folder checked.
        manifest: The run manifest's findings: ``None`` for a folder without one, else the
            problems found (files missing, changed or not written by the run); empty when the
            folder is as the run wrote it.
        reports: Each record file and its report, in file-name order.
        year: The checks across the year's records (spec §12.13): ``None`` when no record
            has joined visits or earlier visits, else the problems found (empty: agree).
    """

    folder: Path
    manifest: tuple[str, ...] | None
    reports: tuple[tuple[Path, VerificationReport], ...]
    year: tuple[str, ...] | None = None

    @property
    def exit_code(self) -> int:
        """1 if the folder or any record does not verify, else 2 if any cannot be checked
        (or there is no record), else 0 (spec §10.3, §15)."""
        codes = [r.exit_code for _, r in self.reports]
        if self.manifest or self.year or 1 in codes:
            return 1
        return 2 if 2 in codes or not codes else 0

    @property
    def ok(self) -> bool:
        """Whether the folder and every record verify."""
        return self.exit_code == 0

    def __str__(self) -> str:
        lines = []
        if self.manifest is not None:
            lines += [f"FAIL manifest: {p}" for p in self.manifest] or [
                "ok   manifest: every file is as the run wrote it, and no other is there"]
        for path, report in self.reports:
            lines += [f"{path}: {line}" for line in str(report).splitlines()]
        if self.year is not None:
            lines += [f"FAIL year: {p}" for p in self.year] or [
                "ok   year: joined visits and earlier visits agree across the records "
                "(spec §12.13)"]
        verified = sum(r.ok for _, r in self.reports)
        lines.append(f"{verified} of {len(self.reports)} records verified"
                     + ("; the folder was changed after the run" if self.manifest else "")
                     + ("; the records disagree on the year's visits" if self.year else ""))
        return "\n".join(lines)


def verify_folder(path: str | os.PathLike[str], directory: TargetDirectory, *,
                  inspectors: InspectorDirectory | None = None,
                  items: CheckItemList | None = None, conflicts: ConflictRegister | None = None,
                  previous_inspectors: Mapping[str, Any] | None = None,
                  journal: Sequence[Entry] | None = None, journal_head: str | None = None,
                  progress: Progress | None = None) -> FolderReport:
    """Verify a folder: a run folder's records as its manifest lists them, after checking the
    folder against the manifest (spec §15); a folder without one, each of its ``*.json``
    files. ``path`` may also be a folder inside a run folder (its ``records``)."""
    given = Path(path)
    run = find_run_folder(given)

    def one(record: Path) -> tuple[Path, VerificationReport]:
        return record, verify_file(record, directory, inspectors=inspectors, items=items,
                                   conflicts=conflicts, previous_inspectors=previous_inspectors,
                                   journal=journal, journal_head=journal_head,
                                   progress=progress)
    if run is None:
        paths = sorted(given.glob("*.json"))
        return FolderReport(given, None, tuple(one(p) for p in paths), _year(paths))
    try:
        found = check_run_folder(run)
    except FileFormatError as error:
        unreadable = VerificationReport((Check("manifest", False, str(error)),))
        return FolderReport(run, (str(error),), ((run / "manifest.json", unreadable),))
    paths = sorted(found.records)
    return FolderReport(run, found.problems, tuple(one(p) for p in paths), _year(paths))


def _year(paths: Sequence[Path]) -> tuple[str, ...] | None:
    """The checks across the records that can be read (the others fail on their own)."""
    records = []
    for path in paths:
        try:
            records.append(AuditRecord.from_json(path.read_bytes(), source=str(path)))
        except (RandomInspectionError, OSError):
            continue
    problems = year_problems(records)
    return None if problems is None else tuple(problems)
