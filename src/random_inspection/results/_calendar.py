"""China's official working days (工作日) and the deadlines counted in them.

Which days are working days follows the State Council's yearly notice
(国务院办公厅关于…部分节假日安排的通知, `HolidayNotice`): a day is a working day when it is
a make-up working day (调休上班) of a notice, or a Monday to Friday that no notice gives off.
`OfficialCalendar` answers only for the years whose notice it holds, and never guesses: a day
in any other year raises `UnknownCalendarYearError`, naming the year whose notice to load.

One subtlety: a notice may put its New Year's Day holiday (元旦) and make-up working days on
the last days of December of the year before (30 December 2018 to 1 January 2019 off, 29
December 2018 worked, by the 2019 notice). So a day from 25 December of a year on needs the
next year's notice as well.

Deadlines (期限) "within N working days of" a day (自…之日起N个工作日内) are counted as
Chinese law counts periods: the day itself is not counted (民法典 Art. 201: 开始的当日不计入),
the count starts the next day, and only working days count (the last day is then always a
working day). `OfficialCalendar.due_date` returns the last day on which the act is on time.

Notice files (TOML or JSON, English or Chinese keys) are described in
`random_inspection.results._notice` and in ``docs/calendar.md``; the notices of 2024, 2025
and 2026 are bundled (``results/holidays/*.toml``). With the optional package
``chinese_calendar`` installed (extra ``calendar``), `OfficialCalendar.default` also knows the
years it knows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources

import attrs

from .._errors import InvalidTypeError, InvalidValueError
from ..registry import _fields as f
from ._notice import HOLIDAY_NAMES, REACH_BACK_FROM, HolidayNotice, notice_from_text

__all__ = [
    "ABNORMAL_LIST_WORKING_DAYS",
    "RESULTS_PUBLICATION_WORKING_DAYS",
    "OfficialCalendar",
    "UnknownCalendarYearError",
]

#: Spot-check results are published within 20 working days of being made
#: (企业信息公示暂行条例 Art. 6: 自产生之日起20个工作日内予以公示).
RESULTS_PUBLICATION_WORKING_DAYS = 20
#: A target that cannot be reached at its registered address goes on the abnormal-operations
#: list within 10 working days of that being established (企业经营异常名录管理办法:
#: 自查实之日起10个工作日内).
ABNORMAL_LIST_WORKING_DAYS = 10


def _runs(items: Iterable[int]) -> list[list[int]]:
    """Sorted ``items`` cut into runs of consecutive numbers."""
    runs: list[list[int]] = []
    for item in sorted(items):
        if runs and item == runs[-1][-1] + 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _year_ranges(years: Sequence[int]) -> str:
    """'2004–2026' or '2019, 2024–2026'; 'no year' when empty."""
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0])
                     for r in _runs(years)) or "no year"


class UnknownCalendarYearError(InvalidValueError):
    """A day depends on a year's holiday notice that the calendar does not hold.

    Attributes:
        year: The year whose notice is needed.
        day: The day asked about.
        known: The years the calendar knows.
    """

    def __init__(self, year: int, day: dt.date, known: Sequence[int]) -> None:
        self.year = year
        self.day = day
        self.known = tuple(known)
        knows = f"it knows {_year_ranges(self.known)}"
        if year == day.year:
            problem = f"is in {year}, a year this calendar does not know ({knows})"
        else:
            problem = (f"is on or after {REACH_BACK_FROM} December, where the {year} notice "
                       f"may put New Year's Day (元旦) days off or make-up working days, and "
                       f"this calendar does not know {year} ({knows})")
        super().__init__(
            "OfficialCalendar", "day", day.isoformat(), problem,
            f"load the {year} notice (国务院办公厅关于{year}年部分节假日安排的通知): "
            f"calendar.with_notice(HolidayNotice.from_file('{year}.toml')); the file format "
            "is in docs/calendar.md")


def _notices(value: Iterable[HolidayNotice]) -> tuple[HolidayNotice, ...]:
    items = f.collection(value, "OfficialCalendar", "notices")
    for item in items:
        if not isinstance(item, HolidayNotice):
            raise InvalidTypeError("OfficialCalendar", "notices", item, "HolidayNotice objects",
                                   "read each with HolidayNotice.from_file(path)")
    return tuple(sorted(items, key=lambda n: n.year))


@attrs.frozen
class OfficialCalendar:
    """Working days by the State Council's holiday notices, one notice per known year.

    Attributes:
        notices: The notices, one per year, sorted by year.

    Build one with `default` (the bundled notices, plus the years of ``chinese_calendar``
    when installed), `bundled` (the bundled notices only) or from notices; add a year with
    `with_notice`. Every method taking a day raises `UnknownCalendarYearError` when the
    answer depends on a notice the calendar does not hold.

    >>> import datetime as dt
    >>> calendar = OfficialCalendar.bundled()
    >>> calendar.is_working_day(dt.date(2024, 2, 18))        # a Sunday, 调休上班
    True
    >>> calendar.due_date(dt.date(2024, 2, 9), 20)            # the Friday before 春节
    datetime.date(2024, 3, 14)
    """

    notices: tuple[HolidayNotice, ...] = attrs.field(converter=_notices)
    _off: dict[dt.date, str] = attrs.field(init=False, repr=False, eq=False)
    _worked: frozenset[dt.date] = attrs.field(init=False, repr=False, eq=False)
    _years: frozenset[int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        off: dict[dt.date, str] = {}
        worked: dict[dt.date, int] = {}
        years: set[int] = set()
        for notice in self.notices:
            if notice.year in years:
                raise InvalidValueError("OfficialCalendar", "notices", notice.year,
                                        "has two notices for one year",
                                        "keep one; with_notice(notice) replaces a year")
            years.add(notice.year)
            for day, name in notice.days_off.items():
                if day in off or day in worked:
                    raise _clash(day, notice.year)
                off[day] = name
            for day in notice.workdays:
                if day in off or day in worked:
                    raise _clash(day, notice.year)
                worked[day] = notice.year
        object.__setattr__(self, "_off", off)
        object.__setattr__(self, "_worked", frozenset(worked))
        object.__setattr__(self, "_years", frozenset(years))

    @classmethod
    def bundled(cls) -> OfficialCalendar:
        """The notices bundled with the library (2024, 2025 and 2026)."""
        return _bundled()

    @classmethod
    def default(cls) -> OfficialCalendar:
        """The bundled notices, plus every other year the optional ``chinese_calendar``
        package knows when it is installed (its years 2004–2026 in version 1.11); the
        bundled notices take precedence."""
        return _default()

    def with_notice(self, notice: HolidayNotice) -> OfficialCalendar:
        """A calendar with ``notice``'s year added, or replaced by ``notice``."""
        if not isinstance(notice, HolidayNotice):
            raise InvalidTypeError("OfficialCalendar.with_notice", "notice", notice,
                                   "a HolidayNotice", "read it with HolidayNotice.from_file(path)")
        return OfficialCalendar([n for n in self.notices if n.year != notice.year] + [notice])

    @property
    def years(self) -> tuple[int, ...]:
        """The years whose notice the calendar holds, in order."""
        return tuple(n.year for n in self.notices)

    def notice(self, year: int) -> HolidayNotice:
        """The notice for ``year``; `UnknownCalendarYearError` if there is none."""
        for notice in self.notices:
            if notice.year == year:
                return notice
        raise UnknownCalendarYearError(year, dt.date(year, 1, 1), self.years)

    def covers(self, day: dt.date) -> bool:
        """Whether the calendar can tell if ``day`` is a working day."""
        day = f.date_argument(day, "OfficialCalendar.covers", "day")
        return self._missing_year(day) is None

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day: a make-up working day, or a Monday to Friday
        that is not a holiday."""
        return self._working(f.date_argument(day, "OfficialCalendar.is_working_day", "day"))

    def holiday(self, day: dt.date) -> str | None:
        """The name of the holiday ``day`` is a day off of (e.g. '春节'); None for any other
        day, weekends included."""
        day = f.date_argument(day, "OfficialCalendar.holiday", "day")
        self._require(day)
        return self._off.get(day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``n`` ≥ 1; ``start`` itself is not
        counted, whether or not it is a working day)."""
        start = f.date_argument(start, "OfficialCalendar.add_working_days", "start")
        left = _count(n, "OfficialCalendar.add_working_days", "n")
        day = start
        while left:
            day += dt.timedelta(days=1)
            left -= self._working(day)
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """The number of working days after ``a`` up to and including ``b``; negative, the
        same count, when ``b`` is before ``a``. So
        ``working_days_between(d, add_working_days(d, n)) == n``."""
        a = f.date_argument(a, "OfficialCalendar.working_days_between", "a")
        b = f.date_argument(b, "OfficialCalendar.working_days_between", "b")
        low, high = sorted((a, b))
        count = sum(self._working(low + dt.timedelta(days=k))
                    for k in range(1, (high - low).days + 1))
        return count if a <= b else -count

    def due_date(self, start: dt.date, working_days: int) -> dt.date:
        """The last day of a period of ``working_days`` working days from ``start``
        (自…之日起N个工作日内): ``start`` is not counted (民法典 Art. 201), weekends and
        holidays are skipped, make-up working days count. An act done on or before the
        returned day is on time. E.g. ``due_date(checked_on,
        RESULTS_PUBLICATION_WORKING_DAYS)``."""
        start = f.date_argument(start, "OfficialCalendar.due_date", "start")
        days = _count(working_days, "OfficialCalendar.due_date", "working_days")
        return self.add_working_days(start, days)

    def _missing_year(self, day: dt.date) -> int | None:
        if day.year not in self._years:
            return day.year
        if (day.month, day.day) >= (12, REACH_BACK_FROM) and day.year + 1 not in self._years:
            return day.year + 1
        return None

    def _require(self, day: dt.date) -> None:
        missing = self._missing_year(day)
        if missing is not None:
            raise UnknownCalendarYearError(missing, day, self.years)

    def _working(self, day: dt.date) -> bool:
        self._require(day)
        return day in self._worked or (day.weekday() < 5 and day not in self._off)


