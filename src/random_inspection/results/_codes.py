"""Result codes of a check (检查结果), as provincial platforms store them, and the rules of
their combinations; review states; follow-up measures and referral targets.

The codes (DOMAIN.md): ``1`` no problem found; ``A`` problem found, follow-up pending, with
sub-codes ``B``, ``C``, ``D``, ``3``, ``4``, ``5`` and ``G`` that only stand under ``A``; ``E``
problem found and corrected on order; ``8`` serious non-cooperation; and the codes that say the
check could not look at the business at all — ``6`` unreachable at the registered address,
``7`` closed or liquidating, ``F`` the activity under check not found, ``9``–``12``
deregistered, licence revoked, registration cancelled, moved away — which, like ``1``, stand
alone.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from .._errors import InvalidValueError
from ..registry._vocabulary import _Labelled

__all__ = ["FollowUpMeasure", "ReferralTarget", "ResultCode", "ReviewState", "check_codes"]


class ResultCode(_Labelled):
    """A result code of one checked item (检查结果代码)."""

    NO_PROBLEM = "1"
    PROBLEM = "A"
    NOT_PUBLICISED = "B"
    FALSE_PUBLICITY = "C"
    OTHER_VIOLATION = "D"
    FOOD_AND_DRUGS = "3"
    QUALITY = "4"
    OTHER_DEPARTMENT = "5"
    POLICE = "G"
    CORRECTED = "E"
    NON_COOPERATION = "8"
    UNREACHABLE = "6"
    CLOSED = "7"
    NOT_FOUND = "F"
    DEREGISTERED = "9"
    REVOKED = "10"
    CANCELLED = "11"
    MOVED = "12"

    _LABELS = enum.nonmember({
        "1": ("未发现问题", "no problem found"),
        "A": ("发现问题待后续处理", "problem found, follow-up pending"),
        "B": ("未按规定公示应当公示的信息", "required information not publicised"),
        "C": ("公示信息隐瞒真实情况、弄虚作假", "publicised information false"),
        "D": ("违反其他法律法规", "other violations"),
        "3": ("涉及食品药品问题", "food and drugs"),
        "4": ("涉及产品质量问题", "product quality"),
        "5": ("涉及其他部门职责", "matter for another department"),
        "G": ("涉嫌犯罪移送公安", "referred to the police"),
        "E": ("发现问题已责令改正", "problem found and corrected on order"),
        "8": ("不配合检查情节严重", "serious non-cooperation"),
        "6": ("通过登记的住所（经营场所）无法联系", "unreachable at the registered address"),
        "7": ("已关闭停业或正在组织清算", "closed or liquidating"),
        "F": ("未发现开展本次抽查涉及的经营活动", "activity under check not found"),
        "9": ("已注销", "deregistered"),
        "10": ("已吊销", "licence revoked"),
        "11": ("已撤销登记", "registration cancelled"),
        "12": ("已迁出", "moved away"),
    })

    @property
    def parent(self) -> ResultCode | None:
        """The code a sub-code stands under (``A``), else ``None``."""
        return ResultCode.PROBLEM if self in _SUBCODES else None

    @property
    def problem(self) -> bool:
        """Whether the code says a problem was found (``A`` and its sub-codes, ``E``, ``8``)."""
        return self in _PROBLEMS

    @property
    def stands_alone(self) -> bool:
        """Whether the code excludes every other (``1``, ``6``, ``7``, ``F``, ``9``–``12``)."""
        return self in _ALONE


_SUBCODES = frozenset({ResultCode.NOT_PUBLICISED, ResultCode.FALSE_PUBLICITY,
                       ResultCode.OTHER_VIOLATION, ResultCode.FOOD_AND_DRUGS,
                       ResultCode.QUALITY, ResultCode.OTHER_DEPARTMENT, ResultCode.POLICE})
_PROBLEMS = _SUBCODES | {ResultCode.PROBLEM, ResultCode.CORRECTED, ResultCode.NON_COOPERATION}
_ALONE = frozenset({ResultCode.NO_PROBLEM, ResultCode.UNREACHABLE, ResultCode.CLOSED,
                    ResultCode.NOT_FOUND, ResultCode.DEREGISTERED, ResultCode.REVOKED,
                    ResultCode.CANCELLED, ResultCode.MOVED})
#: Codes that say the business itself could not be checked: they apply to the whole visit.
VISIT_STATUS = frozenset({ResultCode.UNREACHABLE, ResultCode.CLOSED, ResultCode.DEREGISTERED,
                          ResultCode.REVOKED, ResultCode.CANCELLED, ResultCode.MOVED})


def check_codes(codes: Iterable[ResultCode | str], *, record: str = "InspectionResult",
                field: str = "codes") -> frozenset[ResultCode]:
    """The codes of one item, read (code, name or label) and checked: at least one; ``1``,
    ``6``, ``7``, ``F`` and ``9``–``12`` alone; ``B``, ``C``, ``D``, ``3``, ``4``, ``5`` and
    ``G`` only under ``A``. `InvalidValueError` names the combination and the fix."""
    if isinstance(codes, str | ResultCode):
        codes = [codes]
    read = [ResultCode.parse(c, record=record, field=field) for c in codes]
    found = frozenset(read)
    shown = "+".join(sorted(c.code for c in found))
    if not found:
        raise InvalidValueError(record, field, [], "is empty",
                                "give the item's result code, e.g. 1 (no problem found)")
    if len(found) < len(read):
        raise InvalidValueError(record, field, [c.code for c in read], "names a code twice",
                                "give each code once")
    alone = found & _ALONE
    if alone and len(found) > 1:
        code = min(alone, key=lambda c: c.code)
        raise InvalidValueError(record, field, shown,
                                f"combines {code.code} ({code.label_zh}) with other codes",
                                f"{code.code} stands alone: drop the others, or drop "
                                f"{code.code}")
    orphans = sorted(c.code for c in found if c.parent is not None and c.parent not in found)
    if orphans:
        raise InvalidValueError(record, field, shown,
                                f"has sub-code(s) {', '.join(orphans)} without A",
                                "add A (problem found, follow-up pending) above them")
    return found


class ReviewState(_Labelled):
    """Where a result is in the review workflow (审核流程)."""

    ENTERED = "entered"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"

    _LABELS = enum.nonmember({
        "entered": ("已录入", "entered"),
        "submitted": ("已提交审核", "submitted for review"),
        "returned": ("已退回", "returned"),
        "approved": ("已审核通过", "approved"),
        "published": ("已公示", "published"),
    })


class FollowUpMeasure(_Labelled):
    """What is done about a problem found (后续处置措施)."""

    ORDER_CORRECTION = "order_correction"
    INVESTIGATION = "investigation"
    REFERRAL = "referral"

    _LABELS = enum.nonmember({
        "order_correction": ("责令整改", "order to correct"),
        "investigation": ("立案调查", "case opened"),
        "referral": ("移送", "referral"),
    })
    _ALIASES = enum.nonmember({"order_correction": ("责令改正", "整改"),
                               "investigation": ("立案",), "referral": ("移交",)})


class ReferralTarget(_Labelled):
    """Who a case is referred to (移送对象)."""

    OWN_ENFORCEMENT = "own_enforcement"
    OTHER_DEPARTMENT = "other_department"
    JUDICIAL = "judicial"
    DISCIPLINE = "discipline"

    _LABELS = enum.nonmember({
        "own_enforcement": ("本局执法机构", "the bureau's own enforcement unit"),
        "other_department": ("其他行政部门", "another department"),
        "judicial": ("司法机关", "judicial organs"),
        "discipline": ("纪检监察机关", "discipline inspection (an officer's misconduct)"),
    })
    _ALIASES = enum.nonmember({"judicial": ("公安", "公安机关", "police"),
                               "discipline": ("纪委", "监委", "纪检监察")})
