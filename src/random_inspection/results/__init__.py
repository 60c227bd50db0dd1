"""The "public" half of 双随机、一公开: inspection results and their review, publication
deadlines on China's official calendar, the follow-up ledger, and the year's indicators."""

from ._book import ResultBook, TeamNow
from ._codes import FollowUpMeasure, ReferralTarget, ResultCode, ReviewState, check_codes
from ._exchange import RESULT_COLUMNS, read_results
from ._followup import AgeingReport, FollowUp, FollowUpLedger
from ._frames import ledger_frame, results_frame
from ._indicators import Deadlines, Indicators, WorkingDayCalendar, deadlines_of, indicators
from ._model import InspectionResult, ItemOutcome, ReviewStep
from ._notice import write_notice, write_results_template

__all__ = [
    "RESULT_COLUMNS",
    "AgeingReport",
    "Deadlines",
    "FollowUp",
    "FollowUpLedger",
    "FollowUpMeasure",
    "Indicators",
    "InspectionResult",
    "ItemOutcome",
    "ReferralTarget",
    "ResultBook",
    "ResultCode",
    "ReviewState",
    "ReviewStep",
    "TeamNow",
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
