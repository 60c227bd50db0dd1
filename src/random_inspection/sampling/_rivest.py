"""Rivest's public sampler (spec §4): ``H(seed + "," + str(i)) mod N + 1``, H = SHA-256 or SM3."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator

from .._errors import InvalidValueError

__all__ = ["HASHES", "hash_function", "rivest_integer", "rivest_sample", "rivest_stream"]

#: Hash functions the spec allows; SHA-256 is the default and Rivest's original.
HASHES = ("sha256", "sm3")


def hash_function(name: str) -> Callable[[bytes], bytes]:
    """The digest function for ``name`` ('sha256', or 'sm3' where OpenSSL provides it)."""
    if name == "sha256":
        return lambda data: hashlib.sha256(data).digest()
    if name == "sm3":
        if "sm3" not in hashlib.algorithms_available:
            raise InvalidValueError("draw", "hash", name,
                                    "is not provided by this Python's OpenSSL",
                                    "use hash='sha256', or a Python built with SM3 support")
        return lambda data: hashlib.new("sm3", data).digest()
    raise InvalidValueError("draw", "hash", name, "is not a hash the spec allows",
                            "use one of: " + ", ".join(HASHES))


def rivest_integer(seed_string: str, counter: int, hash_name: str = "sha256") -> int:
    """The 256-bit integer for ``counter``: H of ``seed,counter`` (UTF-8), big-endian."""
    digest = hash_function(hash_name)(f"{seed_string},{counter}".encode())
    return int.from_bytes(digest, "big")


def rivest_stream(seed_string: str, population: int, hash_name: str = "sha256"
                  ) -> Iterator[int]:
    """Distinct positions from 1..``population`` in draw order, until all are drawn.

    Counter ``i`` runs from 1; each gives ``H(seed_string + "," + str(i)) mod N + 1``;
    positions already drawn are skipped (sampling without replacement).
    """
    prefix = (seed_string + ",").encode()
    from_bytes = int.from_bytes
    digest = hash_function(hash_name)
    seen: set[int] = set()
    counter = 0
    while len(seen) < population:
        counter += 1
        position = from_bytes(digest(prefix + b"%d" % counter), "big") % population + 1
        if position not in seen:
            seen.add(position)
            yield position


def rivest_sample(seed_string: str, population: int, size: int, hash_name: str = "sha256"
                  ) -> list[int]:
    """The first ``size`` positions of `rivest_stream`: a sample without replacement in draw
    order (``size == population`` gives every position)."""
    if population < 0 or size < 0 or size > population:
        raise InvalidValueError("rivest_sample", "size", size,
                                f"must be between 0 and the population {population}",
                                "ask for at most as many as there are")
    return list(itertools.islice(rivest_stream(seed_string, population, hash_name), size))
