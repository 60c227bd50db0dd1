"""Rivest's sampler as the library runs it (a copied prefix state; blocks of counters hashed
and reduced with numpy) against the spec's loop written here with plain hashlib (§4)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_inspection.sampling import _rivest
from random_inspection.sampling._draw import _id_texts
from random_inspection.sampling._rivest import (
    SCALAR_LIMIT,
    rivest_positions,
    rivest_sample,
    rivest_stream,
)

HAS_SM3 = "sm3" in hashlib.algorithms_available
HASH_NAMES = ["sha256", "sm3"] if HAS_SM3 else ["sha256"]


def spec_sample(seed_string: str, population: int, size: int, hash_name: str = "sha256"
                ) -> list[int]:
    """Spec §4 word for word: H(UTF-8(s ‖ "," ‖ decimal(i))) mod N + 1, skipping repeats."""
    out: list[int] = []
    i = 0
    while len(out) < size:
        i += 1
        digest = hashlib.new(hash_name, f"{seed_string},{i}".encode()).digest()
        x = int.from_bytes(digest, "big") % population + 1
        if x not in out:
            out.append(x)
    return out


@given(st.text(min_size=1, max_size=90), st.integers(1, 3_000), st.data(),
       st.sampled_from(HASH_NAMES))
def test_sample_is_the_spec_loop(seed_string: str, population: int, data: st.DataObject,
                                 hash_name: str) -> None:
    """Small and vectorised samples (both sides of SCALAR_LIMIT, prefixes of one and two
    blocks, non-ASCII seed strings) give the spec's positions in draw order."""
    size = data.draw(st.integers(0, min(population, 400)))
    expected = spec_sample(seed_string, population, size, hash_name)
    assert rivest_sample(seed_string, population, size, hash_name) == expected
    assert (rivest_positions(seed_string, population, size, hash_name) + 1).tolist() == expected


@pytest.mark.parametrize("marking", [True, False])
@pytest.mark.parametrize(("population", "size"), [(50, 50), (700, 650), (5_000, 900)])
def test_many_blocks(monkeypatch: pytest.MonkeyPatch, marking: bool, population: int,
                     size: int) -> None:
    """Blocks far smaller than the sample, with repeats found across blocks, by the counter
    table and by sorting, still give the spec's sample (a whole permutation included)."""
    monkeypatch.setattr(_rivest, "BLOCK", 97)
    monkeypatch.setattr(_rivest, "MARK_POPULATION", 10**9 if marking else 10)
    expected = spec_sample("9f86d081884c7d65,task/1,B", population, size)
    assert rivest_sample("9f86d081884c7d65,task/1,B", population, size) == expected


@pytest.mark.parametrize("population", [2**32, 2**32 + 1, 3 * 10**12])
def test_huge_populations(population: int) -> None:
    """At and past the largest population the 64-bit reduction handles (2**32), and far past
    it (the counter-by-counter path), positions are still the spec's."""
    size = SCALAR_LIMIT + 6
    assert rivest_sample("31415926535897932384,p,A", population, size) == spec_sample(
        "31415926535897932384,p,A", population, size)


def test_stream_and_sample_agree() -> None:
    """`rivest_stream` (one position at a time) continues exactly where a sample stops."""
    stream = rivest_stream("31415926535897932384,p,C", 300)
    assert [next(stream) for _ in range(120)] == rivest_sample("31415926535897932384,p,C",
                                                               300, 120)


def test_bad_sizes() -> None:
    """A size outside 0..N is refused by both entry points."""
    for call in (rivest_sample, rivest_positions):
        with pytest.raises(ValueError, match="must be between 0 and the population 5"):
            call("s", 5, 6)
    assert rivest_positions("s", 5, 0).dtype == np.int64


def test_id_texts_strip_padding() -> None:
    """Ids shorter than the array's width (NUL-padded) come back as the stored text."""
    ids = np.array([b"91140921MA0000000X", b"ABC", b"Z-1.2_3", b"9"], dtype="S18")
    rows = np.array([2, 0, 3, 1, 2])
    assert _id_texts(ids[rows]) == ("Z-1.2_3", "91140921MA0000000X", "9", "ABC", "Z-1.2_3")
    assert _id_texts(ids[rows[:0]]) == ()
