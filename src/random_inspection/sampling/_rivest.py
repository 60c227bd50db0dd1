"""Rivest's public SHA-256 sampler (spec §4): ``SHA256(seed + "," + str(i)) mod N + 1``."""

from __future__ import annotations

import hashlib

from .._errors import InvalidValueError

__all__ = ["rivest_integer", "rivest_sample", "uniform_fraction_numerator"]


def rivest_integer(seed_string: str, counter: int) -> int:
    """The 256-bit integer for ``counter``: SHA-256 of ``seed,counter`` (UTF-8), big-endian."""
    digest = hashlib.sha256(f"{seed_string},{counter}".encode()).digest()
    return int.from_bytes(digest, "big")


def uniform_fraction_numerator(seed_string: str, counter: int = 1) -> int:
    """Numerator ``x`` of the uniform number ``x / 2**256`` in [0, 1) from one counter."""
    return rivest_integer(seed_string, counter)


def rivest_sample(seed_string: str, population: int, size: int) -> list[int]:
    """Draw ``size`` distinct positions from 1..``population`` in draw order.

    Counter ``i`` runs from 1; each gives ``SHA256(seed_string + "," + str(i)) mod N + 1``;
    positions already drawn are skipped (sampling without replacement). ``size == population``
    is allowed and returns every position in draw order.
    """
    if population < 0 or size < 0 or size > population:
        raise InvalidValueError("rivest_sample", "size", size,
                                f"must be between 0 and the population {population}",
                                "ask for at most as many as there are")
    prefix = (seed_string + ",").encode()
    sha256, from_bytes = hashlib.sha256, int.from_bytes
    chosen: dict[int, None] = {}  # insertion-ordered set
    counter = 0
    while len(chosen) < size:
        counter += 1
        position = from_bytes(sha256(prefix + b"%d" % counter).digest(), "big") % population + 1
        chosen.setdefault(position)
    return list(chosen)
