"""The pyarrow and standard-library CSV engines: the same directory, the same errors (file,
line, field, message) and the same written bytes, on a corpus of good and bad files."""

from __future__ import annotations

import codecs
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_inspection import FileFormatError, InvalidValueError, TargetDirectory
from random_inspection.demo import DemoCity
from random_inspection.registry import _files
from random_inspection.strategies import target_directories

pytest.importorskip("pyarrow")

EN = "id,name,entity_type,region,industry,registering_office,supervising_office,risk_class," \
     "tags,last_check_date\n"
ZH = "统一社会信用代码,主体名称,主体类型,行政区划代码,信用风险分类,上次检查日期\n"
A = "91140921MA0L2B3C46"
B = "91110000600037341L"
GOOD_ZH = [f"{A},甲有限公司,企业,140921,A,2023-05-06\n", f"{B},乙公司,enterprise,140922,B,\n"]
GOOD_EN = [f"{A},甲有限公司,enterprise,140921,C13,定襄县局,,A,食品经营;重点,2023-05-06\n",
           f"{B},乙公司,enterprise,140922,,,,U,,\n"]


def _zh(*rows: str) -> bytes:
    return (ZH + "".join(rows)).encode()


CORPUS: dict[str, bytes] = {
    "english": (EN + "".join(GOOD_EN)).encode(),
    "chinese": _zh(*GOOD_ZH),
    "utf-8 BOM": codecs.BOM_UTF8 + _zh(*GOOD_ZH),
    "utf-16 BOM": (ZH + "".join(GOOD_ZH)).encode("utf-16"),
    "gb18030": (ZH + "".join(GOOD_ZH)).encode("gb18030"),
    "gb18030 bad class": (ZH + GOOD_ZH[0] + f"{B},乙公司,企业,140921,E,\n").encode("gb18030"),
    "undecodable": ZH.encode() + b"\x80\x80\xff\xff\n",
    "empty": b"",
    "only a BOM": codecs.BOM_UTF8,
    "header only": ZH.encode(),
    "header only, no line break": ZH.rstrip("\n").encode(),
    "header-less": "".join(GOOD_ZH).encode(),
    "CRLF": _zh(*GOOD_ZH).replace(b"\n", b"\r\n"),
    "CRLF bad date": _zh(GOOD_ZH[0], f"{B},乙,企业,140921,A,2023-13-01\n").replace(b"\n", b"\r\n"),
    "CR only": _zh(*GOOD_ZH).replace(b"\n", b"\r"),
    "no final line break": _zh(*GOOD_ZH).rstrip(b"\n"),
    "empty lines": _zh("\n", GOOD_ZH[0], "\n\n", GOOD_ZH[1], "\n"),
    "empty lines, then a bad id": _zh("\n", GOOD_ZH[0], "\n", f"{A[:-1]}7,乙,企业,140921,A,\n"),
    "blank cells row": _zh(GOOD_ZH[0], ",,,,,\n", GOOD_ZH[1]),
    "blank cells row, then a bad class": _zh(",,,,,\n", GOOD_ZH[0], f"{B},乙,企业,140921,E,\n"),
    "spaces row": _zh(GOOD_ZH[0], "   \n", GOOD_ZH[1]),
    "quoted name with comma and quotes": _zh(f'{A},"甲,""乙""公司",企业,140921,A,\n'),
    "every cell quoted": _zh(f'"{A}","甲公司","企业","140921","A",""\n'),
    "quoted header": ('"统一社会信用代码","主体名称","主体类型","行政区划代码"\n'
                      f"{A},甲,企业,140921\n").encode(),
    "embedded newline in a quoted name": _zh(GOOD_ZH[0], f'{B},"乙\n公司",企业,140921,A,\n'),
    "embedded newline, good": _zh(f'{A},"甲公司",企业,140921,A,"2023-05-06"\n', GOOD_ZH[1]),
    "stray quote, unclosed": _zh(GOOD_ZH[0], f'{B},"乙公司,企业,140921,A,\n', GOOD_ZH[1]),
    "stray quote, closed later": _zh(f'{A},甲,"企业,140921,A,\n', f'{B},乙",企业,140921,A,\n'),
    "text after a closing quote": _zh(f'{A},"甲"公司,企业,140921,A,\n'),
    "quote inside an unquoted cell": _zh(f'{A},甲"乙"公司,企业,140921,A,\n'),
    "too few cells": _zh(GOOD_ZH[0], f"{B},乙,企业\n"),
    "too many cells": _zh(GOOD_ZH[0], f"{B},乙,企业,140921,A,,extra\n"),
    "bad check digit": _zh(GOOD_ZH[0], f"{A[:-1]}7,乙,企业,140921,A,\n"),
    "bad id": _zh(GOOD_ZH[0], "not an id!,乙,企业,140921,A,\n"),
    "lower-case and full-width ids": _zh(f"{A.lower()},甲,企业,140921,A,\n",
                                         f" {B[:5]}Ｌ{B[6:]} ,乙,企业,140921,A,\n"),
    "duplicate ids": _zh(GOOD_ZH[0], GOOD_ZH[1], GOOD_ZH[0]),
    "bad classes and dates": _zh(f"{A},甲,企业,140921,E,\n", f"{B},乙,企业,140921,B,2023-13-01\n"),
    "bad entity type and region": _zh(f"{A},甲,公司,999999,A,\n", f"{B},乙,企业,14092,A,\n"),
    "empty name": _zh(f"{A},,企业,140921,A,\n"),
    "NUL in a name": _zh(f"{A},甲\x00乙,企业,140921,A,\n"),
    "names to trim": _zh(f"{A}, 甲公司\u3000,企业,140921,A,\n",
                         f"{B},\u00a0乙\u2028,企业,140921,A,\n"),
    "names not NFC": _zh(f"{A},Cafe\u0301,企业,140921,A,\n", f"{B},\u0301乙,企业,140921,A,\n"),
    "names across NFC": _zh(f"{A},甲e,企业,140921,A,\n", f"{B},\u0301乙,企业,140921,A,\n"),
    "names with space-like edges": _zh(f"{A},\u2014甲\u300c,企业,140921,A,\n",
                                       f"{B},\u00e9乙\u1681,企业,140921,A,\n"),
    "names with a tab": _zh(f"{A},\t甲,企业,140921,A,\n", f"{B},乙\t公司\x7f,企业,140921,A,\n"),
    "names at the length limit": _zh(f"{A},{'甲' * 200},企业,140921,A,\n",
                                     f"{B},{'é' * 201},企业,140921,A,\n"),
    "a blank row and names to trim": _zh(f"{A}, 甲,企业,140921,A,\n", ",,,,,\n", GOOD_ZH[1]),
    "over a thousand problems": _zh(*(f"{A},甲,企业,{140900 + k % 7},{'ABCEFGH'[k % 7]},\n"
                                      for k in range(3000))),
    "overlong cell": _zh(f"{A},{'甲' * 140_000},企业,140921,A,\n"),
    "tab-separated": ZH.replace(",", "\t").encode()
    + "".join(GOOD_ZH).replace(",", "\t").encode(),
    "unknown column": ("统一社会信用代码,主体名称,主体类型,行政区划代码,法定代表人\n"
                       f"{A},甲,企业,140921,张三\n").encode(),
    "missing columns": "主体名称,主体类型\n甲,企业\n".encode(),
    "repeated column": f"id,name,entity_type,region,uscc\n{A},甲,企业,140921,{A}\n".encode(),
}


