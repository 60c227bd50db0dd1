"""The result of one visit (检查结果): the target, the tasks and items of the visit, how and
when it was checked, the team that went, each item's outcome, who entered it and when — and
its review workflow: entered → submitted → returned (with a reason) or approved → published
(with the publication date). Every value is immutable: each step returns a new result.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Self

import attrs

from .._errors import InvalidValueError
from ..registry import CheckMethod
from ..registry import _fields as f
from ..registry._identifiers import normalize_id
from ._codes import VISIT_STATUS, ResultCode, ReviewState, check_codes

__all__ = ["InspectionResult", "ItemOutcome", "ReviewStep"]

_RECORD = "InspectionResult"


def _aware(value: object, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidValueError(_RECORD, field, value, "is not a time with a time zone",
                                "give an aware datetime, e.g. datetime.now(datetime.UTC)")
    return value.astimezone(dt.UTC)


def _date(value: object, field: str) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise InvalidValueError(_RECORD, field, value, "is not a date",
                            "give a datetime.date or YYYY-MM-DD text")


_MAX_REMARKS = 2000


def _remarks(value: object, field: str = "remarks") -> str:
    """Free text: NFC, trimmed, line breaks kept, no other control character."""
    if not isinstance(value, str):
        raise InvalidValueError(_RECORD, field, value, "is not text", "pass a str")
    cleaned = unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()
    if any(unicodedata.category(c) == "Cc" and c != "\n" for c in cleaned):
        raise InvalidValueError(_RECORD, field, value, "contains a control character",
                                "remove it (line breaks are kept)")
    if len(cleaned) > _MAX_REMARKS:
        raise InvalidValueError(_RECORD, field, value[:40] + "…",
                                f"is longer than {_MAX_REMARKS} characters", "shorten it")
    return cleaned


def _ids(value: object, field: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError(_RECORD, field, value, "is not a list of ids",
                                "give a list, e.g. ['XZ00228', 'XZ00291']")
    ids = tuple(f.text(v, _RECORD, field) for v in value)
    if len(set(ids)) < len(ids):
        raise InvalidValueError(_RECORD, field, list(ids), "names someone twice",
                                "give each id once")
    return ids


def _item(value: object) -> str:
    return f.text(value, _RECORD, "item")


def _codes(value: Any) -> frozenset[ResultCode]:
    return check_codes(value)


def _target(value: object) -> str:
    return normalize_id(f.text(value, _RECORD, "target_id"))


def _tasks(value: object) -> tuple[str, ...]:
    return _ids(value, "tasks")


def _outcomes(value: Iterable[ItemOutcome]) -> tuple[ItemOutcome, ...]:
    return tuple(value)


def _method(value: CheckMethod | str) -> CheckMethod:
    return CheckMethod.parse(value, record=_RECORD, field="method")


def _check_date(value: object) -> dt.date:
    return _date(value, "check_date")


def _officers(value: object) -> tuple[str, ...]:
    return tuple(sorted(_ids(value, "officers")))


def _experts(value: object) -> tuple[str, ...]:
    return tuple(sorted(_ids(value, "experts")))


def _leader(value: object) -> str:
    return f.text(value, _RECORD, "leader")


def _history(value: Iterable[ReviewStep]) -> tuple[ReviewStep, ...]:
    return tuple(value)


@attrs.frozen
class ItemOutcome:
    """One item's outcome: its code (事项编码), result codes and remarks."""

    item: str = attrs.field(converter=_item)
    codes: frozenset[ResultCode] = attrs.field(converter=_codes)
    remarks: str = attrs.field(default="", converter=_remarks)

    @property
    def problem(self) -> bool:
        """Whether a problem was found on this item."""
        return any(c.problem for c in self.codes)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (codes sorted)."""
        return {"item": self.item, "codes": sorted(c.code for c in self.codes),
                "remarks": self.remarks}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Inverse of `to_dict`."""
        return cls(data["item"], data["codes"], data.get("remarks", ""))


