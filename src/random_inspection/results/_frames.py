"""The year's results and the follow-up ledger as pandas DataFrames (extra ``pandas``)."""

from __future__ import annotations

from typing import Any

from .._errors import InvalidTypeError
from ._book import ResultBook
from ._codes import FollowUpMeasure, ReviewState
from ._followup import FollowUpLedger
from ._publicity import in_visit_order, sorted_codes

__all__ = ["ledger_frame", "results_frame"]


def _pandas(what: str) -> Any:
    try:
        import pandas as pd  # noqa: PLC0415  (optional dependency)
    except ImportError as error:  # pragma: no cover
        raise ImportError(f"{what} needs pandas: pip install 'random-inspection[pandas]'"
                          ) from error
    return pd


def results_frame(book: ResultBook) -> Any:
    """One row per result and item, in visit order (extra ``pandas``).

    Columns: ``target_id``, ``tasks`` (``+``-joined, the leading task first), ``item``,
    ``codes`` (``+``-joined in the platform's order), ``problem``, ``method``,
    ``check_date``, ``officers`` (``;``-joined), ``leader``, ``experts``, ``item_remarks``,
    ``remarks``, ``state`` (categorical), ``entered_by``, ``entered_at`` (UTC),
    ``published_on`` and ``abnormal_listed_on`` (``NaT`` when none); dates as datetime64.

    Example:
        >>> from random_inspection.demo import demo_city, demo_plan, demo_results
        >>> from random_inspection.planning import run_plan
        >>> city = demo_city(n_targets=3000, n_officers=60)
        >>> year = run_plan(demo_plan(), city.targets, city.inspectors, city.check_items,
        ...                 seed="31415926535897932384")
        >>> frame = results_frame(demo_results(year)[0])
        >>> frame.groupby("state", observed=True).size().to_dict()
        {'published': 62}
    """
    pd = _pandas("results_frame")
    if not isinstance(book, ResultBook):
        raise InvalidTypeError("results_frame", "book", book, "a ResultBook",
                               "give the year's results")
    rows = []
    for result in in_visit_order(book):
        for outcome in result.outcomes:
            rows.append({
                "target_id": result.target_id, "tasks": "+".join(result.tasks),
                "item": outcome.item,
                "codes": "+".join(c.code for c in sorted_codes(outcome.codes)),
                "problem": outcome.problem, "method": result.method.code,
                "check_date": result.check_date, "officers": ";".join(result.officers),
                "leader": result.leader, "experts": ";".join(result.experts),
                "item_remarks": outcome.remarks, "remarks": result.remarks,
                "state": result.state.code, "entered_by": result.entered_by,
                "entered_at": result.entered_at, "published_on": result.published_on,
                "abnormal_listed_on": result.abnormal_listed_on})
    columns = ["target_id", "tasks", "item", "codes", "problem", "method", "check_date",
               "officers", "leader", "experts", "item_remarks", "remarks", "state",
               "entered_by", "entered_at", "published_on", "abnormal_listed_on"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["problem"] = frame["problem"].astype(bool)
    frame["state"] = pd.Categorical(frame["state"], categories=[s.code for s in ReviewState])
    for column in ("check_date", "published_on", "abnormal_listed_on"):
        frame[column] = pd.to_datetime(frame[column])
    frame["entered_at"] = pd.to_datetime(frame["entered_at"], utc=True)
    return frame


def ledger_frame(ledger: FollowUpLedger) -> Any:
    """One row per follow-up, by id (extra ``pandas``).

    Columns: ``id``, ``target_id``, ``tasks`` (``+``-joined), ``item``, ``measure``
    (categorical), ``referral_to``, ``recipient``, ``department``, ``opened``, ``closed``
    (``NaT`` while open), ``is_open``, ``closure``, ``feedback`` (how many notes) and
    ``last_feedback`` (the latest note's text).
    """
    pd = _pandas("ledger_frame")
    if not isinstance(ledger, FollowUpLedger):
        raise InvalidTypeError("ledger_frame", "ledger", ledger, "a FollowUpLedger",
                               "give the follow-up ledger")
    rows = [{"id": e.id, "target_id": e.target_id, "tasks": "+".join(e.tasks), "item": e.item,
             "measure": e.measure.code,
             "referral_to": None if e.referral_to is None else e.referral_to.code,
             "recipient": e.recipient, "department": e.department, "opened": e.opened,
             "closed": e.closed, "is_open": e.is_open, "closure": e.closure,
             "feedback": len(e.feedback),
             "last_feedback": e.feedback[-1][1] if e.feedback else ""}
            for e in sorted(ledger, key=lambda e: e.id)]
    columns = ["id", "target_id", "tasks", "item", "measure", "referral_to", "recipient",
               "department", "opened", "closed", "is_open", "closure", "feedback",
               "last_feedback"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["measure"] = pd.Categorical(frame["measure"],
                                      categories=[m.code for m in FollowUpMeasure])
    for column in ("opened", "closed"):
        frame[column] = pd.to_datetime(frame[column])
    frame["is_open"] = frame["is_open"].astype(bool)
    frame["feedback"] = frame["feedback"].astype("int64")
    return frame
