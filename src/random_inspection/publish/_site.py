"""`write_site`: the year's public notice site, written as one folder, whole or not at all."""

from __future__ import annotations

import csv
import io
import os
import shutil
from importlib import resources
from pathlib import Path

from .._canonical import canonical_json
from .._errors import InvalidTypeError, InvalidValueError, require_types
from .._progress import Progress, Reporter
from .._runfolder import run_folder
from .._version import __version__
from ..planning import PlanRun, write_plan
from ..registry import TargetDirectory
from ..registry import _fields as f
from ..results import ResultBook
from ..results._publicity import NOTICE_HEADER, csv_cell
from ..sampling import SPEC_VERSION
from ._context import INSPECTOR_POLICIES, SiteContext
from ._pages import index_page, plan_page, results_page, results_rows
from ._task_page import task_page

__all__ = ["SITE_FORMAT", "STATIC_FILES", "write_site"]

SITE_FORMAT = "random-inspection/public-site"
#: The site's own files, shipped in ``random_inspection/publish/static``.
STATIC_FILES = ("site.css", "draw-spec.js", "verify.js")
_WHERE = "write_site"


def _checked(year: PlanRun, results: ResultBook | None, inspectors: str, organ: str | None
             ) -> str | None:
    require_types(_WHERE, {"year": (year, PlanRun, "run the year first: run_plan(...)")})
    if not year.runs:
        raise InvalidValueError(_WHERE, "year", year.plan.name, "has no draw to publish",
                                "run the year with its registers and seed first")
    if results is not None:
        if not isinstance(results, ResultBook):
            raise InvalidTypeError(_WHERE, "results", results, "a ResultBook",
                                   "give the year's ResultBook, or leave results out")
        if results.year.plan.digest != year.plan.digest:
            raise InvalidValueError(_WHERE, "results", results.year.plan.digest,
                                    f"are the results of another plan version (this year's "
                                    f"plan is {year.plan.digest})",
                                    "give the results entered for this year's draws")
    if inspectors not in INSPECTOR_POLICIES:
        raise InvalidValueError(_WHERE, "inspectors", inspectors,
                                "is not a publication policy for inspectors",
                                "use one of: " + ", ".join(INSPECTOR_POLICIES))
    return None if organ is None else f.text(organ, _WHERE, "organ")


def _check_directory_file(path: Path, year: PlanRun) -> None:
    """The published directory file must be the one the records were drawn from."""
    expected = year.runs[0].record.directory_digest
    if not path.is_file():
        raise InvalidValueError(_WHERE, "directory_file", str(path), "is not a file",
                                "give the directory CSV the year was drawn from")
    found = TargetDirectory.from_csv(path).digest
    if found != expected:
        raise InvalidValueError(_WHERE, "directory_file", str(path),
                                f"has digest {found}, not the records' {expected}",
                                "give the directory CSV the year was drawn from")


