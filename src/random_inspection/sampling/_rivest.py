"""Rivest's public sampler (spec §4): ``H(seed + "," + str(i)) mod N + 1``, H = SHA-256 or SM3.

Every counter hashes ``seed_string + "," + decimal(i)``. The hash state after the common prefix
``seed_string + ","`` is computed once and copied per counter, and a long sample hashes its
counters in blocks: the hash objects are made, fed and read by C-level ``map`` calls, the
256-bit integers are reduced modulo N with numpy (32-bit limbs, Horner's rule), and the first
occurrences are found with a table of first counters per position (no sort). Block sizes
follow the expected number of counters still needed, so few are hashed past the last one
used. The positions are exactly those of the spec's loop (tests/test_rivest.py checks them
against that loop written with plain hashlib, on every path).
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from itertools import islice, repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidValueError

__all__ = ["HASHES", "hash_function", "prefix_hash", "rivest_integer", "rivest_integers",
           "rivest_positions", "rivest_sample", "rivest_stream"]

#: Hash functions the spec allows; SHA-256 is the default and Rivest's original.
HASHES = ("sha256", "sm3")

#: Samples up to this size are drawn counter by counter (the teams' many small draws);
#: larger ones in vectorised blocks.
SCALAR_LIMIT = 24
#: Most counters hashed in one block (bounds the memory of the block's hash objects).
BLOCK = 1 << 16
#: Horner's rule on 32-bit limbs needs ``(N - 1) << 32`` to fit in 64 bits.
VECTOR_POPULATION = 1 << 32
#: Up to this population, repeated positions are found with one int32 counter per position
#: (no sort); above it, by sorting each block (a full permutation of 2**24 needs under 2**31
#: counters).
MARK_POPULATION = 1 << 24
_EULER_GAMMA = 0.5772156649015329


def _check_hash(name: str) -> None:
    if name == "sha256":
        return
    if name == "sm3":
        if "sm3" not in hashlib.algorithms_available:
            raise InvalidValueError("draw", "hash", name,
                                    "is not provided by this Python's OpenSSL",
                                    "use hash='sha256', or a Python built with SM3 support")
        return
    raise InvalidValueError("draw", "hash", name, "is not a hash the spec allows",
                            "use one of: " + ", ".join(HASHES))


def hash_function(name: str) -> Callable[[bytes], bytes]:
    """The digest function for ``name`` ('sha256', or 'sm3' where OpenSSL provides it)."""
    _check_hash(name)
    if name == "sha256":
        return lambda data: hashlib.sha256(data).digest()
    return lambda data: hashlib.new("sm3", data).digest()


def prefix_hash(prefix: bytes, name: str) -> Any:
    """A hash object of ``name`` that has absorbed ``prefix``: ``.copy()`` it per message
    that starts with ``prefix`` (the state after the prefix is computed once)."""
    _check_hash(name)
    return hashlib.sha256(prefix) if name == "sha256" else hashlib.new("sm3", prefix)


def rivest_integer(seed_string: str, counter: int, hash_name: str = "sha256") -> int:
    """The 256-bit integer for ``counter``: H of ``seed,counter`` (UTF-8), big-endian."""
    digest = hash_function(hash_name)(f"{seed_string},{counter}".encode())
    return int.from_bytes(digest, "big")


def rivest_integers(seed_strings: Sequence[str], count: int, hash_name: str = "sha256"
                    ) -> list[int]:
    """`rivest_integer` for counters 1..``count`` of many streams at once, flat: stream k's
    counter i at ``k * count + i - 1`` (the messages hashed and read by C-level ``map``)."""
    _check_hash(hash_name)
    new: Callable[[bytes], Any] = hashlib.sha256 if hash_name == "sha256" \
        else functools.partial(hashlib.new, "sm3")
    kind = type(new(b""))
    tails = [b",%d" % i for i in range(1, count + 1)]
    messages = [text + tail for text in (s.encode() for s in seed_strings) for tail in tails]
    return list(map(int.from_bytes, map(kind.digest, map(new, messages))))


def _positions(base: Any, population: int) -> Iterator[int]:
    """Distinct positions (1-based) in draw order from a hash state that has absorbed
    ``seed_string + ","``: counter ``i`` from 1 gives ``H(prefix ‖ i) mod N + 1``, repeats
    skipped, until all ``population`` are drawn."""
    copy = base.copy
    from_bytes = int.from_bytes
    seen: set[int] = set()
    counter = 0
    while len(seen) < population:
        counter += 1
        h = copy()
        h.update(b"%d" % counter)
        position = from_bytes(h.digest(), "big") % population + 1
        if position not in seen:
            seen.add(position)
            yield position


def rivest_stream(seed_string: str, population: int, hash_name: str = "sha256"
                  ) -> Iterator[int]:
    """Distinct positions from 1..``population`` in draw order, until all are drawn.

    Counter ``i`` runs from 1; each gives ``H(seed_string + "," + str(i)) mod N + 1``;
    positions already drawn are skipped (sampling without replacement).
    """
    return _positions(prefix_hash((seed_string + ",").encode(), hash_name), population)


def _scalar_sample(base: Any, population: int, size: int) -> list[int]:
    """The first ``size`` distinct positions (1-based), one counter at a time."""
    return list(islice(_positions(base, population), size))


def _block(base: Any, first: int, count: int, population: int) -> npt.NDArray[np.int64]:
    """``H(prefix ‖ decimal(i)) mod N`` (0-based) for counters ``first .. first+count-1``."""
    kind = type(base)
    states = list(map(kind.copy, repeat(base, count)))
    deque(map(kind.update, states, map(b"%d".__mod__, range(first, first + count))), 0)
    limbs = np.frombuffer(b"".join(map(kind.digest, states)), dtype=">u4").reshape(count, -1)
    n = np.uint64(population)
    shift = np.uint64(32)
    rest = limbs[:, 0].astype(np.uint64) % n
    for k in range(1, limbs.shape[1]):
        rest <<= shift
        rest |= limbs[:, k]
        rest %= n
    return rest.astype(np.int64)


def _expected_counters(population: int, drawn: int, wanted: int) -> float:
    """Mean number of counters that give ``wanted`` new positions once ``drawn`` are held."""
    free = population - drawn
    if wanted < free:
        return population * (math.log(free) - math.log(free - wanted))
    return population * (math.log(free) + _EULER_GAMMA + 0.5 / free)


def _first_new(mark: npt.NDArray[np.int32], positions: npt.NDArray[np.int64],
               counters: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
    """The positions of a block whose first occurrence in the whole stream is in this block,
    in counter order. ``mark[p]`` holds the counter at which position ``p`` first came (0 for
    none yet); positions seen in earlier blocks keep their smaller counter."""
    fresh = positions[mark[positions] == 0]
    mark[fresh] = np.iinfo(np.int32).max
    np.minimum.at(mark, positions, counters)
    found: npt.NDArray[np.int64] = positions[mark[positions] == counters]
    return found


def _first_new_sorting(seen: npt.NDArray[np.bool_], positions: npt.NDArray[np.int64]
                       ) -> npt.NDArray[np.int64]:
    """`_first_new` for populations too large for a counter per position: one sort."""
    _, first = np.unique(positions, return_index=True)
    first.sort()
    found = positions[first]
    found = found[~seen[found]]
    seen[found] = True
    return found


def _vector_sample(base: Any, population: int, size: int) -> npt.NDArray[np.int64]:
    """The first ``size`` distinct positions (0-based), hashing blocks of counters sized by
    the expected count still needed, so that few counters are hashed beyond the last one used.
    """
    marking = population <= MARK_POPULATION
    table: npt.NDArray[Any] = np.zeros(population, dtype=np.int32 if marking else np.bool_)
    parts: list[npt.NDArray[np.int64]] = []
    drawn = 0
    counter = 1
    while drawn < size:
        wanted = size - drawn
        count = min(BLOCK, max(int(_expected_counters(population, drawn, wanted)) + 1, 64))
        positions = _block(base, counter, count, population)
        if marking:
            new = _first_new(table, positions,
                             np.arange(counter, counter + count, dtype=np.int32))
        else:
            new = _first_new_sorting(table, positions)
        counter += count
        new = new[:wanted]
        parts.append(new)
        drawn += len(new)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def rivest_positions(seed_string: str, population: int, size: int, hash_name: str = "sha256"
                     ) -> npt.NDArray[np.int64]:
    """`rivest_sample` as a numpy array of 0-based positions (position - 1), in draw order."""
    if population < 0 or size < 0 or size > population:
        raise InvalidValueError("rivest_sample", "size", size,
                                f"must be between 0 and the population {population}",
                                "ask for at most as many as there are")
    if not size:
        return np.zeros(0, dtype=np.int64)
    base = prefix_hash((seed_string + ",").encode(), hash_name)
    if size <= SCALAR_LIMIT or population > VECTOR_POPULATION:
        return np.array(_scalar_sample(base, population, size), dtype=np.int64) - 1
    return _vector_sample(base, population, size)


def rivest_sample(seed_string: str, population: int, size: int, hash_name: str = "sha256"
                  ) -> list[int]:
    """The first ``size`` positions of `rivest_stream`: a sample without replacement in draw
    order (``size == population`` gives every position)."""
    if population < 0 or size < 0 or size > population:
        raise InvalidValueError("rivest_sample", "size", size,
                                f"must be between 0 and the population {population}",
                                "ask for at most as many as there are")
    if not size:
        return []
    base = prefix_hash((seed_string + ",").encode(), hash_name)
    if size <= SCALAR_LIMIT or population > VECTOR_POPULATION:
        return _scalar_sample(base, population, size)
    positions: list[int] = (_vector_sample(base, population, size) + 1).tolist()
    return positions
