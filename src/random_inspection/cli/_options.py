"""Option values checked when the command line is parsed, before any file is read.

Each function is an argparse ``type=``: it returns the checked value or raises
`argparse.ArgumentTypeError` with what is wrong and the fix, which the parser prints as one
error and a hint (exit status 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from fractions import Fraction
from pathlib import Path

from .._errors import RandomInspectionError
from ..registry import EntityType, RiskClass
from ..registry import _fields as f
from ..sampling import Seed
from ..sampling._rates import parse_rate
from ..sampling._seed import check_purpose

__all__ = ["checked_date", "digest", "entity_type", "existing_file", "existing_path", "purpose",
           "rate", "rates", "region_prefix", "seed", "whole_number"]

_SLASHED = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _fail(error: RandomInspectionError | str) -> argparse.ArgumentTypeError:
    text = str(error)
    for prefix in ("draw: ", "Seed: ", "Scope: "):
        text = text.removeprefix(prefix)
    return argparse.ArgumentTypeError(text)


def seed(text: str) -> Seed:
    """A public seed (spec §2)."""
    try:
        return Seed(text.strip())
    except RandomInspectionError as error:
        raise _fail(error) from None


def digest(text: str) -> str:
    """A SHA-256 digest as the spec writes it: ``sha256:`` and 64 lower-case hex digits."""
    value = text.strip()
    if not _DIGEST.fullmatch(value.lower()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a digest: write sha256: and the 64 "
                                         "hex digits, as `journal verify` or status prints it")
    return value.lower()


def purpose(text: str) -> str:
    """A task's purpose label (spec §3)."""
    try:
        return check_purpose(text)
    except RandomInspectionError as error:
        raise _fail(error) from None


def checked_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD; other spellings are refused with the ISO form to use."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    match = _SLASHED.fullmatch(text.strip())
    hint = (f"write it as {int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}"
            if match else "write it as YYYY-MM-DD, e.g. 2024-06-03")
    raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD: {hint}")


def rate(text: str) -> Fraction:
    """One rate: '3/100', '0.03' or '3%'."""
    try:
        return parse_rate(text, "rate", "value")
    except RandomInspectionError as error:
        raise _fail(error) from None


def rates(text: str) -> dict[RiskClass, Fraction]:
    """Rates of every class, ``A=1/100,B=3/100,C=6/100,D=15/100[,U=…]``: a class named twice
    is refused, and so is a class left out (write ``=0`` to draw none of it); U may be
    left out (unclassified targets are then not drawn)."""
    out: dict[RiskClass, Fraction] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(
                f"{part!r} is not CLASS=RATE: write e.g. A=1/100,B=3/100,C=6/100,D=15/100")
        try:
            kind = RiskClass.parse(key.strip(), record="--rates", field="class")
            value_rate = parse_rate(value.strip(), "--rates", kind.code)
        except RandomInspectionError as error:
            raise _fail(error) from None
        if kind in out:
            raise argparse.ArgumentTypeError(
                f"class {kind.code} is given twice ({out[kind]} and {value_rate}): give each "
                "class once")
        out[kind] = value_rate
    missing = [c.code for c in RiskClass if c not in out and c is not RiskClass.UNCLASSIFIED]
    if missing:
        raise argparse.ArgumentTypeError(
            f"class(es) {', '.join(missing)} have no rate: give every class A-D a rate, "
            f"writing {missing[0]}=0 to draw none of a class")
    return out


def region_prefix(text: str) -> str:
    """A region code prefix (2, 4, 6, 9 or 12 digits of a real division code)."""
    try:
        return f.region_prefix(text.strip(), "--region", "region")
    except RandomInspectionError as error:
        raise _fail(error) from None


def entity_type(text: str) -> EntityType:
    """An entity type: code, English or Chinese label."""
    try:
        return EntityType.parse(text, record="--entity-type", field="entity type")
    except RandomInspectionError as error:
        raise _fail(error) from None


def whole_number(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def existing_file(text: str) -> Path:
    """An input file that exists."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give the file")
    return path


def existing_path(text: str) -> Path:
    """An input file or folder that exists."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file or folder")
    return path