@attrs.frozen
class ReviewStep:
    """A step of the review workflow: the state reached, who, when, and why (a return)."""

    state: ReviewState
    who: str
    at: dt.datetime
    reason: str = ""
    published_on: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return {"state": self.state.code, "who": self.who,
                "at": self.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "reason": self.reason,
                "published_on": None if self.published_on is None
                else self.published_on.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Inverse of `to_dict`."""
        published = data.get("published_on")
        return cls(ReviewState.parse(data["state"], record=_RECORD, field="state"),
                   f.text(data["who"], _RECORD, "who"),
                   _aware(dt.datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00")),
                          "at"),
                   str(data.get("reason", "")),
                   None if published is None else _date(published, "published_on"))


#: Which step may follow which (the first step of every result is ``entered``).
_NEXT = {ReviewState.ENTERED: {ReviewState.SUBMITTED},
         ReviewState.SUBMITTED: {ReviewState.RETURNED, ReviewState.APPROVED},
         ReviewState.RETURNED: {ReviewState.SUBMITTED},
         ReviewState.APPROVED: {ReviewState.PUBLISHED},
         ReviewState.PUBLISHED: set()}


@attrs.frozen(kw_only=True)
class InspectionResult:
    """The result of one visit to a target (一户一表).

    Attributes:
        target_id: The target (its USCC or registration number).
        tasks: Codes of the tasks of the visit, the leading task first (1+X).
        outcomes: One `ItemOutcome` per item of the visit.
        method: How it was checked (`CheckMethod`).
        check_date: The day of the check.
        officers, leader, experts: The team that went (officers sorted by id).
        remarks: Free text about the visit.
        history: The review steps, the first ``entered`` (who entered it and when).
        abnormal_listed_on: For an unreachable target (code 6), the day it was put on the
            abnormal-operations list (经营异常名录).
    """

    target_id: str = attrs.field(converter=_target)
    tasks: tuple[str, ...] = attrs.field(converter=_tasks)
    outcomes: tuple[ItemOutcome, ...] = attrs.field(converter=_outcomes)
    method: CheckMethod = attrs.field(converter=_method)
    check_date: dt.date = attrs.field(converter=_check_date)
    officers: tuple[str, ...] = attrs.field(converter=_officers)
    leader: str = attrs.field(converter=_leader)
    experts: tuple[str, ...] = attrs.field(default=(), converter=_experts)
    remarks: str = attrs.field(default="", converter=_remarks)
    history: tuple[ReviewStep, ...] = attrs.field(converter=_history)
    abnormal_listed_on: dt.date | None = None

    def __attrs_post_init__(self) -> None:
        if not self.tasks:
            raise InvalidValueError(_RECORD, "tasks", [], "is empty",
                                    "give the codes of the visit's tasks")
        if not self.outcomes or not all(isinstance(o, ItemOutcome) for o in self.outcomes):
            raise InvalidValueError(_RECORD, "outcomes", self.outcomes,
                                    "is not a non-empty list of ItemOutcome",
                                    "give one ItemOutcome per item of the visit")
        items = [o.item for o in self.outcomes]
        if len(set(items)) < len(items):
            raise InvalidValueError(_RECORD, "outcomes", items, "names an item twice",
                                    "give one outcome per item")
        status = {c for o in self.outcomes for c in o.codes if c in VISIT_STATUS}
        if status and not all(o.codes == frozenset(status) for o in self.outcomes):
            code = min(status, key=lambda c: c.code)
            raise InvalidValueError(_RECORD, "outcomes", [o.to_dict() for o in self.outcomes],
                                    f"give {code.code} ({code.label_zh}) to some items only",
                                    f"{code.code} is about the business, not an item: give "
                                    "it to every item of the visit, alone")
        if len(self.officers) < 2:
            raise InvalidValueError(_RECORD, "officers", list(self.officers),
                                    "has fewer than two officers",
                                    "an inspection needs two officers (行政处罚法 Art. 42)")
        if self.leader not in self.officers:
            raise InvalidValueError(_RECORD, "leader", self.leader, "is not one of the officers",
                                    "name one of: " + ", ".join(self.officers))
        if set(self.experts) & set(self.officers):
            raise InvalidValueError(_RECORD, "experts", list(self.experts),
                                    "names an officer", "list officers and experts apart")
        if self.abnormal_listed_on is not None and (
                ResultCode.UNREACHABLE not in self.codes
                or self.abnormal_listed_on < self.check_date):
            raise InvalidValueError(_RECORD, "abnormal_listed_on", self.abnormal_listed_on,
                                    "goes with an unreachable target (code 6), on or after "
                                    "the check", "list only targets found unreachable")
        if not self.history or self.history[0].state is not ReviewState.ENTERED:
            raise InvalidValueError(_RECORD, "history", self.history,
                                    "does not start with the entry",
                                    "make results with InspectionResult.enter")
        for before, after in zip(self.history, self.history[1:], strict=False):
            if after.state not in _NEXT[before.state] or after.at < before.at:
                raise InvalidValueError(_RECORD, "history", [s.state.code for s in self.history],
                                        f"goes from {before.state.code} to {after.state.code}"
                                        + (" back in time" if after.at < before.at else ""),
                                        "follow entered → submitted → returned or approved → "
                                        "published")

    @classmethod
    def enter(cls, *, target_id: str, tasks: Iterable[str], outcomes: Iterable[ItemOutcome],
              method: CheckMethod | str, check_date: dt.date | str, officers: Iterable[str],
              leader: str, experts: Iterable[str] = (), remarks: str = "", by: str,
              at: dt.datetime) -> InspectionResult:
        """A result as a clerk enters it (state ``entered``)."""
        step = ReviewStep(ReviewState.ENTERED, f.text(by, _RECORD, "entered_by"),
                          _aware(at, "entered_at"))
        return cls(target_id=target_id, tasks=tuple(tasks), outcomes=tuple(outcomes),
                   method=method, check_date=check_date, officers=tuple(officers),
                   leader=leader, experts=tuple(experts), remarks=remarks, history=(step,))

    # --- derived --------------------------------------------------------------------------

    @property
    def state(self) -> ReviewState:
        """Where the result is in the workflow."""
        return self.history[-1].state

    @property
    def entered_by(self) -> str:
        """Who entered it (the first step)."""
        return self.history[0].who

    @property
    def entered_at(self) -> dt.datetime:
        """When it was entered (the first step)."""
        return self.history[0].at

    @property
    def published_on(self) -> dt.date | None:
        """The publication date, once published."""
        return self.history[-1].published_on if self.state is ReviewState.PUBLISHED else None

    @property
    def codes(self) -> frozenset[ResultCode]:
        """Every result code of the visit."""
        return frozenset(c for o in self.outcomes for c in o.codes)

    @property
    def problem(self) -> bool:
        """Whether a problem was found on any item."""
        return any(o.problem for o in self.outcomes)

    @property
    def items(self) -> tuple[str, ...]:
        """The items checked, in the order given."""
        return tuple(o.item for o in self.outcomes)

    # --- the workflow -------------------------------------------------------------------

    def _step(self, state: ReviewState, who: str, at: dt.datetime, *, reason: str = "",
              published_on: dt.date | None = None) -> InspectionResult:
        if state not in _NEXT[self.state]:
            raise InvalidValueError(_RECORD, "state", self.state.code,
                                    f"cannot become {state.code} ({state.label_zh})",
                                    "follow entered → submitted → returned or approved → "
                                    "published")
        step = ReviewStep(state, f.text(who, _RECORD, "who"), _aware(at, "at"), reason,
                          published_on)
        if step.at < self.history[-1].at:
            raise InvalidValueError(_RECORD, "at", at, f"is before the last step "
                                    f"({self.history[-1].at.isoformat()})",
                                    "give the time the step was taken")
        return attrs.evolve(self, history=(*self.history, step))

    def submit(self, *, by: str, at: dt.datetime) -> InspectionResult:
        """Submit for review (提交审核)."""
        return self._step(ReviewState.SUBMITTED, by, at)

    def return_(self, *, by: str, at: dt.datetime, reason: str) -> InspectionResult:
        """Return to the clerk, saying why (退回). The reviewer is not who entered it."""
        self._reviewer(by)
        return self._step(ReviewState.RETURNED, by, at,
                          reason=f.text(reason, _RECORD, "reason"))

    def approve(self, *, by: str, at: dt.datetime) -> InspectionResult:
        """Approve (审核通过). The reviewer is not who entered it."""
        self._reviewer(by)
        return self._step(ReviewState.APPROVED, by, at)

    def publish(self, *, by: str, at: dt.datetime, on: dt.date) -> InspectionResult:
        """Publish on the enterprise credit publicity system on ``on`` (公示)."""
        day = _date(on, "published_on")
        if day < self.check_date:
            raise InvalidValueError(_RECORD, "published_on", day,
                                    f"is before the check ({self.check_date})",
                                    "give the day the result was published")
        return self._step(ReviewState.PUBLISHED, by, at, published_on=day)

    def list_abnormal(self, *, on: dt.date | str) -> InspectionResult:
        """Record the day the unreachable target went on the abnormal-operations list."""
        return attrs.evolve(self, abnormal_listed_on=_date(on, "abnormal_listed_on"))

    def amend(self, **changes: Any) -> InspectionResult:
        """Correct an entered or returned result (outcomes, method, check date, team,
        remarks); it is then submitted again, and that step records who and when."""
        if self.state not in (ReviewState.ENTERED, ReviewState.RETURNED):
            raise InvalidValueError(_RECORD, "state", self.state.code,
                                    "cannot be amended", "only entered or returned results "
                                    "are amended; an approved or published one stands")
        allowed = {"outcomes", "method", "check_date", "officers", "leader", "experts",
                   "remarks"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise InvalidValueError(_RECORD, "amend", unknown, "cannot be changed",
                                    "change only: " + ", ".join(sorted(allowed)))
        if "outcomes" in changes:
            changes["outcomes"] = tuple(changes["outcomes"])
        amended: InspectionResult = attrs.evolve(self, **changes)
        return amended

    def _reviewer(self, who: str) -> None:
        if f.text(who, _RECORD, "who") == self.entered_by:
            raise InvalidValueError(_RECORD, "reviewer", who, "entered this result",
                                    "another person reviews it (审核人与录入人分离)")

    # --- plain values ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain values (for files, the workspace and DataFrames)."""
        return {"target_id": self.target_id, "tasks": list(self.tasks),
                "outcomes": [o.to_dict() for o in self.outcomes], "method": self.method.code,
                "check_date": self.check_date.isoformat(), "officers": list(self.officers),
                "leader": self.leader, "experts": list(self.experts), "remarks": self.remarks,
                "history": [s.to_dict() for s in self.history],
                "abnormal_listed_on": None if self.abnormal_listed_on is None
                else self.abnormal_listed_on.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InspectionResult:
        """Inverse of `to_dict`."""
        return cls(target_id=data["target_id"], tasks=tuple(data["tasks"]),
                   outcomes=tuple(ItemOutcome.from_dict(o) for o in data["outcomes"]),
                   method=data["method"], check_date=data["check_date"],
                   officers=tuple(data["officers"]), leader=data["leader"],
                   experts=tuple(data.get("experts", ())), remarks=data.get("remarks", ""),
                   history=tuple(ReviewStep.from_dict(s) for s in data["history"]),
                   abnormal_listed_on=None if data.get("abnormal_listed_on") is None
                   else _date(data["abnormal_listed_on"], "abnormal_listed_on"))