def _outcome(path: Path, engine: str, **options: object) -> tuple[str, object]:
    """The directory's digest, or the error's type and message."""
    try:
        directory = TargetDirectory.from_csv(path, engine=engine, **options)  # type: ignore[arg-type]
    except (FileFormatError, InvalidValueError) as error:
        problems = getattr(error, "problems", None)
        return type(error).__name__, (str(error), problems)
    return "directory", directory.digest


@pytest.mark.parametrize("name", list(CORPUS))
def test_engines_agree_on_the_corpus(name: str, tmp_path: Path) -> None:
    """Each file of the corpus gives the same directory, or the same error, on both engines
    (and with each way of naming the encoding and the unknown columns)."""
    path = tmp_path / "targets.csv"
    path.write_bytes(CORPUS[name])
    for options in ({}, {"unknown_columns": "ignore"}, {"encoding": "utf-8"},
                    {"encoding": "utf-8-sig"}, {"encoding": "gb18030"}, {"encoding": "latin-1"}):
        python = _outcome(path, "python", **options)
        assert _outcome(path, "pyarrow", **options) == python, options


def test_corpus_outcomes_are_the_expected_ones(tmp_path: Path) -> None:
    """The corpus exercises both outcomes: good files load, bad files fail on the line
    where the bad record starts."""
    expected = {"english": 2, "chinese": 2, "utf-8 BOM": 2, "gb18030": 2, "CRLF": 2,
                "CR only": 2, "empty lines": 2, "blank cells row": 2, "tab-separated": 2,
                "quoted name with comma and quotes": 1, "header only": 0,
                "every cell quoted": 1, "quote inside an unquoted cell": 1}
    lines = {"bad check digit": [3], "CRLF bad date": [3], "duplicate ids": [2, 4],
             "empty lines, then a bad id": [5], "embedded newline in a quoted name": [3],
             "blank cells row, then a bad class": [4], "too few cells": [3],
             "stray quote, unclosed": [3], "utf-16 BOM": [1], "gb18030 bad class": [3]}
    for name, count in expected.items():
        path = tmp_path / f"{len(expected)}.csv"
        path.write_bytes(CORPUS[name])
        assert len(TargetDirectory.from_csv(path, engine="pyarrow")) == count, name
    for name, where in lines.items():
        path = tmp_path / "bad.csv"
        path.write_bytes(CORPUS[name])
        with pytest.raises(FileFormatError) as info:
            TargetDirectory.from_csv(path, engine="pyarrow")
        assert [line for line, _, _ in info.value.problems] == where, name


