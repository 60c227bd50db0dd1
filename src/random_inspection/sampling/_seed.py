"""Seeds and the derived seed strings of the draw spec (docs/spec/draw-spec.md §2-3)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from typing import Any, Self

import attrs

from .._errors import InvalidValueError
from ..registry._fields import text

__all__ = ["PROVENANCES", "Seed", "check_purpose", "stratum_seed_string"]

_GROUP = re.compile(r"[0-9A-Fa-f]+")
MIN_DECIMAL = 20
MIN_HEX = 32
PROVENANCES = ("ceremony", "combined", "generated")
_PURPOSE_FORBIDDEN = re.compile(r"[,\x00-\x1f\x7f]")
MAX_PURPOSE = 200


def _check_seed_text(value: object) -> str:
    if not isinstance(value, str):
        kind = type(value).__name__
        raise InvalidValueError(
            "Seed", "value", value, f"is a {kind}, not a string",
            "seeds are strings recorded verbatim: quote the digits, "
            "e.g. Seed('31415926535897932384')",
        )
    groups = value.split("-")
    if not value or not all(_GROUP.fullmatch(g) for g in groups):
        raise InvalidValueError(
            "Seed", "value", value, "may hold only decimal digits or hex characters "
            "(groups from several parties joined by '-')",
            "remove spaces and other characters; write dice rolls as digits",
        )
    body = "".join(groups)
    if body.isdigit():
        if len(body) < MIN_DECIMAL:
            raise InvalidValueError("Seed", "value", value,
                                    f"has {len(body)} decimal digits; at least {MIN_DECIMAL} "
                                    "are needed", "roll more dice (each roll adds a digit)")
    elif len(body) < MIN_HEX:
        raise InvalidValueError("Seed", "value", value,
                                f"has {len(body)} hex characters; at least {MIN_HEX} are needed",
                                "use 32 or more hex characters, or 20 or more decimal digits")
    return value


def _parties(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, tuple | list):
        raise InvalidValueError("Seed", "parties", value, "is not a list of names",
                                "pass the parties' names as a list")
    names = tuple(text(v, "Seed", "parties") for v in value)
    if len(set(names)) < len(names):
        raise InvalidValueError("Seed", "parties", list(value), "names a party twice",
                                "give each party once")
    return names


@attrs.frozen(kw_only=False)
class Seed:
    """The public random seed of a draw: a string, never a number.

    At least 20 decimal digits (from dice) or 32 hex characters. Several parties' contributions
    are joined with ``'-'`` in the order given (`Seed.combine`). The value is used and recorded
    verbatim.

    Attributes:
        value: The seed string.
        provenance: ``"ceremony"`` (given at a public draw ceremony), ``"combined"`` (joined
            from several parties' contributions) or ``"generated"`` (`Seed.generate`, for tests
            and simulations, not ceremonies).
        parties: Names of the contributing parties, for ``"combined"`` seeds.

    Example:
        >>> Seed("31415926535897932384").value
        '31415926535897932384'
    """

    value: str = attrs.field(converter=_check_seed_text)
    provenance: str = attrs.field(default="ceremony", kw_only=True)
    parties: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_parties)

    def __attrs_post_init__(self) -> None:
        if self.provenance not in PROVENANCES:
            raise InvalidValueError("Seed", "provenance", self.provenance, "is not known",
                                    "use one of: " + ", ".join(PROVENANCES))
        if (self.provenance == "combined") != bool(self.parties):
            raise InvalidValueError("Seed", "parties", self.parties,
                                    "parties go with provenance 'combined' and only with it",
                                    "use Seed.combine for several parties' contributions")
        groups = len(self.value.split("-"))
        if self.parties and groups != len(self.parties):
            raise InvalidValueError("Seed", "parties", self.parties,
                                    f"{len(self.parties)} parties for {groups} group(s) of "
                                    "the seed: a combined seed has one group per party",
                                    "use Seed.combine for several parties' contributions")

    @classmethod
    def generate(cls) -> Self:
        """A fresh 128-bit seed from the operating system (``secrets``); recorded as generated."""
        return cls(secrets.token_hex(16), provenance="generated")

    @classmethod
    def combine(cls, contributions: Mapping[str, str]) -> Self:
        """Join several parties' contributions (party name → digits) with ``'-'``, in order.

        Each contribution must be digits or hex; together they must meet the seed's length
        rule. Collect contributions so no party sees another's before giving its own.
        """
        if len(contributions) < 2:
            raise InvalidValueError("Seed.combine", "contributions", dict(contributions),
                                    "needs at least two parties", "use Seed(value) for one")
        for party, part in contributions.items():
            if not isinstance(part, str) or not _GROUP.fullmatch(part):
                raise InvalidValueError("Seed.combine", party, part,
                                        "is not a string of digits or hex characters",
                                        "give each contribution as digits, e.g. '31415'")
        return cls("-".join(contributions.values()), provenance="combined",
                   parties=list(contributions))

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the audit record."""
        return {"value": self.value, "provenance": self.provenance, "parties": list(self.parties)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Inverse of `to_dict`."""
        return cls(data.get("value"), provenance=data.get("provenance", "ceremony"),
                   parties=tuple(data.get("parties", ())))


def check_purpose(purpose: object) -> str:
    """A purpose label: non-empty single-line text without commas, NFC-normalised.

    The purpose separates the random streams of different tasks drawn from one seed.
    """
    if not isinstance(purpose, str) or not purpose.strip():
        raise InvalidValueError("draw", "purpose", purpose, "is empty or not text",
                                "name the task, e.g. '2024/忻州市/task-03'")
    if len(purpose) > MAX_PURPOSE:
        raise InvalidValueError("draw", "purpose", purpose[:40] + "…",
                                f"has {len(purpose)} characters; at most {MAX_PURPOSE}",
                                "use a shorter label, e.g. '2024/忻州市/task-03'")
    label = unicodedata.normalize("NFC", purpose)
    if label != label.strip() or _PURPOSE_FORBIDDEN.search(label):
        raise InvalidValueError("draw", "purpose", purpose,
                                "has a comma, a control character or surrounding spaces",
                                "use '/' or '-' to separate parts, e.g. '2024/city/task-03'")
    return label


def stratum_seed_string(seed: Seed, purpose: str, label: str) -> str:
    """The seed string of one random stream: ``seed "," purpose "," label`` (spec §3)."""
    return f"{seed.value},{purpose},{label}"
