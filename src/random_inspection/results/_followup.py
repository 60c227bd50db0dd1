"""The follow-up ledger (工作台账): every problem found, followed to its end — the measure
(责令整改, 立案调查, 移送), for a referral who it goes to (the bureau's own enforcement unit,
another department, judicial organs, discipline inspection), the recipient's feedback, and
the closure with its date — and the ageing of what is still open.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from .._errors import InvalidTypeError, InvalidValueError, UnknownIdError
from ..registry import TargetDirectory
from ..registry import _fields as f
from ._codes import FollowUpMeasure, ReferralTarget
from ._model import InspectionResult

__all__ = ["AgeingReport", "FollowUp", "FollowUpLedger"]

_RECORD = "FollowUp"
#: Age bands of open items, in days since opened.
AGE_BANDS = ((0, 30, "≤ 30 days"), (31, 90, "31–90 days"), (91, 180, "91–180 days"),
             (181, None, "> 180 days"))


def _day(value: object, field: str) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise InvalidValueError(_RECORD, field, value, "is not a date",
                            "give a datetime.date or YYYY-MM-DD text")


@attrs.frozen(kw_only=True)
class FollowUp:
    """One problem found, and what is done about it.

    Attributes:
        id: The ledger's number for it (e.g. ``"2024-0017"``).
        target_id, tasks, item: Where the problem was found (the result's visit and item).
        measure: `FollowUpMeasure`.
        referral_to: For a referral, `ReferralTarget`; ``None`` otherwise.
        recipient: Who it was handed to (a department, a court, the enforcement unit).
        department: The bureau's department responsible for following it.
        opened: When the follow-up was opened.
        feedback: ``(date, text)`` notes from the recipient, in order.
        closed: When it was closed (``None`` while open); ``closure`` says how.
    """

    id: str
    target_id: str
    tasks: tuple[str, ...]
    item: str
    measure: FollowUpMeasure
    referral_to: ReferralTarget | None = None
    recipient: str = ""
    department: str = ""
    opened: dt.date
    feedback: tuple[tuple[dt.date, str], ...] = ()
    closed: dt.date | None = None
    closure: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.measure is FollowUpMeasure.REFERRAL) != (self.referral_to is not None):
            raise InvalidValueError(f"{_RECORD} {self.id}", "referral_to", self.referral_to,
                                    "goes with a referral, and only with one",
                                    "give referral_to exactly when the measure is referral")
        if self.measure is FollowUpMeasure.REFERRAL and not self.recipient:
            raise InvalidValueError(f"{_RECORD} {self.id}", "recipient", "", "is empty",
                                    "name who the case is referred to")
        if self.closed is not None and self.closed < self.opened:
            raise InvalidValueError(f"{_RECORD} {self.id}", "closed", self.closed,
                                    f"is before it was opened ({self.opened})",
                                    "give the day it was closed")

    @property
    def is_open(self) -> bool:
        """Whether it is still open."""
        return self.closed is None

    def open_on(self, day: dt.date) -> bool:
        """Whether it was open at the end of ``day``."""
        return self.opened <= day and (self.closed is None or self.closed > day)

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return {"id": self.id, "target_id": self.target_id, "tasks": list(self.tasks),
                "item": self.item, "measure": self.measure.code,
                "referral_to": None if self.referral_to is None else self.referral_to.code,
                "recipient": self.recipient, "department": self.department,
                "opened": self.opened.isoformat(),
                "feedback": [[d.isoformat(), t] for d, t in self.feedback],
                "closed": None if self.closed is None else self.closed.isoformat(),
                "closure": self.closure}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FollowUp:
        """Inverse of `to_dict`."""
        referral = data.get("referral_to")
        return cls(id=data["id"], target_id=data["target_id"], tasks=tuple(data["tasks"]),
                   item=data["item"], measure=FollowUpMeasure.parse(data["measure"]),
                   referral_to=None if referral is None else ReferralTarget.parse(referral),
                   recipient=data.get("recipient", ""), department=data.get("department", ""),
                   opened=_day(data["opened"], "opened"),
                   feedback=tuple((_day(d, "feedback"), str(t)) for d, t in
                                  data.get("feedback", ())),
                   closed=None if data.get("closed") is None else _day(data["closed"], "closed"),
                   closure=data.get("closure", ""))


@attrs.frozen
class AgeingReport:
    """Open follow-ups on a day, counted by county, department, measure and age band."""

    day: dt.date
    open: int
    closed: int
    by_county: dict[str, int]
    by_department: dict[str, int]
    by_measure: dict[str, int]
    by_age: dict[str, int]
    oldest: tuple[tuple[str, int], ...]

    @property
    def closure_rate(self) -> float:
        """Share of the follow-ups opened so far that are closed."""
        total = self.open + self.closed
        return self.closed / total if total else 1.0

    def __str__(self) -> str:
        lines = [f"工作台账 follow-up ledger on {self.day}: {self.open} open, {self.closed} "
                 f"closed (closure rate {self.closure_rate:.1%})"]
        for title, counts in (("by county 按区县", self.by_county),
                              ("by department 按部门", self.by_department),
                              ("by measure 按措施", self.by_measure),
                              ("by age 按时长", self.by_age)):
            if counts:
                lines.append(f"  open {title}: " + ", ".join(f"{k} {v}"
                                                            for k, v in counts.items()))
        if self.oldest:
            lines.append("  oldest open: " + ", ".join(f"{i} ({d} days)" for i, d in
                                                       self.oldest))
        return "\n".join(lines)


@attrs.frozen(eq=False)
class FollowUpLedger:
    """The ledger: follow-ups by id, each opened for a problem found in a result."""

    items: Mapping[str, FollowUp] = attrs.field(factory=dict)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[FollowUp]:
        return iter(self.items.values())

    def __getitem__(self, follow_up_id: str) -> FollowUp:
        try:
            return self.items[follow_up_id]
        except KeyError:
            raise UnknownIdError("follow-up ledger", [follow_up_id],
                                 "Fix: open it first (FollowUpLedger.open).") from None

    def open(self, result: InspectionResult, item: str, *, measure: FollowUpMeasure | str,
             opened: dt.date | str, referral_to: ReferralTarget | str | None = None,
             recipient: str = "", department: str = "",
             follow_up_id: str | None = None) -> FollowUpLedger:
        """Open a follow-up for a problem the result found on ``item``."""
        if not isinstance(result, InspectionResult):
            raise InvalidTypeError("FollowUpLedger.open", "result", result,
                                   "an InspectionResult", "give the result of the visit")
        outcome = next((o for o in result.outcomes if o.item == item), None)
        if outcome is None or not outcome.problem:
            raise InvalidValueError(f"{_RECORD} {result.target_id}", "item", item,
                                    "is not an item on which the result found a problem",
                                    "give one of: " + ", ".join(o.item for o in result.outcomes
                                                                if o.problem))
        day = _day(opened, "opened")
        if day < result.check_date:
            raise InvalidValueError(f"{_RECORD} {result.target_id}", "opened", day,
                                    f"is before the check ({result.check_date})",
                                    "give the day the follow-up was opened")
        number = follow_up_id or f"{result.check_date.year}-{len(self.items) + 1:04d}"
        f.text(number, _RECORD, "id")
        if number in self.items:
            raise InvalidValueError(_RECORD, "id", number, "is taken", "give another number")
        entry = FollowUp(
            id=number, target_id=result.target_id, tasks=result.tasks, item=item,
            measure=FollowUpMeasure.parse(measure, record=_RECORD, field="measure"),
            referral_to=None if referral_to is None else ReferralTarget.parse(
                referral_to, record=_RECORD, field="referral_to"),
            recipient=f.text(recipient, _RECORD, "recipient", required=False),
            department=f.text(department, _RECORD, "department", required=False), opened=day)
        return attrs.evolve(self, items={**self.items, number: entry})

    def feedback(self, follow_up_id: str, *, on: dt.date | str, text: str) -> FollowUpLedger:
        """Add the recipient's feedback to an open follow-up."""
        entry = self._open_one(follow_up_id)
        day = _day(on, "feedback")
        if day < (entry.feedback[-1][0] if entry.feedback else entry.opened):
            raise InvalidValueError(f"{_RECORD} {follow_up_id}", "feedback", day,
                                    "is before the last note or the opening",
                                    "give feedback in the order it came")
        note = (day, f.text(text, _RECORD, "feedback"))
        return self._put(attrs.evolve(entry, feedback=(*entry.feedback, note)))

    def close(self, follow_up_id: str, *, on: dt.date | str, closure: str) -> FollowUpLedger:
        """Close an open follow-up on ``on``, saying how (整改到位, 结案, …)."""
        entry = self._open_one(follow_up_id)
        return self._put(attrs.evolve(entry, closed=_day(on, "closed"),
                                      closure=f.text(closure, _RECORD, "closure")))

    def ageing(self, day: dt.date | str, directory: TargetDirectory | None = None
               ) -> AgeingReport:
        """The open items at the end of ``day`` by county (with the directory: the target's
        county-level region), department, measure and age band; the five oldest."""
        when = _day(day, "day")
        opened = [e for e in self.items.values() if e.opened <= when]
        still = [e for e in opened if e.open_on(when)]

        def county(entry: FollowUp) -> str:
            if directory is None or entry.target_id not in directory:
                return "?"
            return str(directory[entry.target_id].region[:6])

        bands: Counter[str] = Counter()
        for entry in still:
            age = (when - entry.opened).days
            bands[next(label for low, high, label in AGE_BANDS
                       if age >= low and (high is None or age <= high))] += 1
        oldest = sorted(still, key=lambda e: (e.opened, e.id))[:5]
        return AgeingReport(
            when, len(still), len(opened) - len(still),
            dict(sorted(Counter(county(e) for e in still).items())),
            dict(sorted(Counter(e.department or "?" for e in still).items())),
            dict(sorted(Counter(e.measure.label_zh for e in still).items())),
            {label: bands[label] for _, _, label in AGE_BANDS if bands[label]},
            tuple((e.id, (when - e.opened).days) for e in oldest))

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every follow-up as plain values, by id."""
        return [self.items[k].to_dict() for k in sorted(self.items)]

    @classmethod
    def from_dicts(cls, rows: Iterable[Mapping[str, Any]]) -> FollowUpLedger:
        """Inverse of `to_dicts`."""
        entries = [FollowUp.from_dict(r) for r in rows]
        return cls({e.id: e for e in entries})

    def _open_one(self, follow_up_id: str) -> FollowUp:
        entry = self[follow_up_id]
        if not entry.is_open:
            raise InvalidValueError(f"{_RECORD} {follow_up_id}", "closed", entry.closed,
                                    "is closed already", "open a new follow-up if needed")
        return entry

    def _put(self, entry: FollowUp) -> FollowUpLedger:
        return attrs.evolve(self, items={**self.items, entry.id: entry})
