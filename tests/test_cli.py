"""The command line a tired clerk cannot hurt: every bad input of every command gets exit
status 2, one message naming the place and the fix, no traceback, and no change on disk."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from random_inspection import AuditRecord
from random_inspection.cli import main
from random_inspection.demo import DemoCity

SEED = "31415926535897932384"


class Files:
    """A folder of good and bad input files for the commands."""

    def __init__(self, root: Path, city: DemoCity) -> None:
        self.root = root
        city.targets.to_csv(root / "d.csv")
        city.inspectors.to_csv(root / "i.csv")
        city.check_items.to_csv(root / "items.csv")
        (root / "header-only.csv").write_text(
            "id,name,entity_type,region\n", encoding="utf-8")
        lines = (root / "d.csv").read_text(encoding="utf-8").splitlines()
        (root / "headerless.csv").write_text("\n".join(lines[1:40]) + "\n", encoding="utf-8")
        assert main(["draw", str(root / "d.csv"), "--preset", "henan-2021", "--seed", SEED,
                     "--purpose", "2024/cli/1", "--out", str(root / "drawn"), "--quiet"]) == 0
        text = (root / "drawn" / "record.json").read_text(encoding="utf-8")
        (root / "utf16.json").write_bytes(text.encode("utf-16"))
        from random_inspection.demo import demo_plan  # noqa: PLC0415
        from random_inspection.planning import write_plan  # noqa: PLC0415

        write_plan(demo_plan(), root / "plan.toml")

    def __call__(self, name: str) -> str:
        return str(self.root / name)

    def listing(self) -> dict[str, bytes]:
        """Every file under the folder with its bytes (to see that nothing changed)."""
        return {str(p.relative_to(self.root)): p.read_bytes()
                for p in sorted(self.root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, small_city: DemoCity) -> Files:
    """Input files shared by the table of bad inputs."""
    return Files(tmp_path_factory.mktemp("cli"), small_city)


def _draw(f: Files, *extra: str, directory: str = "d.csv", out: str | None = None
          ) -> list[str]:
    return ["draw", f(directory), "--seed", SEED, "--purpose", "2024/cli/x", "--out",
            out or f("new-draw"), *extra]


def _assign(f: Files, *extra: str) -> list[str]:
    return ["assign", f("drawn"), f("d.csv"), "--inspectors", f("i.csv"), "--out",
            f("new-teams"), *extra]


#: (name, arguments given the files, words the message must contain: place and fix).
BAD: list[tuple[str, Any, tuple[str, ...]]] = [
    ("verify a missing record", lambda f: ["verify", f("nope.json"), f("d.csv")],
     ("nope.json", "no such file")),
    ("verify a missing directory", lambda f: ["verify", f("drawn"), f("nope.csv")],
     ("nope.csv", "no such file")),
    ("assign without --inspectors", lambda f: ["assign", f("drawn"), f("d.csv"), "--out",
                                               f("new-teams"), "--check-date", "2024-06-03"],
     ("--inspectors", "required")),
    ("check date with slashes", lambda f: [*_assign(f), "--check-date", "2024/06/03"],
     ("--check-date", "2024-06-03")),
    ("check date that does not exist", lambda f: [*_assign(f), "--check-date", "2024-02-30"],
     ("--check-date", "YYYY-MM-DD")),
    ("exclusion date with slashes",
     lambda f: _draw(f, "--preset", "henan-2021", "--exclude-checked-since", "2024/01/01"),
     ("--exclude-checked-since", "2024-01-01")),
    ("preset and rates", lambda f: _draw(f, "--preset", "henan-2021", "--rates",
                                         "A=1/2,B=1/2,C=1/2,D=1/2"),
     ("--rates", "not allowed with", "--preset")),
    ("a class twice", lambda f: _draw(f, "--rates", "A=1/100,A=5/100,B=0,C=0,D=0"),
     ("--rates", "class A is given twice", "give each class once")),
    ("classes left out", lambda f: _draw(f, "--rates", "A=1/100,B=3/100"),
     ("--rates", "C, D have no rate", "C=0")),
    ("a rate above one", lambda f: _draw(f, "--rates", "A=150/100,B=0,C=0,D=0"),
     ("--rates", "150%", "at most 1")),
    ("a percentage without its sign", lambda f: _draw(f, "--rates", "A=3,B=0,C=0,D=0"),
     ("--rates", "did you mean '3%'")),
    ("no rates", _draw, ("one of the arguments --rates --preset is required",)),
    ("unclassified with rates", lambda f: _draw(f, "--rates", "A=0,B=0,C=0,D=1",
                                                "--unclassified", "1/100"),
     ("--unclassified", "U=")),
    ("a short seed", lambda f: ["draw", f("d.csv"), "--seed", "12345", "--purpose", "p",
                                "--preset", "henan-2021", "--out", f("new-draw")],
     ("--seed", "5 decimal digits", "roll more dice")),
    ("a seed checked before a bad file is read",
     lambda f: ["draw", f("utf16.json"), "--seed", "abc", "--purpose", "p", "--preset",
                "henan-2021", "--out", f("new-draw")],
     ("--seed",)),
    ("a purpose with a comma", lambda f: ["draw", f("d.csv"), "--seed", SEED, "--purpose",
                                          "2024,city", "--preset", "henan-2021", "--out",
                                          f("new-draw")],
     ("--purpose", "comma", "'/'")),
    ("a region that does not exist", lambda f: _draw(f, "--preset", "henan-2021", "--region",
                                                     "999999"),
     ("--region", "province part '99'")),
    ("an unknown preset", lambda f: _draw(f, "--preset", "henan-2099"),
     ("--preset", "invalid choice", "henan-2021")),
    ("a header-only directory", lambda f: _draw(f, "--preset", "henan-2021",
                                                directory="header-only.csv"),
     ("directory", "empty", "nothing to draw")),
    ("a directory without a header line", lambda f: _draw(f, "--preset", "henan-2021",
                                                          directory="headerless.csv"),
     ("headerless.csv", "line 1", "not a header", "add the header line")),
    ("an existing output folder", lambda f: ["draw", f("d.csv"), "--seed", SEED, "--purpose",
                                             "p", "--preset", "henan-2021", "--out",
                                             f("drawn")],
     ("drawn", "already exists", "--force")),
    ("--force on a folder that is not an output",
     lambda f: _draw(f, "--preset", "henan-2021", "--force", out=f(".")),
     ("no manifest.json", "choose a new folder")),
    ("an output folder whose parent is missing",
     lambda f: _draw(f, "--preset", "henan-2021", out=f("missing/out")),
     ("missing", "does not exist", "create that folder")),
    ("assign a record that already has teams", lambda f: ["assign", f("drawn"), f("d.csv"),
                                                          "--inspectors", f("i.csv"),
                                                          "--check-date", "2024-06-03",
                                                          "--item-codes", "SJ05",
                                                          "--out", f("new-teams")],
     ("--item-codes", "--item-list")),
    ("item codes not in the list", lambda f: [*_assign(f), "--check-date", "2024-06-03",
                                              "--item-list", f("items.csv"), "--item-codes",
                                              "SJ99"],
     ("SJ99", "not in the register")),
    ("assign against another directory", lambda f: [
        "assign", f("drawn"), f("headerless.csv"), "--inspectors", f("i.csv"),
        "--check-date", "2024-06-03", "--out", f("new-teams")],
     ("headerless.csv", "not a header")),
    ("plan --seed without registers", lambda f: ["plan", f("plan.toml"), f("d.csv"), "--seed",
                                                 SEED, "--out", f("new-plan")],
     ("--inspectors", "is needed to run the year")),
    ("demo into an existing folder", lambda f: ["demo", "--targets", "500", "--out", f(".")],
     ("already exists", "--force")),
    ("demo of too many targets", lambda _: ["demo", "--targets", "20000000"],
     ("--targets", "more than 10,000,000")),
    ("min officers below two", lambda f: [*_assign(f), "--check-date", "2024-06-03",
                                          "--min-officers", "1"],
     ("min_officers", "two officers")),
]


@pytest.mark.parametrize(("name", "arguments", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_with_a_clear_message(files: Files, capsys: pytest.CaptureFixture[str],
                                                name: str, arguments: Any,
                                                words: tuple[str, ...]) -> None:
    """Each bad input: exit 2, no traceback, the message names the place and the fix, and no
    file changes or appears."""
    before = files.listing()
    assert main(arguments(files)) == 2, name
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    for word in words:
        assert word in captured.err, (name, word, captured.err)
    assert captured.err.count("\n") <= 25  # one message (a file's problems, at most 20)
    assert files.listing() == before


def test_utf16_record_cannot_be_checked(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    """A record saved as UTF-16: exit 2 (cannot check), saying to save it as UTF-8."""
    assert main(["verify", files("utf16.json"), files("d.csv")]) == 2
    assert "save it as UTF-8" in capsys.readouterr().out


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="permissions do not bind the superuser")
def test_read_only_output_folder(files: Files, capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
    """An output folder that cannot be created: exit 2 before any input is read."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert main(_draw(files, "--preset", "henan-2021", out=str(locked / "out"))) == 2
        assert "is not writable" in capsys.readouterr().err
    finally:
        locked.chmod(0o755)