def test_simple_files_are_placed_without_the_standard_path(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    """A bad value in a file of one record per line is placed by the pyarrow engine itself
    (the standard path is never called), on its physical line."""
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the standard path was used")

    path = tmp_path / "bad.csv"
    path.write_bytes(CORPUS["bad classes and dates"])
    expected = _outcome(path, "python")
    monkeypatch.setattr(_files, "read_table", refuse)
    assert _outcome(path, "pyarrow") == expected
    assert expected[0] == "FileFormatError"


def test_engine_argument_is_checked(tmp_path: Path) -> None:
    """An unknown engine is refused, naming the choices."""
    path = tmp_path / "t.csv"
    path.write_bytes(CORPUS["chinese"])
    with pytest.raises(InvalidValueError, match="'auto', 'pyarrow' or 'python'"):
        TargetDirectory.from_csv(path, engine="polars")
    with pytest.raises(InvalidValueError, match="engine"):
        TargetDirectory.from_csv(path).to_csv(tmp_path / "o.csv", engine="fast")


@st.composite
def _damaged(draw: st.DrawFn) -> tuple[TargetDirectory, str, int, str]:
    directory = draw(target_directories(min_size=1, max_size=12))
    damage = draw(st.sampled_from(["quote", "comma", "newline", "empty line", "cell",
                                   "crlf", "nothing"]))
    return directory, damage, draw(st.integers(0, 10_000)), draw(
        st.sampled_from(["", "x", '"', "E", "2023-13-01", " ", "；", "\x00"]))


@given(_damaged())
def test_engines_agree_on_damaged_files(case: tuple[TargetDirectory, str, int, str]) -> None:
    """A generated file with one random damage (a stray quote or comma, a broken or empty
    line, a cell replaced, CRLF line ends) gives the same outcome on both engines."""
    directory, damage, at, text = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.csv"
        directory.to_csv(path, headers="chinese", engine="python")
        data = path.read_text(encoding="utf-8")
        lines = data.split("\n")
        row = 1 + at % (len(lines) - 2)
        cells = lines[row].split(",")
        cell = at % len(cells)
        if damage == "quote":
            cells[cell] = '"' + cells[cell]
        elif damage == "comma":
            cells[cell] += ","
        elif damage == "cell":
            cells[cell] = text
        lines[row] = ",".join(cells)
        if damage == "newline":
            lines[row] = lines[row][: at % 7] + "\n" + lines[row][at % 7:]
        elif damage == "empty line":
            lines.insert(row, "")
        data = "\n".join(lines)
        if damage == "crlf":
            data = data.replace("\n", "\r\n")
        path.write_text(data, encoding="utf-8", newline="")
        assert _outcome(path, "pyarrow") == _outcome(path, "python")


@given(target_directories(max_size=25), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
       st.sampled_from(["english", "chinese"]))
def test_writers_write_the_same_bytes(directory: TargetDirectory, encoding: str,
                                      headers: str) -> None:
    """Both engines write the same file, byte for byte, which each engine reads back as the
    same directory."""
    with tempfile.TemporaryDirectory() as folder:
        fast, slow = Path(folder) / "fast.csv", Path(folder) / "slow.csv"
        directory.to_csv(fast, encoding=encoding, headers=headers, engine="pyarrow")
        directory.to_csv(slow, encoding=encoding, headers=headers, engine="python")
        assert fast.read_bytes() == slow.read_bytes()
        for engine in ("pyarrow", "python"):
            assert TargetDirectory.from_csv(fast, engine=engine) == directory


def test_text_needing_quotes_is_written_alike(small_city: DemoCity, tmp_path: Path) -> None:
    """Names and offices with commas and quotes are quoted as csv.writer quotes them."""
    records = [t.to_dict() for t in small_city.targets.take(range(5))]
    for record, name in zip(records, ['甲,乙', '"甲"', '甲"乙', "甲", ',"'], strict=True):
        record["name"] = record["supervising_office"] = name
    from random_inspection import Target  # noqa: PLC0415

    directory = TargetDirectory.from_records([Target.from_dict(r) for r in records])
    directory.to_csv(tmp_path / "a.csv", engine="pyarrow")
    directory.to_csv(tmp_path / "b.csv", engine="python")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert '"甲,乙"'.encode() in (tmp_path / "a.csv").read_bytes()


def test_other_encodings_use_the_standard_writer(small_city: DemoCity, tmp_path: Path) -> None:
    """An encoding the pyarrow writer does not produce is written by the standard path, and
    an unknown one is refused the same way by both."""
    d = small_city.targets.take(range(3))
    d.to_csv(tmp_path / "a.csv", encoding="utf-16", engine="pyarrow")
    assert (tmp_path / "a.csv").read_bytes().startswith(codecs.BOM_UTF16)
    messages = []
    for engine in ("pyarrow", "python"):
        with pytest.raises(InvalidValueError) as info:
            d.to_csv(tmp_path / "b.csv", encoding="klingon", engine=engine)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_both_engines_report_reading_and_checking(small_city: DemoCity, tmp_path: Path) -> None:
    """Progress goes through the same two steps, each finished, on both engines."""
    path = tmp_path / "d.csv"
    small_city.targets.to_csv(path)
    stages: dict[str, list[tuple[str, int, int | None]]] = {}
    for engine in ("pyarrow", "python"):
        calls: list[tuple[str, int, int | None]] = []
        TargetDirectory.from_csv(path, engine=engine,
                                 progress=lambda *call, seen=calls: seen.append(call))
        stages[engine] = calls
    for calls in stages.values():
        assert calls[0][0] == "reading d.csv"
        assert calls[-1] == ("checking 3,000 targets", 0, None)
    assert {c[0] for c in stages["pyarrow"]} == {c[0] for c in stages["python"]}


def test_without_pyarrow_auto_uses_the_standard_path(small_city: DemoCity, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pyarrow, engine='auto' reads and writes with the standard library and
    engine='pyarrow' says how to install the extra."""
    path = tmp_path / "d.csv"
    d = small_city.targets.take(range(20))
    d.to_csv(path, engine="python")
    monkeypatch.setitem(sys.modules, "pyarrow.csv", None)  # import pyarrow.csv fails
    assert TargetDirectory.from_csv(path) == d
    d.to_csv(tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == path.read_bytes()
    with pytest.raises(ImportError, match=r"random-inspection\[arrow\]"):
        TargetDirectory.from_csv(path, engine="pyarrow")
