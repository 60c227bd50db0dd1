"""The official calendar of working days: the bundled notices checked by hand and against the
``chinese_calendar`` package, notice files and their errors, unknown years, and the counting
rules as properties."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_inspection import FileFormatError, InvalidTypeError, InvalidValueError
from random_inspection.results import (
    ABNORMAL_LIST_WORKING_DAYS,
    RESULTS_PUBLICATION_WORKING_DAYS,
    Holiday,
    HolidayNotice,
    OfficialCalendar,
    UnknownCalendarYearError,
)
from random_inspection.results._calendar import package_notices

ROOT = Path(__file__).parent.parent
BUNDLED = OfficialCalendar.bundled()
D = dt.date


def _days(text: str) -> list[dt.date]:
    """'2024-02-03..2024-02-19' → every day of the span."""
    first, last = (D.fromisoformat(p) for p in text.split(".."))
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


def _chinese_calendar() -> ModuleType:
    """The chinese_calendar package; skipped without it unless
    RANDOM_INSPECTION_REQUIRE_CALENDAR=1, which makes its absence a failure."""
    try:
        import chinese_calendar  # noqa: PLC0415
    except ImportError:
        if os.environ.get("RANDOM_INSPECTION_REQUIRE_CALENDAR") == "1":
            pytest.fail("chinese_calendar is not installed and "
                        "RANDOM_INSPECTION_REQUIRE_CALENDAR=1")
        pytest.skip("chinese_calendar is not installed (extra 'calendar')")
    return chinese_calendar


# -- the bundled notices, checked by hand --------------------------------------------------

# Each span around 春节 and 国庆节, with the days that are working days; every other day of
# the span is a day off. Read off the notices: weekends are days off unless listed here.
WEEKS = {
    # 2024 春节 2/10 (Sat)–2/17 (Sat); 2/4 (Sun) and 2/18 (Sun) worked; 除夕 2/9 is worked.
    "2024-02-03..2024-02-25": ["2024-02-04", "2024-02-05", "2024-02-06", "2024-02-07",
                               "2024-02-08", "2024-02-09", "2024-02-18", "2024-02-19",
                               "2024-02-20", "2024-02-21", "2024-02-22", "2024-02-23"],
    # 2024 中秋节 9/15–9/17 (9/14 Sat worked), 国庆节 10/1 (Tue)–10/7; 9/29 (Sun), 10/12 (Sat).
    "2024-09-13..2024-10-13": ["2024-09-13", "2024-09-14", "2024-09-18", "2024-09-19",
                               "2024-09-20", "2024-09-23", "2024-09-24", "2024-09-25",
                               "2024-09-26", "2024-09-27", "2024-09-29", "2024-09-30",
                               "2024-10-08", "2024-10-09", "2024-10-10", "2024-10-11",
                               "2024-10-12"],
    # 2025 春节 1/28 (Tue)–2/4 (Tue); 1/26 (Sun) and 2/8 (Sat) worked.
    "2025-01-24..2025-02-09": ["2025-01-24", "2025-01-26", "2025-01-27", "2025-02-05",
                               "2025-02-06", "2025-02-07", "2025-02-08"],
    # 2025 国庆节、中秋节 10/1 (Wed)–10/8 (Wed); 9/28 (Sun) and 10/11 (Sat) worked.
    "2025-09-26..2025-10-12": ["2025-09-26", "2025-09-28", "2025-09-29", "2025-09-30",
                               "2025-10-09", "2025-10-10", "2025-10-11"],
    # 2026 春节 2/15 (Sun)–2/23 (Mon); 2/14 (Sat) and 2/28 (Sat) worked.
    "2026-02-13..2026-03-01": ["2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25",
                               "2026-02-26", "2026-02-27", "2026-02-28"],
    # 2026 中秋节 9/25 (Fri)–9/27; 国庆节 10/1 (Thu)–10/7 (Wed); 9/20 (Sun), 10/10 (Sat) worked.
    "2026-09-18..2026-10-11": ["2026-09-18", "2026-09-20", "2026-09-21", "2026-09-22",
                               "2026-09-23", "2026-09-24", "2026-09-28", "2026-09-29",
                               "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"],
}


@pytest.mark.parametrize("span", list(WEEKS))
def test_holiday_weeks_day_by_day(span: str) -> None:
    """Every day around 春节 and 国庆节 of 2024–2026 has the status the notice gives it."""
    working = {D.fromisoformat(d) for d in WEEKS[span]}
    assert working <= set(_days(span))
    got = {day: BUNDLED.is_working_day(day) for day in _days(span)}
    assert got == {day: day in working for day in _days(span)}


# start (a check), n, the n-th working day after it: counted by hand on the tables above.
DEADLINES = [
    ("2024-02-09", 1, "2024-02-18"),    # Friday before 春节 → the make-up Sunday
    ("2024-02-09", 10, "2024-02-29"),
    ("2024-02-09", 20, "2024-03-14"),
    ("2024-09-27", 1, "2024-09-29"),
    ("2024-09-27", 7, "2024-10-12"),    # the make-up Saturday after 国庆节
    ("2024-09-27", 10, "2024-10-16"),
    ("2024-09-27", 20, "2024-10-30"),
    ("2024-12-20", 20, "2025-01-20"),   # across the year and 元旦 2025 (Wed, 1 day)
    ("2025-01-24", 1, "2025-01-26"),
    ("2025-01-24", 3, "2025-02-05"),
    ("2025-01-24", 20, "2025-02-27"),
    ("2025-09-26", 6, "2025-10-11"),
    ("2025-09-26", 10, "2025-10-16"),
    ("2025-09-26", 20, "2025-10-30"),
    ("2026-02-13", 1, "2026-02-14"),
    ("2026-02-13", 6, "2026-02-28"),
    ("2026-02-13", 20, "2026-03-19"),
    ("2026-09-18", 6, "2026-09-28"),    # 中秋节 9/25–27 skipped
    ("2026-09-18", 10, "2026-10-09"),
    ("2026-09-18", 20, "2026-10-22"),
]


@pytest.mark.parametrize(("start", "n", "due"), DEADLINES)
def test_working_days_counted_by_hand(start: str, n: int, due: str) -> None:
    """add_working_days, due_date and working_days_between agree with hand counts."""
    begin, end = D.fromisoformat(start), D.fromisoformat(due)
    assert BUNDLED.add_working_days(begin, n) == end
    assert BUNDLED.due_date(begin, n) == end
    assert BUNDLED.working_days_between(begin, end) == n
    assert BUNDLED.working_days_between(end, begin) == -n
    assert BUNDLED.working_days_between(begin, end - dt.timedelta(days=1)) == n - 1


def test_the_regime_deadlines() -> None:
    """20 working days to publish results, 10 to list an unreachable target."""
    assert RESULTS_PUBLICATION_WORKING_DAYS == 20
    assert ABNORMAL_LIST_WORKING_DAYS == 10
    checked = D(2025, 9, 26)
    assert BUNDLED.due_date(checked, RESULTS_PUBLICATION_WORKING_DAYS) == D(2025, 10, 30)
    assert BUNDLED.due_date(checked, ABNORMAL_LIST_WORKING_DAYS) == D(2025, 10, 16)


def test_bundled_notices_name_their_sources_and_holidays() -> None:
    """2024–2026 are bundled, each with its notice number; names in both languages."""
    assert BUNDLED.years == (2024, 2025, 2026)
    assert [n.source for n in BUNDLED.notices] == [
        "国办发明电〔2023〕7号", "国办发明电〔2024〕12号", "国办发明电〔2025〕7号"]
    national = BUNDLED.notice(2025).holidays[-1]
    assert national == Holiday("国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8))
    assert national.english == "National Day, Mid-autumn Festival"
    assert len(national.days) == 8
    assert BUNDLED.holiday(D(2024, 2, 12)) == "春节"
    assert BUNDLED.holiday(D(2024, 2, 9)) is None       # 除夕 2024 is a working day
    assert BUNDLED.holiday(D(2024, 3, 2)) is None       # a plain Saturday
    assert [len(n.workdays) for n in BUNDLED.notices] == [8, 5, 6]
    assert [sum(len(h.days) for h in n.holidays) for n in BUNDLED.notices] == [28, 28, 33]


# -- the bundled notices against the chinese_calendar package ------------------------------


def test_bundled_notices_agree_with_chinese_calendar_every_day() -> None:
    """Every day of 2024–2026 the bundled calendar answers for has the package's status, and
    every holiday weekday the package's holiday; from 25 December 2026 the 2027 notice is
    needed (the package answers there without one)."""
    cc = _chinese_calendar()
    checked = 0
    for day in _days("2024-01-01..2026-12-31"):
        if (day.month, day.day) >= (12, 25) and day.year == 2026:
            with pytest.raises(UnknownCalendarYearError):
                BUNDLED.is_working_day(day)
            continue
        assert BUNDLED.is_working_day(day) == cc.is_workday(day), day
        on_holiday, name = cc.get_holiday_detail(day)
        if on_holiday and name and day.weekday() < 5:
            ours = BUNDLED.holiday(day)
            assert ours is not None, day
            assert name in Holiday(ours, day, day).english, day
        checked += 1
    assert checked == 366 + 365 + 365 - 7


def test_default_calendar_adds_the_package_years() -> None:
    """default() knows the package's years (none left out as invalid) and keeps the bundled
    notices (with their notice numbers) for 2024–2026; the package knows 2026."""
    cc = _chinese_calendar()
    last = max(cc.holidays).year
    assert last >= 2026
    calendar = OfficialCalendar.default()
    assert calendar.years == tuple(range(2004, last + 1))
    assert [n.year for n in package_notices()] == list(range(2004, last + 1))
    assert calendar.notice(2024).source == "国办发明电〔2023〕7号"
    assert calendar.notice(2019).source.startswith("chinese_calendar")
    # the 2019 notice starts 元旦 in December 2018, with a make-up Saturday before it
    assert calendar.notice(2019).holidays[0] == Holiday("元旦", D(2018, 12, 30), D(2019, 1, 1))
    assert calendar.is_working_day(D(2018, 12, 29))
    assert not calendar.is_working_day(D(2018, 12, 31))
    for day in _days("2004-01-01..2023-12-31"):
        assert calendar.is_working_day(day) == cc.is_workday(day), day


# -- unknown years and loading notices -----------------------------------------------------


def test_unknown_year_names_the_year_and_the_fix() -> None:
    """A day outside the known years raises the specific error; never a guess."""
    with pytest.raises(UnknownCalendarYearError) as caught:
        BUNDLED.is_working_day(D(2023, 6, 1))
    error = caught.value
    assert isinstance(error, InvalidValueError)
    assert isinstance(error, ValueError)
    assert (error.year, error.day, error.known) == (2023, D(2023, 6, 1), (2024, 2025, 2026))
    assert "with_notice(HolidayNotice.from_file('2023.toml'))" in str(error)
    assert "2024–2026" in str(error)
    assert not BUNDLED.covers(D(2023, 6, 1))
    assert BUNDLED.covers(D(2026, 12, 24))
    with pytest.raises(UnknownCalendarYearError, match="2023"):
        BUNDLED.notice(2023)


def test_late_december_needs_the_next_years_notice() -> None:
    """From 25 December the next notice may decide (元旦 days off or a make-up day)."""
    assert BUNDLED.is_working_day(D(2026, 12, 24))
    with pytest.raises(UnknownCalendarYearError) as caught:
        BUNDLED.is_working_day(D(2026, 12, 28))
    assert caught.value.year == 2027
    assert "25 December" in str(caught.value)
    with pytest.raises(UnknownCalendarYearError) as counting:
        BUNDLED.due_date(D(2026, 12, 10), 20)
    assert counting.value.year == 2027


def _notice_2027() -> HolidayNotice:
    """A made-up 2027 notice, for tests only (the real one is not published yet)."""
    return HolidayNotice(year=2027, source="test data, not a notice",
                         holidays=[("元旦", D(2027, 1, 1), D(2027, 1, 3))],
                         workdays=[D(2027, 1, 9)])


def test_loading_a_notice_file_adds_the_year(tmp_path: Path) -> None:
    """with_notice(from_file(...)) adds the year, leaves the original calendar alone, and
    lets counting cross into it; loading it again replaces it."""
    path = tmp_path / "2027.json"
    _notice_2027().to_file(path)
    calendar = BUNDLED.with_notice(HolidayNotice.from_file(path))
    assert calendar.years == (2024, 2025, 2026, 2027)
    assert BUNDLED.years == (2024, 2025, 2026)
    assert calendar.is_working_day(D(2026, 12, 31))
    assert not calendar.is_working_day(D(2027, 1, 1))
    assert calendar.is_working_day(D(2027, 1, 9))            # the made-up Saturday
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    replaced = calendar.with_notice(HolidayNotice(year=2027, source="other", holidays=[],
                                                  workdays=[]))
    assert replaced.is_working_day(D(2027, 1, 1))
    assert replaced.years == calendar.years


def test_calendar_refuses_clashing_notices() -> None:
    """Two notices for one year, or two notices giving one day, are refused."""
    with pytest.raises(InvalidValueError, match="two notices"):
        OfficialCalendar([BUNDLED.notice(2024), BUNDLED.notice(2024)])
    clash = HolidayNotice(year=2027, source="t", holidays=[("元旦", D(2026, 12, 26),
                                                             D(2027, 1, 1))], workdays=[])
    other = HolidayNotice(year=2026, source="t", holidays=[], workdays=[D(2026, 12, 26)])
    with pytest.raises(InvalidValueError, match="2026-12-26"):
        OfficialCalendar([other, clash])
    with pytest.raises(InvalidTypeError):
        OfficialCalendar(["2024.toml"])  # type: ignore[list-item]


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: BUNDLED.is_working_day(dt.datetime(2024, 2, 9, 12)), "day"),
    (lambda: BUNDLED.is_working_day("2024-02-09"), "day"),
    (lambda: BUNDLED.add_working_days(D(2024, 2, 9), 2.0), "n"),
    (lambda: BUNDLED.add_working_days(D(2024, 2, 9), True), "n"),
    (lambda: BUNDLED.due_date(D(2024, 2, 9), "20"), "working_days"),
    (lambda: BUNDLED.working_days_between(D(2024, 2, 9), "2024-03-01"), "b"),
    (lambda: BUNDLED.with_notice({"year": 2027}), "notice"),
])
def test_wrong_argument_types(call: Any, argument: str) -> None:
    """A datetime, text or float where a date or count belongs raises InvalidTypeError."""
    with pytest.raises(InvalidTypeError) as caught:
        call()
    assert caught.value.argument == argument


def test_counts_must_be_positive() -> None:
    """Zero or negative working days are refused (start itself is never counted)."""
    for n in (0, -3):
        with pytest.raises(InvalidValueError, match="positive"):
            BUNDLED.add_working_days(D(2024, 2, 9), n)
    assert BUNDLED.working_days_between(D(2024, 2, 9), D(2024, 2, 9)) == 0


# -- notice files --------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "language"), [(".toml", "en"), (".toml", "zh"),
                                                  (".json", "en"), (".json", "zh")])
def test_notice_files_round_trip(tmp_path: Path, suffix: str, language: str) -> None:
    """Every bundled notice reads back equal from TOML and JSON, English or Chinese keys."""
    for notice in BUNDLED.notices:
        path = tmp_path / f"{notice.year}-{language}{suffix}"
        notice.to_file(path, language=language)
        assert HolidayNotice.from_file(path) == notice
        text = path.read_text(encoding="utf-8")
        assert ("调休上班" in text) == (language == "zh")
    if suffix == ".toml":  # TOML dates, not text
        assert re.search(r"2026-02-14[,\s\]]", text)


def test_notice_file_refuses_to_overwrite_and_checks_the_suffix(tmp_path: Path) -> None:
    """overwrite=False keeps an existing file; a suffix other than .toml/.json is refused."""
    path = tmp_path / "2024.toml"
    path.write_text("keep", encoding="utf-8")
    with pytest.raises(FileExistsError):
        BUNDLED.notice(2024).to_file(path, overwrite=False)
    assert path.read_text(encoding="utf-8") == "keep"
    with pytest.raises(InvalidValueError, match=r"\.toml or \.json"):
        BUNDLED.notice(2024).to_file(tmp_path / "2024.txt")
    (tmp_path / "2024.txt").write_text("{}", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"\.toml or \.json"):
        HolidayNotice.from_file(tmp_path / "2024.txt")


def test_chinese_keys_and_english_names_are_read() -> None:
    """A notice in Chinese keys, with English holiday names, reads as the bundled one."""
    data = {"年度": 2025, "来源": "国办发明电〔2024〕12号",
            "调休上班": ["2025-01-26", "2025/02/08", "2025-04-27", "2025-09-28", "2025-10-11"],
            "放假": [{"名称": n, "开始日期": a, "结束日期": b} for n, a, b in [
                ("New Year's Day", "2025-01-01", "2025-01-01"),
                ("Spring Festival", "2025-01-28", "2025-02-04"),
                ("Qingming Festival", "2025-04-04", "2025-04-06"),
                ("Labour Day", "2025-05-01", "2025-05-05"),
                ("端午", "2025-05-31", "2025-06-02"),
                ("National Day, Mid-Autumn Festival", "2025-10-01", "2025-10-08")]]}
    assert HolidayNotice.from_dict(data) == BUNDLED.notice(2025)


def _base() -> dict[str, Any]:
    return BUNDLED.notice(2024).to_dict()


def _with(**changes: Any) -> dict[str, Any]:
    data = _base()
    for key, value in changes.items():
        if re.fullmatch(r"h\d+_\w+", key):  # h<k>_<field>: a change to holiday k
            index, field = key[1:].split("_", 1)
            data["holidays"][int(index)][field] = value
        elif value is None:
            del data[key]
        else:
            data[key] = value
    return data


# (what is wrong, the file's content, the field named, words of the message)
BAD_FILES = [
    ("not a notice", _with(format="random-inspection/annual-plan"), "format", "not a holiday"),
    ("unknown key", _with(colour="red"), "colour", "not a known field"),
    ("key twice", _with(年度=2024), "年度", "gives 'year' twice"),
    ("missing year", _with(year=None), "year", "is missing"),
    ("year as text", _with(year="2024"), "year", "is not a year"),
    ("missing source", _with(source=None), "source", "is missing"),
    ("empty source", _with(source=" "), "source", "is empty"),
    ("holidays not a list", _with(holidays={"name": "春节"}), "holidays", "not a list"),
    ("unknown holiday key", {**_base(), "holidays": [{"name": "春节", "first": "2024-02-10",
                                                      "last": "2024-02-17", "days": 8}]},
     "holidays[0].days", "not a known field"),
    ("holiday missing a day", {**_base(), "holidays": [{"name": "春节", "first": "2024-02-10"}]},
     "holidays[0].last", "is missing"),
    ("impossible date", _with(h1_first="2024-02-30"), "holidays[1].first", "not a date"),
    ("date in another year", _with(h4_first="2025-06-10", h4_last="2025-06-10"),
     ("holidays[4].first", "holidays[4].last"), "not in 2024"),
    ("a holiday other than 元旦 in December before", _with(h0_name="春节",
                                                       h0_first="2023-12-31"),
     "holidays[0].first", "only 元旦"),
    ("元旦 too early in December", _with(h0_first="2023-12-20"), "holidays[0].first",
     "not in 2024"),
    ("last before first", _with(h6_last="2024-09-30"), "holidays[6].last", "before the first"),
    ("too long", _with(h4_last="2024-06-30"), "holidays[4].last", "21 days long"),
    ("overlapping holidays", _with(h2_first="2024-02-17", h2_last="2024-02-17"),
     "holidays[2]", "overlaps 春节"),
    ("make-up day on a weekday", _with(workdays=["2024-02-05"]), "workdays[0]", "is a Monday"),
    ("make-up day inside a holiday", _with(workdays=["2024-02-10"]), "workdays[0]",
     "also a day off of 春节"),
    ("make-up day twice", _with(workdays=["2024-02-04", "2024-02-04"]), "workdays[1]",
     "listed twice"),
    ("make-up day in the next year", _with(workdays=["2025-01-04"]), "workdays[0]",
     "not in 2024"),
    ("workdays not a list", _with(workdays="2024-02-04"), "workdays", "not a list"),
]


@pytest.mark.parametrize(("data", "field", "words"), [b[1:] for b in BAD_FILES],
                         ids=[b[0] for b in BAD_FILES])
def test_bad_notice_files_name_file_field_value_and_fix(tmp_path: Path, data: dict[str, Any],
                                                        field: str | tuple[str, ...],
                                                        words: str) -> None:
    """Each kind of mistake is refused with FileFormatError naming the file, the field, the
    value and a fix; nothing is loaded."""
    path = tmp_path / "2024.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FileFormatError) as caught:
        HolidayNotice.from_file(path)
    error = caught.value
    assert error.path == str(path)
    fields = [field] if isinstance(field, str) else list(field)
    assert [p[1] for p in error.problems] == fields, error
    for problem in error.problems:
        assert words in problem[2]
        assert "Fix:" in problem[2]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    """Several mistakes in one file are listed together, in field order."""
    path = tmp_path / "2024.toml"
    path.write_text('year = 2024\nsource = "x"\nworkdays = [2024-02-05, 2024-02-04, 2024-02-04]'
                    '\n\n[[holidays]]\nname = "春节"\nfirst = 2024-02-10\nlast = 2024-02-17\n\n'
                    '[[holidays]]\n"名称" = "劳动节"\n"开始日期" = 2024-02-15\n'
                    '"结束日期" = 2024-02-20\n', encoding="utf-8")
    with pytest.raises(FileFormatError) as caught:
        HolidayNotice.from_file(path)
    assert [p[1] for p in caught.value.problems] == ["holidays[1]", "workdays[0]",
                                                     "workdays[2]"]
    path.write_text("year = ", encoding="utf-8")
    with pytest.raises(FileFormatError, match="not valid TOML"):
        HolidayNotice.from_file(path)
    with pytest.raises(FileFormatError, match="cannot be read"):
        HolidayNotice.from_file(tmp_path / "missing.toml")


def test_real_new_year_quirks_are_accepted() -> None:
    """The 2019 and 2023 notices started 元旦 in the December before (2019 with a make-up
    Saturday there too); both are valid notices."""
    notice_2019 = HolidayNotice(year=2019, source="国办发明电〔2018〕15号",
                                holidays=[("元旦", D(2018, 12, 30), D(2019, 1, 1))],
                                workdays=[D(2018, 12, 29)])
    notice_2023 = HolidayNotice(year=2023, source="国办发明电〔2022〕16号",
                                holidays=[("元旦", D(2022, 12, 31), D(2023, 1, 2))], workdays=[])
    assert notice_2019.days_off[D(2018, 12, 31)] == "元旦"
    assert D(2022, 12, 31) in notice_2023.days_off
    with pytest.raises(InvalidValueError, match="only 元旦") as caught:
        HolidayNotice(year=2019, source="x", holidays=[("春节", D(2018, 12, 30),
                                                        D(2019, 1, 1))], workdays=[])
    assert caught.value.field == "holidays[0].first"


# -- properties ----------------------------------------------------------------------------

# Starts and counts that stay inside the bundled years (before 25 December 2026).
starts = st.dates(min_value=D(2023, 12, 31), max_value=D(2026, 7, 31))
counts = st.integers(min_value=1, max_value=40)


@given(starts, counts)
def test_add_working_days_is_a_later_working_day(day: dt.date, n: int) -> None:
    """The n-th working day after d is a working day, strictly after d, and d is not counted:
    exactly n working days lie in (d, result]."""
    due = BUNDLED.add_working_days(day, n)
    assert due > day
    assert BUNDLED.is_working_day(due)
    assert BUNDLED.working_days_between(day, due) == n
    assert BUNDLED.working_days_between(due, day) == -n


@given(starts, counts, counts)
def test_add_working_days_is_monotone_and_additive(day: dt.date, m: int, n: int) -> None:
    """More working days never give an earlier day, and counting m then n is counting m+n."""
    assert BUNDLED.add_working_days(day, n) < BUNDLED.add_working_days(day, n + 1)
    assert BUNDLED.add_working_days(BUNDLED.add_working_days(day, m), n) == \
        BUNDLED.add_working_days(day, m + n)


@st.composite
def notices(draw: st.DrawFn) -> HolidayNotice:
    """A valid notice of some year: non-overlapping holidays of up to 14 days and make-up
    weekend days outside them."""
    year = draw(st.integers(min_value=1990, max_value=2100))
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=359), max_size=14)))
    holidays = [(draw(st.sampled_from(["元旦", "春节", "清明节", "国庆节、中秋节", "校庆"])),
                 D(year, 1, 1) + dt.timedelta(days=a),
                 D(year, 1, 1) + dt.timedelta(days=min(a + draw(st.integers(0, 13)), b - 1)))
                for a, b in zip(cuts[::2], [*cuts[1::2], 365], strict=False)]
    off = {h[1] + dt.timedelta(days=k) for h in holidays for k in range((h[2] - h[1]).days + 1)}
    weekend = [d for d in _days(f"{year}-01-01..{year}-12-31")
               if d.weekday() >= 5 and d not in off]
    workdays = draw(st.lists(st.sampled_from(weekend), unique=True, max_size=8))
    return HolidayNotice(year=year, source=f"test {year}", holidays=holidays, workdays=workdays)


@given(notices(), st.sampled_from(["en", "zh"]))
def test_generated_notices_round_trip(notice: HolidayNotice, language: str) -> None:
    """A notice reads back equal from its plain data, in either language."""
    data = json.loads(json.dumps(notice.to_dict(language=language), ensure_ascii=False))
    assert HolidayNotice.from_dict(data) == notice


@given(notices())
def test_working_day_is_the_notice_rule(notice: HolidayNotice) -> None:
    """A day is a working day exactly when it is a make-up day, or a Monday to Friday that is
    no holiday; days of other years are unknown."""
    calendar = OfficialCalendar([notice])
    for day in _days(f"{notice.year}-01-01..{notice.year}-12-24"):
        expected = day in notice.workdays or (day.weekday() < 5 and day not in notice.days_off)
        assert calendar.is_working_day(day) == expected
    with pytest.raises(UnknownCalendarYearError):
        calendar.is_working_day(D(notice.year + 1, 3, 1))


# -- the guide -----------------------------------------------------------------------------

GUIDE = (ROOT / "docs" / "calendar.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", GUIDE, re.DOTALL)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"python-{k}" for k in range(len(BLOCKS))])
def test_guide_examples_run(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each Python block of docs/calendar.md runs on its own."""
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "calendar.md", "exec"), {"__name__": "guide"})


def test_guide_file_example_is_a_valid_notice(tmp_path: Path) -> None:
    """The TOML example in docs/calendar.md reads as a notice; the guide has its examples."""
    assert len(BLOCKS) >= 2
    toml = re.findall(r"```toml\n(.*?)```", GUIDE, re.DOTALL)
    assert toml
    path = tmp_path / "example.toml"
    path.write_text(toml[0], encoding="utf-8")
    assert HolidayNotice.from_file(path).year == 2024
