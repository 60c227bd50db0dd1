"""Output folders of the commands: checked before any input is read, written as run folders."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

from .._errors import InvalidValueError, OutputExistsError
from .._runfolder import MANIFEST

__all__ = ["check_output", "csv_text"]


def check_output(path: Path, force: bool) -> None:
    """Refuse, before any work, an output folder that cannot or may not be written."""
    if os.path.lexists(path):
        if not force:
            raise OutputExistsError(str(path))
        if not path.is_dir() or not (path / MANIFEST).is_file():
            raise InvalidValueError(
                "--out", "folder", str(path), "exists and is not an output folder of this "
                "command line (it has no manifest.json), so --force does not replace it",
                "choose a new folder for --out, or move that one away")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidValueError("--out", "folder", str(path), f"is in {parent}, which does not "
                                "exist", "create that folder first, or choose another --out")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidValueError("--out", "folder", str(path), f"cannot be created: {parent} "
                                "is not writable", "choose a folder you can write to")


def csv_text(header: list[str], rows: Iterable[list[object]]) -> str:
    """CSV text with a UTF-8 byte-order mark added on writing (``encoding="utf-8-sig"``), as
    every CSV file the commands write: spreadsheet programs then show Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
