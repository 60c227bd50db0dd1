"""The State Council's yearly holiday notice (国务院办公厅关于…部分节假日安排的通知) as data.

A notice lists, for one year, each holiday (放假) as a run of days off from its first to its
last day, weekends included, and the make-up working days (调休上班) that fall on weekends.
Every other Monday to Friday is a working day, every other Saturday and Sunday a day off.

Notice files (``.toml`` or ``.json``, UTF-8) hold one notice; keys may be English or Chinese,
as in plan files (``year`` or ``年度``); dates are TOML dates or ``"YYYY-MM-DD"`` text::

    format = "random-inspection/holiday-notice"   # 格式; optional when reading
    year = 2024                                   # 年度
    source = "国办发明电〔2023〕7号"                # 来源: the notice's number
    workdays = [2024-02-04, 2024-02-18]           # 调休上班: make-up working days

    [[holidays]]                                  # 放假: one table per holiday
    name = "春节"                                 # 名称: Chinese (or English) name
    first = 2024-02-10                            # 开始日期: first day off
    last = 2024-02-17                             # 结束日期: last day off, included

Checked, with every problem of a file reported at once (`FileFormatError` naming the file,
the field, the value and the fix): the year; each date in the notice's year, except that the
New Year's Day holiday (元旦) and make-up working days may fall on 25–31 December of the year
before (real notices did so: the 2019 notice, 国办发明电〔2018〕15号, gave 30 December 2018 to
1 January 2019 off and 29 December 2018 as a working day; the 2023 notice, 国办发明电〔2022〕16
号, started 元旦 on 31 December 2022) — no notice has run a holiday into the next year; a
holiday's last day not before its first and at most 14 days after it; holidays not
overlapping; make-up working days on Saturdays or Sundays, each listed once and none inside a
holiday.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import attrs

from .._atomic import write_atomic
from .._errors import FileFormatError, InvalidValueError
from ..planning._files import _english
from ..registry import _fields as f

__all__ = ["HOLIDAY_NAMES", "Holiday", "HolidayNotice"]

FORMAT = "random-inspection/holiday-notice"
NOTICE_KEYS = {"format": "格式", "year": "年度", "source": "来源", "holidays": "放假",
               "workdays": "调休上班"}
HOLIDAY_KEYS = {"name": "名称", "first": "开始日期", "last": "结束日期"}

#: The holidays of the notices (全国年节及纪念日放假办法) and the one-off day of 2015, Chinese
#: name → English name (as the ``chinese_calendar`` package spells them).
HOLIDAY_NAMES = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Tomb-sweeping Day",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-autumn Festival",
    "国庆节": "National Day",
    "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日": "Anti-Fascist 70th Day",
}
_ALIASES = {english.casefold(): chinese for chinese, english in HOLIDAY_NAMES.items()} | {
    "清明": "清明节", "端午": "端午节", "中秋": "中秋节", "五一": "劳动节", "十一": "国庆节",
    "qingming festival": "清明节", "mid-autumn festival": "中秋节", "labor day": "劳动节",
    "may day": "劳动节", "new year": "元旦", "chinese new year": "春节",
}
_SEPARATORS = re.compile(r"\s*[、,，/]\s*")
NEW_YEAR = "元旦"
#: The earliest December day of the year before that a notice may use (for 元旦).
REACH_BACK_FROM = 25
LONGEST_HOLIDAY = 14  # days; the longest so far: 10 (春节 2020, extended by 国办发明电〔2020〕1号)


def canonical_name(name: str) -> str:
    """A holiday's name with known names in Chinese, parts joined by 、 ('Spring Festival'
    → '春节', 'National Day, Mid-autumn Festival' → '国庆节、中秋节'); others as given."""
    parts = _SEPARATORS.split(name)
    known = [_ALIASES.get(p.casefold(), p if p in HOLIDAY_NAMES else "") for p in parts]
    return "、".join(known) if all(known) else name


class Holiday(NamedTuple):
    """One holiday of a notice: its name and its first and last day off, both included.

    Every day from ``first`` to ``last`` is a day off, weekends included, as the notice
    states them (春节 2024: 10 to 17 February, 8 days).
    """

    name: str
    first: dt.date
    last: dt.date

    @property
    def days(self) -> tuple[dt.date, ...]:
        """Every day off, in order."""
        return tuple(self.first + dt.timedelta(days=k)
                     for k in range((self.last - self.first).days + 1))

    @property
    def english(self) -> str:
        """The English name ('National Day, Mid-autumn Festival' for 国庆节、中秋节); the
        name itself when it is not a known holiday."""
        parts = self.name.split("、")
        if all(p in HOLIDAY_NAMES for p in parts):
            return ", ".join(HOLIDAY_NAMES[p] for p in parts)
        return self.name


def _holiday(value: object, record: str, field: str) -> Holiday:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(record, field, value, "is not a holiday",
                                "give (name, first day, last day), e.g. "
                                "('春节', date(2024, 2, 10), date(2024, 2, 17))")
    parts = tuple(value)
    if len(parts) != 3:
        raise InvalidValueError(record, field, value, f"has {len(parts)} parts, not 3",
                                "give (name, first day, last day)")
    name = canonical_name(f.text(parts[0], record, f"{field}.name"))
    first = f.date(parts[1], record, f"{field}.first", required=True)
    last = f.date(parts[2], record, f"{field}.last", required=True)
    assert first is not None
    assert last is not None
    return Holiday(name, first, last)


# The converters keep the order given, so that problems name positions as given; the notice
# sorts its fields once they are checked.
def _holidays(value: Iterable[Holiday | tuple[str, dt.date, dt.date]]) -> tuple[Holiday, ...]:
    items = f.collection(value, "HolidayNotice", "holidays")
    return tuple(_holiday(h, "HolidayNotice", f"holidays[{k}]") for k, h in enumerate(items))


def _workdays(value: Iterable[dt.date]) -> tuple[dt.date, ...]:
    items = f.collection(value, "HolidayNotice", "workdays")
    days = [f.date(d, "HolidayNotice", f"workdays[{k}]", required=True)
            for k, d in enumerate(items)]
    return tuple(d for d in days if d is not None)


Problem = tuple[str, object, str, str]  # field, value, problem, fix


def _span_problem(day: dt.date, year: int, *, new_year: bool) -> tuple[str, str] | None:
    if day.year == year:
        return None
    if day.year == year - 1 and (day.month, day.day) >= (12, REACH_BACK_FROM):
        if new_year:
            return None
        return (f"is in {year - 1}; only 元旦 (New Year's Day) and make-up working days may "
                f"fall in the December before", f"give a date in {year}, or put it in the "
                f"{year - 1} notice")
    return (f"is not in {year}", f"give a date in {year} (元旦 and its make-up working days "
            f"may also fall on 25–31 December {year - 1})")


def notice_problems(year: object, holidays: tuple[Holiday, ...],
                    workdays: tuple[dt.date, ...]) -> Iterator[Problem]:
    """Every problem of a notice's content (converted fields), in field order."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9998:
        yield ("year", year, "is not a year", "give the year the notice is for, e.g. 2024")
        return
    days_off: dict[dt.date, str] = {}
    for k, h in enumerate(holidays):
        for end, day in (("first", h.first), ("last", h.last)):
            problem = _span_problem(day, year, new_year=h.name == NEW_YEAR)
            if problem:
                yield (f"holidays[{k}].{end}", day.isoformat(), *problem)
        length = (h.last - h.first).days + 1
        if length < 1:
            yield (f"holidays[{k}].last", h.last.isoformat(),
                   f"is before the first day {h.first.isoformat()} of {h.name}",
                   "swap them or correct the date")
        elif length > LONGEST_HOLIDAY:
            yield (f"holidays[{k}].last", h.last.isoformat(),
                   f"makes {h.name} {length} days long (the longest allowed is "
                   f"{LONGEST_HOLIDAY})", "check the first and last day against the notice")
        for day in h.days:
            if day in days_off:
                yield (f"holidays[{k}]", h.name, f"overlaps {days_off[day]} on "
                       f"{day.isoformat()}", "correct the dates: holidays do not overlap")
                break
            days_off[day] = h.name
    seen: set[dt.date] = set()
    for k, day in enumerate(workdays):
        problem = _span_problem(day, year, new_year=True)
        if problem:
            yield (f"workdays[{k}]", day.isoformat(), *problem)
        if day.weekday() < 5:
            yield (f"workdays[{k}]", day.isoformat(), f"is a {day:%A}; make-up working days "
                   "(调休上班) fall on Saturdays or Sundays",
                   "check the date against the notice (a weekday is a working day anyway)")
        if day in days_off:
            yield (f"workdays[{k}]", day.isoformat(), f"is also a day off of {days_off[day]}",
                   "a day is either a holiday or a make-up working day: correct one of them")
        if day in seen:
            yield (f"workdays[{k}]", day.isoformat(), "is listed twice", "list it once")
        seen.add(day)