def _results_csv(rows: list[list[object]]) -> str:
    """The published results as the public CSV notice has them (formula-safe cells)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(NOTICE_HEADER)
    for row in rows:  # the page's columns: id, name, tasks, item, result, date, organ, day
        cells = [row[0], row[1], row[3], row[4], row[5], row[6], row[7]]
        writer.writerow([csv_cell(c, formula_safe=True) for c in cells])
    return buffer.getvalue()


def _index(context: SiteContext) -> dict[str, object]:
    """The machine-readable index (``index.json``)."""
    year = context.year
    plan = year.plan
    tasks = []
    for run in year.runs:
        published = context.published_record(run)
        tasks.append({
            "code": run.task.code, "name": run.task.name, "purpose": run.record.purpose,
            "period": [run.task.start.isoformat(), run.task.end.isoformat()],
            "page": context.page_path(run.task.code),
            "record": context.record_path(run.task.code), "record_digest": published.digest,
            "teams_published": published.teams is not None,
            "full_record_digest": run.record.digest, "hash": run.record.hash,
            "selected": len(run.record.selected_ids)})
    published_results = context.published_results
    return {
        "format": SITE_FORMAT, "version": 1, "library_version": __version__,
        "spec_version": SPEC_VERSION, "inspector_policy": context.policy,
        "plan": {"name": plan.name, "year": plan.year, "region": plan.region,
                 "level": plan.level.code, "version": plan.version, "digest": plan.digest,
                 "file": "plan.json", "page": "plan.html"},
        "directory": {"file": "directory.csv", "digest": context.directory.digest,
                      "size": len(context.directory)},
        "tasks": tasks,
        "results": ({"page": "results.html", "file": "results.csv",
                     "published": published_results} if published_results else None),
    }


def write_site(year: PlanRun, path: str | os.PathLike[str], *,
               results: ResultBook | None = None, inspectors: str = "department",
               organ: str | None = None,
               directory_file: str | os.PathLike[str] | None = None,
               overwrite: bool = False, progress: Progress | None = None) -> Path:
    """Write the year's public notice site (一公开) into a new folder.

    The folder holds static pages any web server or a USB stick can carry — the year's index,
    the plan notice (计划公告), a notice per task (任务公告) and, once results are published,
    the results notice (结果公告) — and the data files they describe, as canonical files:
    each task's audit record byte for byte (``records/``), the target directory
    (``directory.csv``), the plan (``plan.json``), the published results (``results.csv``)
    and a machine-readable ``index.json``. Each task notice can re-run its draw in the
    visitor's browser (``static/draw-spec.js``). Like every output of the library, the folder
    is a run folder (spec §15): it appears whole or not at all, with a ``manifest.json`` of
    every file's digest.

    Parameters
    ----------
    year
        The year's draws (`run_plan`).
    path
        The folder to write.
    results
        The year's results; the published ones appear on the results notice.
    inspectors
        What is published about the inspectors of each drawn target: ``"department"`` (the
        inspecting department only, the default), ``"names"`` (the team members' names, and
        the records with their teams) or ``"none"`` (nothing). Except with ``"names"``, each
        record is published as the target draw alone — the record as it was before teams
        were drawn, with its own digest — so that no inspector id appears.
    organ
        The inspecting authority the results notice names (default: each visit's leading
        task's executing department).
    directory_file
        The directory CSV as it was published before the draws, copied byte for byte
        (its digest must be the records'); by default the directory is written as CSV.
    overwrite
        Replace an existing site folder written by this library (default: `OutputExistsError`).
    progress
        Optional callback ``progress(stage, done, total)``, one unit per page.

    Example:
        >>> import tempfile, pathlib
        >>> from random_inspection.demo import demo_city, demo_plan
        >>> from random_inspection.planning import run_plan
        >>> city = demo_city(n_targets=3_000, n_officers=60)
        >>> year = run_plan(demo_plan(), city.targets, city.inspectors, city.check_items,
        ...                 seed="31415926535897932384")
        >>> site = write_site(year, pathlib.Path(tempfile.mkdtemp()) / "site")
        >>> (site / "index.html").is_file(), (site / "static" / "draw-spec.js").is_file()
        (True, True)
    """
    organ = _checked(year, results, inspectors, organ)
    source = None if directory_file is None else Path(directory_file)
    if source is not None:
        _check_directory_file(source, year)
    context = SiteContext.of(year, results, inspectors, organ)
    report = Reporter(progress)
    with run_folder(path, command="publish", overwrite=overwrite, plan_digest=year.plan.digest,
                    inspector_policy=inspectors) as out:
        root = out.path
        static = root / "static"
        static.mkdir()
        shipped = resources.files(__package__).joinpath("static")
        for name in STATIC_FILES:
            (static / name).write_bytes(shipped.joinpath(name).read_bytes())
        if source is not None:
            shutil.copyfile(source, root / "directory.csv")
        else:
            context.directory.to_csv(root / "directory.csv", progress=progress)
        write_plan(year.plan, root / "plan.json")
        (root / "records").mkdir()
        (root / "tasks").mkdir()
        report.start("writing the notices", len(year.runs) + 3)
        for done, run in enumerate(year.runs, start=1):
            record_path = context.record_path(run.task.code)
            (root / record_path).write_bytes(context.published_record(run).to_json().encode())
            out.records.append(record_path)
            (root / context.page_path(run.task.code)).write_text(task_page(run, context),
                                                               encoding="utf-8")
            report.advance(done)
        (root / "plan.html").write_text(plan_page(context), encoding="utf-8")
        if context.published_results:
            rows = results_rows(context)
            (root / "results.html").write_text(results_page(context, rows), encoding="utf-8")
            (root / "results.csv").write_text(_results_csv(rows), encoding="utf-8-sig",
                                              newline="")
        (root / "index.html").write_text(index_page(context), encoding="utf-8")
        (root / "index.json").write_text(canonical_json(_index(context)), encoding="utf-8")
        report.finish()
    return Path(path)
