"""``random-inspection results``, ``followup`` and ``report``: the year's results (一公开), their
review and publication, the follow-up ledger, and the indicators as of a day. They work on a
workspace that holds the year (`plan … --seed … --workspace`)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from .._errors import InvalidValueError
from . import _options as o
from ._console import Console
from ._store import login, open_store

__all__ = ["add"]


def _where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", required=True, metavar="DIR_OR_URL",
                        help="the workspace holding the year (plan … --seed … --workspace)")
    parser.add_argument("--plan-digest", type=o.digest, metavar="sha256:HEX",
                        help="the plan version (default: the newest with stored records)")
    parser.add_argument("--previous", type=o.existing_file,
                        help="the previous inspectors file, if the year was drawn with one")
    parser.add_argument("--actor", default=None,
                        help="who is recorded in the journal (default: your login name)")


def _visit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", required=True, help="the target (USCC)")
    parser.add_argument("--task", help="a task of the visit, when the target has several")


def add(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``results``, ``followup`` and ``report``."""
    _add_results(commands, common)
    _add_followup(commands, common)
    report = commands.add_parser("report", parents=[common],
                                 help="the year's report and indicators as of a day")
    _where(report)
    report.add_argument("--as-of", type=o.checked_date, metavar="DATE",
                        help="the day (default: today)")
    report.add_argument("--notice", action="append", metavar="FILE",
                        help="a holiday notice file for a year the calendar does not know "
                             "(repeatable)")
    report.set_defaults(run=_report)


def _add_results(commands: Any, common: argparse.ArgumentParser) -> None:
    results = commands.add_parser("results", parents=[common],
                                  help="the year's results: import, review, publish, status")
    acts = results.add_subparsers(dest="action", required=True, metavar="ACTION",
                                  help="import, review, publish, notice or status")
    imported = acts.add_parser("import", parents=[common],
                               help="results from a county's spreadsheet (.xlsx or .csv)")
    imported.add_argument("file", type=o.existing_file, help="the filled-in spreadsheet")
    imported.add_argument("--sheet", help="the sheet (default: the first)")
    _where(imported)
    imported.set_defaults(run=_import)
    review = acts.add_parser("review", parents=[common],
                             help="submit, approve or return a result")
    _where(review)
    _visit(review)
    step = review.add_mutually_exclusive_group(required=True)
    step.add_argument("--submit", action="store_true", help="submit for review (提交审核)")
    step.add_argument("--approve", action="store_true", help="approve (审核通过)")
    step.add_argument("--return", dest="return_reason", metavar="REASON",
                      help="return to the clerk, saying why (退回)")
    review.add_argument("--by", required=True, help="who takes the step")
    review.set_defaults(run=_review)
    publish = acts.add_parser("publish", parents=[common],
                              help="record publication of approved results (公示)")
    _where(publish)
    publish.add_argument("--target", help="one target (default: every approved result)")
    publish.add_argument("--task", help="a task of the visit, when the target has several")
    publish.add_argument("--on", required=True, type=o.checked_date, metavar="DATE",
                         help="the day they were published")
    publish.add_argument("--by", required=True, help="who published them")
    publish.set_defaults(run=_publish)
    notice = acts.add_parser("notice", parents=[common],
                             help="write the public notice file of the published results")
    _where(notice)
    notice.add_argument("--out", required=True, type=Path, help="the .xlsx or .csv to write")
    notice.add_argument("--organ", required=True, help="检查实施机关, the inspecting authority")
    notice.add_argument("--force", action="store_true", help="replace an existing file")
    notice.set_defaults(run=_notice)
    status = acts.add_parser("status", parents=[common],
                             help="results by state, and what is due or overdue")
    _where(status)
    status.add_argument("--as-of", type=o.checked_date, metavar="DATE",
                        help="the day (default: today)")
    status.set_defaults(run=_status)


