"""Atomic writes: files and folders appear whole or not at all, nothing is overwritten unasked."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from random_inspection import InvalidValueError, OutputExistsError, RandomInspectionError
from random_inspection._atomic import open_atomic, staged_folder, write_atomic
from random_inspection.demo import DemoCity
from random_inspection.registry import _files


def _rows(fail_after: int, error: BaseException) -> Iterator[dict[str, Any]]:
    """Rows of the item-list table, then ``error`` mid-file."""
    for k in range(fail_after):
        yield {name: f"{name}{k}" for name in _files.ITEM_HEADERS}
    raise error


@pytest.mark.parametrize("error", [RuntimeError("disk gone"), KeyboardInterrupt()])
@pytest.mark.parametrize("existing", [False, True])
def test_no_temporary_file_survives_an_error_mid_write(tmp_path: Path, error: BaseException,
                                                       existing: bool) -> None:
    """A row generator that raises (an error, or Ctrl-C) after 1000 rows: the exception
    propagates, no temporary file is left, and an earlier file is untouched."""
    path = tmp_path / "items.csv"
    if existing:
        path.write_bytes(b"old contents\n")
    with pytest.raises(type(error)):
        _files.write_table(path, _files.ITEM_HEADERS, _rows(1000, error))
    assert [p.name for p in tmp_path.iterdir()] == (["items.csv"] if existing else [])
    if existing:
        assert path.read_bytes() == b"old contents\n"


def test_written_file_is_complete_with_ordinary_permissions(tmp_path: Path) -> None:
    """A finished write replaces the file in one rename; a new file gets the permissions a
    plain open would give (not the temporary file's private 0o600); a replaced file keeps
    its own."""
    path = tmp_path / "data.bin"
    write_atomic(path, b"x" * 100_000)
    assert path.read_bytes() == b"x" * 100_000
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]
    if os.name == "posix":
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
        path.chmod(0o640)
        write_atomic(path, b"y")
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_bytes() == b"y"


def test_overwrite_false_refuses_an_existing_file(small_city: DemoCity, tmp_path: Path) -> None:
    """overwrite=False raises OutputExistsError (a FileExistsError and a library error)
    naming the path and both fixes, and leaves the file and the folder as they were."""
    path = tmp_path / "targets.csv"
    path.write_bytes(b"keep me\n")
    writers = [
        lambda: small_city.targets.take(range(5)).to_csv(path, overwrite=False),
        lambda: small_city.targets.take(range(5)).to_json(path, overwrite=False),
        lambda: small_city.inspectors.to_csv(path, overwrite=False),
        lambda: small_city.check_items.to_json(path, overwrite=False),
        lambda: write_atomic(path, b"new", overwrite=False),
    ]
    for write in writers:
        with pytest.raises(OutputExistsError) as info:
            write()
        assert isinstance(info.value, FileExistsError)
        assert isinstance(info.value, RandomInspectionError)
        assert info.value.path == str(path)
        assert str(info.value) == (f"{path} already exists; nothing was written. Fix: pass "
                                   "--force to replace it (library: overwrite=True)")
        assert path.read_bytes() == b"keep me\n"
        assert [p.name for p in tmp_path.iterdir()] == ["targets.csv"]
    small_city.check_items.to_csv(path)  # overwrite=True is the default
    assert path.read_text(encoding="utf-8").startswith("code,name,")


def test_overwrite_false_refuses_a_file_that_appears_while_writing(tmp_path: Path) -> None:
    """If the target appears while the temporary file is written, it is not replaced."""
    path = tmp_path / "out.txt"

    def write() -> None:
        with open_atomic(path, encoding="utf-8", overwrite=False) as handle:
            handle.write("mine")
            path.write_text("theirs", encoding="utf-8")

    with pytest.raises(OutputExistsError):
        write()
    assert path.read_text(encoding="utf-8") == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_open_atomic_refuses_bad_arguments_before_creating_anything(tmp_path: Path) -> None:
    """A read mode, an encoding for bytes, or an unknown encoding: nothing is created."""
    for kwargs in ({"mode": "r"}, {"mode": "a"}, {"mode": "wb", "encoding": "utf-8"},
                   {"encoding": "klingon"}):
        with pytest.raises((ValueError, LookupError)), open_atomic(tmp_path / "f", **kwargs):
            pass
    assert list(tmp_path.iterdir()) == []


def _run(folder: Path, fail_at: int | None = None,
         error: BaseException | None = None) -> None:
    for k in range(3):
        if k == fail_at:
            raise error or RuntimeError("stop")
        (folder / f"part{k}.csv").write_text(f"part {k}\n", encoding="utf-8")


@pytest.mark.parametrize("error", [RuntimeError("stop"), KeyboardInterrupt()])
def test_staged_folder_gives_all_files_or_none(tmp_path: Path, error: BaseException) -> None:
    """A run that fails after writing some files leaves no folder and no temporary folder;
    a run that finishes leaves the folder with every file."""
    out = tmp_path / "run"
    seen: list[Path] = []

    def run() -> None:
        with staged_folder(out) as folder:
            seen.append(folder)
            _run(folder, fail_at=2, error=error)

    with pytest.raises(type(error)):
        run()
    assert seen[0].parent == tmp_path
    assert seen[0].name.startswith(".run.")
    assert seen[0].name.endswith(".partial")
    assert list(tmp_path.iterdir()) == []
    with staged_folder(out) as folder:
        _run(folder)
    assert sorted(p.name for p in out.iterdir()) == ["part0.csv", "part1.csv", "part2.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_staged_folder_overwrite(tmp_path: Path) -> None:
    """An existing folder is refused by default (and untouched); with overwrite=True it is
    replaced entirely, and a failed run leaves the old folder as it was."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.csv").write_text("old\n", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="--force"), staged_folder(out):
        pytest.fail("the block must not run")  # pragma: no cover
    with pytest.raises(RuntimeError), staged_folder(out, overwrite=True) as folder:
        _run(folder, fail_at=1)
    assert [p.name for p in out.iterdir()] == ["old.csv"]
    with staged_folder(out, overwrite=True) as folder:
        _run(folder)
    assert sorted(p.name for p in out.iterdir()) == ["part0.csv", "part1.csv", "part2.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # the old folder is deleted


def test_staged_folder_restores_the_old_folder_if_interrupted_between_renames(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C between moving the old folder aside and moving the new one in: the old folder
    is renamed back, the new one is removed."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.csv").write_text("old\n", encoding="utf-8")
    real_rename = os.rename
    calls: list[str] = []

    def rename(source: Any, destination: Any) -> None:
        calls.append(Path(source).name)
        if Path(source).name.endswith(".partial"):
            raise KeyboardInterrupt
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(KeyboardInterrupt), staged_folder(out, overwrite=True) as folder:
        _run(folder)
    assert calls[0] == "run"  # the old folder aside, the new one in (interrupted), back
    assert calls[1].endswith(".partial")
    assert calls[2].endswith(".old")
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert [p.name for p in out.iterdir()] == ["old.csv"]


def test_failed_register_write_keeps_the_previous_file(small_city: DemoCity,
                                                       tmp_path: Path) -> None:
    """A target directory written over a good file in an encoding that cannot hold its names
    fails and leaves the good file readable."""
    path = tmp_path / "targets.csv"
    small_city.targets.take(range(10)).to_csv(path)
    with pytest.raises(ValueError, match="encoding"):
        small_city.targets.to_csv(path, encoding="ascii")
    assert [p.name for p in tmp_path.iterdir()] == ["targets.csv"]
    assert len(type(small_city.targets).from_csv(path)) == 10


def test_overwriting_replaces_only_an_output_of_the_same_command(tmp_path: Path) -> None:
    """`--force` (overwrite) replaces an earlier output of the same command only: a run
    folder another command wrote (a plan's year, say) is kept, with a message naming both."""
    from random_inspection._runfolder import run_folder  # noqa: PLC0415

    out = tmp_path / "year"
    with run_folder(out, command="plan") as run:
        (run.path / "report.txt").write_text("the year", encoding="utf-8")
    with pytest.raises(InvalidValueError, match="holds the output of `plan`, not of `publish`"
                       ), run_folder(out, command="publish", overwrite=True) as run:
        (run.path / "index.html").write_text("site", encoding="utf-8")
    assert (out / "report.txt").read_text(encoding="utf-8") == "the year"
    with run_folder(out, command="plan", overwrite=True) as run:
        (run.path / "report.txt").write_text("again", encoding="utf-8")
    assert (out / "report.txt").read_text(encoding="utf-8") == "again"