def test_file_system_errors_are_messages(files: Files, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """An OSError while writing (a full disk, a permission) is one message and exit 2."""
    from random_inspection.cli import draw  # noqa: PLC0415

    def refuse(*_args: object, **_kwargs: object) -> Any:
        raise PermissionError(13, "Permission denied", "/somewhere/out")
    monkeypatch.setattr(draw, "run_folder", refuse)
    assert main(_draw(files, "--preset", "henan-2021")) == 2
    err = capsys.readouterr().err
    assert "/somewhere/out: Permission denied" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(files: Files) -> None:
    """--debug lets the error through, traceback and all."""
    with pytest.raises(Exception, match="nothing to draw"):
        main(_draw(files, "--preset", "henan-2021", "--debug", directory="header-only.csv"))


def test_draw_messages(files: Files, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The draw reports what it drew against the eligible targets; every CSV it writes has a
    byte-order mark, like the directory the demo writes."""
    out = tmp_path / "draw"
    assert main(_draw(files, "--preset", "henan-2021", out=str(out))) == 0
    printed = capsys.readouterr().out
    assert "eligible targets (3,000 in the directory" in printed
    assert (out / "selection.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert AuditRecord.read(out / "record.json").purpose == "2024/cli/x"


def test_every_option_has_help_and_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    """Every option of every command has help text; options with a default show it."""
    from random_inspection.cli import build_parser  # noqa: PLC0415

    def walk(parser: argparse.ArgumentParser, words: list[str]) -> Iterator[list[str]]:
        for action in parser._actions:
            assert action.help, (words, action.dest)
            if action.option_strings and action.default not in (None, False, "==SUPPRESS=="):
                assert "(default:" in parser.format_help() or action.dest == "help"
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, [*words, name])
        yield words

    commands = [words for words in walk(build_parser(), []) if words]
    assert ["ceremony", "open"] in commands
    for words in commands:
        assert main([*words, "--help"]) == 0
    assert "(default: 3/100)" in capsys.readouterr().out


def test_broken_pipe_ends_quietly(files: Files, tmp_path: Path) -> None:
    """`random-inspection draw … | head -1`: the draw still writes its folder, and no error
    or traceback appears."""
    out = tmp_path / "piped"
    command = [sys.executable, "-m", "random_inspection",
               *_draw(files, "--preset", "henan-2021", out=str(out))]
    done = subprocess.run(" ".join(f"'{c}'" for c in command) + " | head -1", shell=True,
                          capture_output=True, text=True, check=False)
    assert done.stderr == ""
    assert len(done.stdout.splitlines()) == 1
    assert (out / "manifest.json").is_file()


def test_parquet_directory_is_read_as_parquet(files: Files, capsys: pytest.CaptureFixture[str],
                                              small_city: DemoCity, tmp_path: Path) -> None:
    """A directory given as a Parquet file draws the same targets as its CSV file, the draw
    verifies against either, and a bad Parquet file is one message naming row and field."""
    pytest.importorskip("pyarrow")
    parquet = tmp_path / "d.parquet"
    small_city.targets.to_parquet(parquet)
    out_csv, out_parquet = tmp_path / "from-csv", tmp_path / "from-parquet"
    assert main(_draw(files, "--preset", "henan-2021", out=str(out_csv))) == 0
    assert main(["draw", str(parquet), "--seed", SEED, "--purpose", "2024/cli/x", "--out",
                 str(out_parquet), "--preset", "henan-2021"]) == 0
    assert (out_parquet / "selection.csv").read_bytes() == (out_csv / "selection.csv"
                                                            ).read_bytes()
    assert (AuditRecord.read(out_parquet / "record.json").directory_digest
            == small_city.targets.digest)
    assert main(["verify", str(out_parquet), files("d.csv")]) == 0
    assert main(["verify", str(out_csv), str(parquet)]) == 0
    capsys.readouterr()
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = small_city.targets.take(range(3)).to_arrow()
    risk = pa.array(["A", "E", "B"]).dictionary_encode()
    pq.write_table(table.set_column(7, "risk_class", risk), tmp_path / "bad.parquet")
    assert main(["verify", str(out_csv), str(tmp_path / "bad.parquet")]) == 2
    assert "bad.parquet, row 2, field 'risk_class': 'E'" in capsys.readouterr().err
