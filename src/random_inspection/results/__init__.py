"""Results of the checks and their deadlines: the official calendar of working days."""

from ._notice import HOLIDAY_NAMES, Holiday, HolidayNotice

__all__ = [
    "HOLIDAY_NAMES",
    "Holiday",
    "HolidayNotice",
]