def _count(value: object, where: str, argument: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTypeError(where, argument, value, "an int", "pass a whole number, e.g. 20")
    if value < 1:
        raise InvalidValueError(where, argument, value, "is not a positive number of "
                                "working days", "count at least 1 working day")
    return value


def _clash(day: dt.date, year: int) -> InvalidValueError:
    return InvalidValueError("OfficialCalendar", "notices", day.isoformat(),
                             f"is given by the {year} notice and by another notice as well",
                             "correct one of the notices: each day is in one notice at most")


@cache
def _bundled() -> OfficialCalendar:
    folder = resources.files(__package__).joinpath("holidays")
    return OfficialCalendar([
        notice_from_text(entry.read_text(encoding="utf-8"), ".toml",
                         f"random_inspection/results/holidays/{entry.name}")
        for entry in folder.iterdir() if entry.name.endswith(".toml")])


@cache
def _default() -> OfficialCalendar:
    bundled = _bundled()
    extra = [n for n in package_notices() if n.year not in bundled.years]
    return OfficialCalendar(list(bundled.notices) + extra)


_CHINESE = {english: chinese for chinese, english in HOLIDAY_NAMES.items()}


def package_notices() -> tuple[HolidayNotice, ...]:
    """The notices the ``chinese_calendar`` package knows, one per year (none without it).

    Its consecutive days off make one holiday each (its 国庆节 and 中秋节 of 2025 are one
    holiday of eight days, as in the notice); its New Year's Day days in December belong to
    the next year's notice. A year that fails a notice's checks is left out (unknown), never
    guessed.
    """
    try:
        import chinese_calendar  # noqa: PLC0415
    except ImportError:
        return ()
    source = f"chinese_calendar {getattr(chinese_calendar, '__version__', '')}".strip()

    def year_of(day: dt.date, name: str) -> int:
        return day.year + 1 if day.month == 12 and name == "New Year's Day" else day.year

    off: Mapping[dt.date, str] = chinese_calendar.holidays
    worked: Mapping[dt.date, str] = chinese_calendar.workdays
    notices = []
    for year in sorted({year_of(d, n) for d, n in off.items()}):
        holidays = []
        for run in _runs(d.toordinal() for d, n in off.items() if year_of(d, n) == year):
            days = [dt.date.fromordinal(k) for k in run]
            names = dict.fromkeys(_CHINESE.get(off[d], off[d]) for d in days)
            holidays.append(("、".join(names), days[0], days[-1]))
        try:
            notices.append(HolidayNotice(
                year=year, holidays=holidays, source=source,
                workdays=[d for d, n in worked.items() if year_of(d, n) == year]))
        except InvalidValueError:
            continue
    return tuple(notices)