def _add_followup(commands: Any, common: argparse.ArgumentParser) -> None:
    followup = commands.add_parser("followup", parents=[common],
                                   help="the follow-up ledger (工作台账): add, feedback, close, "
                                        "report")
    steps = followup.add_subparsers(dest="action", required=True, metavar="ACTION",
                                    help="add, feedback, close or report")
    opened = steps.add_parser("add", parents=[common], help="open a follow-up for a problem")
    _where(opened)
    _visit(opened)
    opened.add_argument("--item", required=True, help="the item the problem was found on")
    opened.add_argument("--measure", required=True,
                        help="责令整改 order_correction, 立案调查 investigation, 移送 referral")
    opened.add_argument("--referral-to",
                        help="with referral: own_enforcement, other_department, judicial, "
                             "discipline")
    opened.add_argument("--recipient", default="", help="who it is handed to")
    opened.add_argument("--department", default="", help="the department following it")
    opened.add_argument("--opened", required=True, type=o.checked_date, metavar="DATE",
                        help="the day it was opened")
    opened.set_defaults(run=_followup_add)
    for name, helptext, run in (("feedback", "the recipient's feedback", _followup_feedback),
                                ("close", "close a follow-up", _followup_close)):
        p = steps.add_parser(name, parents=[common], help=helptext)
        _where(p)
        p.add_argument("--id", required=True, help="the follow-up's number")
        p.add_argument("--on", required=True, type=o.checked_date, metavar="DATE",
                       help="the day")
        p.add_argument("--text", required=True,
                       help="the feedback" if name == "feedback" else "how it was closed")
        p.set_defaults(run=run)
    ageing = steps.add_parser("report", parents=[common], help="open follow-ups by age")
    _where(ageing)
    ageing.add_argument("--as-of", type=o.checked_date, metavar="DATE",
                        help="the day (default: today)")
    ageing.set_defaults(run=_followup_report)


# --- helpers ----------------------------------------------------------------------------------

class _Year:
    """The workspace, the year, its results and ledger, opened together."""

    def __init__(self, args: argparse.Namespace) -> None:
        from .. import store  # noqa: PLC0415
        from .assign import read_previous  # noqa: PLC0415

        self.store = store
        self.ws = open_store(args.workspace)
        try:
            self.year = store.load_year(self.ws, args.plan_digest,
                                        previous_inspectors=read_previous(args.previous))
            self.book = store.load_results(self.ws, self.year)
            self.ledger = store.load_ledger(self.ws, self.year.plan.digest)
        except BaseException:
            self.ws.close()
            raise
        self.actor = args.actor or login()

    def __enter__(self) -> _Year:
        return self

    def __exit__(self, *_: object) -> None:
        self.ws.close()

    def result(self, target: str, task: str | None) -> Any:
        found = self.book.result_of(target, task)
        if found is None:
            raise InvalidValueError("results", "--target", target,
                                    "has no result" + (f" for task {task}" if task else ""),
                                    "import the results first: results import FILE")
        return found

    def save(self) -> tuple[int, int]:
        return (self.store.save_results(self.ws, self.book, actor=self.actor),
                self.store.save_ledger(self.ws, self.ledger, self.year.plan.digest,
                                       actor=self.actor))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _calendar(notices: list[str] | None = None) -> Any:
    from ..results import HolidayNotice, OfficialCalendar  # noqa: PLC0415

    calendar = OfficialCalendar.default()
    for path in notices or ():
        calendar = calendar.with_notice(HolidayNotice.from_file(path))
    return calendar


# --- results --------------------------------------------------------------------------------

def _import(args: argparse.Namespace, console: Console) -> int:
    from ..results import read_results  # noqa: PLC0415

    with _Year(args) as y:
        before = len(y.book)
        y.book = read_results(args.file, y.book, at=_now(), sheet=args.sheet)
        saved, _ = y.save()
    console.echo(f"imported {len(y.book) - before} result(s) from {args.file}; "
                 f"{saved} journaled in {y.ws.location}")
    return 0


def _review(args: argparse.Namespace, console: Console) -> int:
    with _Year(args) as y:
        result = y.result(args.target, args.task)
        if args.submit:
            moved = result.submit(by=args.by, at=_now())
        elif args.approve:
            moved = result.approve(by=args.by, at=_now())
        else:
            moved = result.return_(by=args.by, at=_now(), reason=args.return_reason)
        y.book = y.book.update(moved)
        y.save()
    console.echo(f"{moved.target_id} ({'+'.join(moved.tasks)}): {moved.state.code} "
                 f"({moved.state.label_zh}) by {args.by}")
    return 0


