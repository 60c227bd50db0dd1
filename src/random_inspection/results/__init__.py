"""The "public" half of 双随机、一公开: inspection results and their review, publication
deadlines on China's official calendar, the follow-up ledger, and the year's indicators."""

from ._book import ResultBook, TeamNow
from ._calendar import (
    ABNORMAL_LIST_WORKING_DAYS,
    RESULTS_PUBLICATION_WORKING_DAYS,
    OfficialCalendar,
    UnknownCalendarYearError,
)
from ._codes import FollowUpMeasure, ReferralTarget, ResultCode, ReviewState, check_codes
from ._exchange import RESULT_COLUMNS, read_results
from ._followup import AgeingReport, FollowUp, FollowUpLedger
from ._frames import ledger_frame, results_frame
from ._indicators import Deadlines, Indicators, WorkingDayCalendar, deadlines_of, indicators
from ._model import InspectionResult, ItemOutcome, ReviewStep
from ._notice import HOLIDAY_NAMES, Holiday, HolidayNotice
from ._publicity import write_notice, write_results_template

__all__ = [
    "ABNORMAL_LIST_WORKING_DAYS",
    "HOLIDAY_NAMES",
    "RESULTS_PUBLICATION_WORKING_DAYS",
    "RESULT_COLUMNS",
    "AgeingReport",
    "Deadlines",
    "FollowUp",
    "FollowUpLedger",
    "FollowUpMeasure",
    "Holiday",
    "HolidayNotice",
    "Indicators",
    "InspectionResult",
    "ItemOutcome",
    "OfficialCalendar",
    "ReferralTarget",
    "ResultBook",
    "ResultCode",
    "ReviewState",
    "ReviewStep",
    "TeamNow",
    "UnknownCalendarYearError",
    "WorkingDayCalendar",
    "check_codes",
    "deadlines_of",
    "indicators",
    "ledger_frame",
    "read_results",
    "results_frame",
    "write_notice",
    "write_results_template",
]
