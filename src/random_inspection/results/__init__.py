"""Results of the checks and their deadlines: the official calendar of working days."""

from ._calendar import (
    ABNORMAL_LIST_WORKING_DAYS,
    RESULTS_PUBLICATION_WORKING_DAYS,
    OfficialCalendar,
    UnknownCalendarYearError,
)
from ._notice import HOLIDAY_NAMES, Holiday, HolidayNotice

__all__ = [
    "ABNORMAL_LIST_WORKING_DAYS",
    "HOLIDAY_NAMES",
    "RESULTS_PUBLICATION_WORKING_DAYS",
    "Holiday",
    "HolidayNotice",
    "OfficialCalendar",
    "UnknownCalendarYearError",
]