def _publish(args: argparse.Namespace, console: Console) -> int:
    from ..results import ReviewState  # noqa: PLC0415

    with _Year(args) as y:
        chosen = [y.result(args.target, args.task)] if args.target else \
            [r for r in y.book if r.state is ReviewState.APPROVED]
        if not chosen:
            raise InvalidValueError("results publish", "results", 0, "none is approved",
                                    "approve results first: results review --approve")
        for result in chosen:
            y.book = y.book.update(result.publish(by=args.by, at=_now(), on=args.on))
        y.save()
    console.echo(f"published {len(chosen)} result(s) on {args.on}")
    return 0


def _notice(args: argparse.Namespace, console: Console) -> int:
    from ..results import write_notice  # noqa: PLC0415

    with _Year(args) as y:
        directory = y.year.runs[0].sample.directory if y.year.runs else None
        write_notice(y.book, args.out, organ=args.organ, directory=directory,
                     overwrite=args.force)
    console.echo(f"wrote {args.out}")
    return 0


def _status(args: argparse.Namespace, console: Console) -> int:
    from collections import Counter  # noqa: PLC0415

    from ..results import ReviewState, deadlines_of  # noqa: PLC0415

    day = args.as_of or dt.date.today()
    calendar = _calendar()
    with _Year(args) as y:
        states = Counter(r.state for r in y.book)
        overdue = [r for r in y.book if r.published_on is None
                   and deadlines_of(r, y.year.plan, calendar, day).publish_by < day]
        visits = sum(1 for v in y.year.visits if v.team is not None)
    console.lines([f"{y.year.plan.name} (version {y.year.plan.version}): {len(y.book)} of "
                   f"{visits} staffed visits have a result, as of {day}",
                   *(f"  {s.label_zh} {s.label_en}: {states[s]}" for s in ReviewState),
                   f"  overdue for publication (20 working days): {len(overdue)}",
                   *(f"    {r.target_id} checked {r.check_date}" for r in overdue[:10])])
    return 0


# --- follow-ups -----------------------------------------------------------------------------

def _followup_add(args: argparse.Namespace, console: Console) -> int:
    with _Year(args) as y:
        result = y.result(args.target, args.task)
        y.ledger = y.ledger.open(result, args.item, measure=args.measure,
                                 referral_to=args.referral_to, recipient=args.recipient,
                                 department=args.department, opened=args.opened)
        number = next(reversed(list(y.ledger.items)))
        y.save()
    console.echo(f"follow-up {number} opened: {args.measure} for {args.target} item "
                 f"{args.item}")
    return 0


def _followup_feedback(args: argparse.Namespace, console: Console) -> int:
    with _Year(args) as y:
        y.ledger = y.ledger.feedback(args.id, on=args.on, text=args.text)
        y.save()
    console.echo(f"follow-up {args.id}: feedback of {args.on} recorded")
    return 0


def _followup_close(args: argparse.Namespace, console: Console) -> int:
    with _Year(args) as y:
        y.ledger = y.ledger.close(args.id, on=args.on, closure=args.text)
        y.save()
    console.echo(f"follow-up {args.id} closed on {args.on}")
    return 0


def _followup_report(args: argparse.Namespace, console: Console) -> int:
    with _Year(args) as y:
        directory = y.year.runs[0].sample.directory if y.year.runs else None
        console.echo(str(y.ledger.ageing(args.as_of or dt.date.today(), directory)))
    return 0


# --- the report -----------------------------------------------------------------------------

def _report(args: argparse.Namespace, console: Console) -> int:
    from ..results import indicators  # noqa: PLC0415

    day = args.as_of or dt.date.today()
    calendar = _calendar(args.notice)
    with _Year(args) as y:
        console.echo(str(y.year.report))
        console.echo("")
        console.echo(str(indicators(y.book, calendar, as_of=day, ledger=y.ledger)))
    return 0