@attrs.frozen(kw_only=True)
class HolidayNotice:
    """One year's holiday notice of the State Council (国务院办公厅关于…部分节假日安排的通知).

    Attributes:
        year: The year the notice is for.
        holidays: The holidays (放假), each a `Holiday` (name, first day, last day), sorted
            by first day; tuples of three are accepted. Known English names become Chinese.
        workdays: The make-up working days (调休上班), sorted; all fall on weekends.
        source: Where the dates come from, e.g. the notice's number ``国办发明电〔2023〕7号``.

    Raises `InvalidValueError` for the first problem found (see the module's docstring for
    what is checked); `from_file` reports every problem of a file at once.

    >>> import datetime as dt
    >>> notice = HolidayNotice(year=2024, source="国办发明电〔2023〕7号",
    ...     holidays=[("春节", dt.date(2024, 2, 10), dt.date(2024, 2, 17))],
    ...     workdays=[dt.date(2024, 2, 4), dt.date(2024, 2, 18)])
    >>> notice.holidays[0].english
    'Spring Festival'
    """

    year: int
    holidays: tuple[Holiday, ...] = attrs.field(converter=_holidays)
    workdays: tuple[dt.date, ...] = attrs.field(converter=_workdays)
    source: str

    def __attrs_post_init__(self) -> None:
        record = f"HolidayNotice(year={self.year!r})"
        object.__setattr__(self, "source", f.text(self.source, record, "source"))
        for field, value, problem, fix in notice_problems(self.year, self.holidays,
                                                          self.workdays):
            raise InvalidValueError(record, field, value, problem, fix)
        object.__setattr__(self, "holidays", tuple(sorted(self.holidays,
                                                             key=lambda h: (h.first, h.last))))
        object.__setattr__(self, "workdays", tuple(sorted(self.workdays)))

    @property
    def days_off(self) -> dict[dt.date, str]:
        """Every day off the notice lists, with its holiday's name."""
        return {day: h.name for h in self.holidays for day in h.days}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "notice") -> HolidayNotice:
        """A notice from plain data (English or Chinese keys, dates as dates or ISO text).

        Raises `FileFormatError` (named ``source``) listing every problem at once.
        """
        problems: list[tuple[int, str, str]] = []

        def note(field: str, value: object, problem: str, fix: str) -> None:
            problems.append((0, field, f"{value!r}: {problem}. Fix: {fix}"))

        def attempt(build: Any, *args: Any) -> Any:
            try:
                return build(*args)
            except InvalidValueError as exc:
                inner = exc.record in ("HolidayNotice", "notice") or exc.record.startswith(
                    "HolidayNotice(")
                field = exc.field if inner else ".".join(p for p in (exc.record, exc.field)
                                                         if p)
                note(field, exc.value, exc.problem, exc.fix)
                return None

        def translate(table: object, keys: dict[str, str], where: str) -> dict[str, Any] | None:
            """``table`` with English keys; each unknown or doubled key noted, the rest kept."""
            if not isinstance(table, Mapping):
                attempt(_english, table, keys, where)  # notes that it is not a table
                return None
            out: dict[str, Any] = {}
            for key, value in table.items():
                one = attempt(_english, {key: value}, keys, where) or {}
                for name in one:
                    if name in out:
                        note(key if where == "notice" else f"{where}.{key}", value,
                             f"gives {name!r} twice",
                             "give each field once, in English or in Chinese")
                    out[name] = value
            return out

        fields = translate(data, NOTICE_KEYS, "notice") or {}
        given = fields.pop("format", FORMAT)
        if given != FORMAT:
            note("format", given, "is not a holiday notice", f"set format = {FORMAT!r}")
        for key in ("year", "source", "holidays"):
            if key not in fields:
                note(key, None, "is missing", f"give the notice's {key} "
                     f"({NOTICE_KEYS[key]})")
        holidays = fields.get("holidays", [])
        if not isinstance(holidays, list):
            note("holidays", holidays, "is not a list of holiday tables",
                 "write one [[holidays]] table per holiday (a JSON list of objects)")
            holidays = []
        converted: list[Holiday] = []
        for k, row in enumerate(holidays):
            fields_of = translate(row, HOLIDAY_KEYS, f"holidays[{k}]")
            if fields_of is None:
                continue
            missing = [key for key in HOLIDAY_KEYS if key not in fields_of]
            for key in missing:
                note(f"holidays[{k}].{key}", None, "is missing",
                     f"give the holiday's {key} ({HOLIDAY_KEYS[key]})")
            if not missing:
                held = attempt(_holiday, tuple(fields_of[key] for key in HOLIDAY_KEYS),
                               "HolidayNotice", f"holidays[{k}]")
                converted += [held] if held is not None else []
        workdays = fields.get("workdays", [])
        if not isinstance(workdays, list):
            note("workdays", workdays, "is not a list of dates",
                 "write workdays = [2024-02-04, 2024-02-18] (a JSON list of \"YYYY-MM-DD\")")
            workdays = []
        days = [attempt(lambda d, k: f.date(d, "HolidayNotice", f"workdays[{k}]",
                                            required=True), d, k) for k, d in enumerate(workdays)]
        if "source" in fields:
            attempt(f.text, fields["source"], "HolidayNotice", "source")
        if not problems:
            for problem in notice_problems(fields["year"], tuple(converted), tuple(days)):
                note(*problem)
        notice = None if problems else attempt(lambda: cls(
            year=fields["year"], holidays=converted, workdays=days, source=fields["source"]))
        if problems or not isinstance(notice, HolidayNotice):
            raise FileFormatError(source, problems, len(problems))
        return notice

    def to_dict(self, *, language: str = "en") -> dict[str, Any]:
        """Plain data for JSON (dates as ISO text); ``language="zh"`` writes Chinese keys."""
        data: dict[str, Any] = {
            "format": FORMAT, "year": self.year, "source": self.source,
            "holidays": [{"name": h.name, "first": h.first.isoformat(),
                          "last": h.last.isoformat()} for h in self.holidays],
            "workdays": [d.isoformat() for d in self.workdays],
        }
        if language == "en":
            return data
        if language != "zh":
            raise InvalidValueError("HolidayNotice.to_dict", "language", language,
                                    "is not supported", "use 'en' or 'zh'")
        out = {NOTICE_KEYS[k]: v for k, v in data.items()}
        out["放假"] = [{HOLIDAY_KEYS[k]: v for k, v in h.items()} for h in data["holidays"]]
        return out

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> HolidayNotice:
        """Read a notice from ``.toml`` or ``.json`` (UTF-8), validating everything.

        Raises `FileFormatError` naming the file and every bad field, value and fix.
        """
        where = Path(path)
        try:
            text = where.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise FileFormatError(str(path), [(0, "", f"cannot be read: {exc}")], 1) from exc
        return notice_from_text(text, where.suffix, str(path))

    def to_file(self, path: str | os.PathLike[str], *, language: str = "en",
                overwrite: bool = True) -> None:
        """Write the notice as ``.toml`` (needs the ``toml`` extra) or ``.json``, chosen by
        the suffix, whole or not at all; ``overwrite=False`` refuses an existing file."""
        suffix = Path(path).suffix.lower()
        data = self.to_dict(language=language)
        if suffix == ".json":
            text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        elif suffix == ".toml":
            try:
                import tomli_w  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
            except ImportError:
                raise InvalidValueError("HolidayNotice.to_file", "path", str(path),
                                        "needs the TOML writer tomli-w",
                                        "pip install 'random-inspection[toml]', or write "
                                        ".json") from None
            text = tomli_w.dumps(_dates_for_toml(data))
        else:
            raise InvalidValueError("HolidayNotice.to_file", "path", str(path),
                                    "has no .toml or .json suffix",
                                    f"name the file {self.year}.toml or {self.year}.json")
        write_atomic(path, text.encode("utf-8"), overwrite=overwrite)


def _dates_for_toml(data: Any) -> Any:
    """``data`` with ISO date text as dates, so TOML writes dates (``2024-02-10``)."""
    if isinstance(data, dict):
        return {k: _dates_for_toml(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates_for_toml(v) for v in data]
    if isinstance(data, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", data):
        return dt.date.fromisoformat(data)
    return data


def notice_from_text(text: str, suffix: str, where: str) -> HolidayNotice:
    """Parse a notice file's text (``suffix`` ``.toml`` or ``.json``); errors name ``where``."""
    try:
        if suffix.lower() == ".toml":
            data: object = tomllib.loads(text)
        elif suffix.lower() == ".json":
            data = json.loads(text)
        else:
            raise FileFormatError(where, [(0, "", "has no .toml or .json suffix; rename it "
                                           "(e.g. 2027.toml)")], 1)
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(where, [(0, "", f"not valid TOML: {exc}")], 1) from exc
    except json.JSONDecodeError as exc:
        raise FileFormatError(where, [(exc.lineno, "", f"not valid JSON: {exc.msg}")],
                              1) from exc
    if not isinstance(data, Mapping):
        raise FileFormatError(where, [(0, "", "is not a table of fields (a JSON object)")], 1)
    return HolidayNotice.from_dict(data, source=where)
