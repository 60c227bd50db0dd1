"""Identifier checks: python-stdnum for single codes, the vectorised version for columns."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_10

from random_inspection import EntityType
from random_inspection.registry._identifiers import (
    USCC_ALPHABET,
    complete_registration_numbers,
    complete_usccs,
    distinct_registration_numbers,
    distinct_usccs,
    id_problem,
    id_problems,
    normalize_id,
    registration_check_digit,
    scrambled_serials,
    uscc_check_character,
)
from random_inspection.strategies import registration_numbers, usccs

TYPES = list(EntityType)


def _vectorised(ids: list[str], kind: EntityType) -> list[bool]:
    array = np.array([i.encode() for i in ids], dtype=bytes)
    codes = np.full(len(ids), TYPES.index(kind), dtype=np.uint8)
    return id_problems(array, codes).tolist()


def test_published_uscc_vector() -> None:
    """The example code in python-stdnum's documentation is valid, a one-off change is not."""
    assert id_problem("91110000600037341L", EntityType.ENTERPRISE) is None
    assert id_problem("91110000600037341M", EntityType.ENTERPRISE) is not None
    assert _vectorised(["91110000600037341L", "91110000600037341M"],
                       EntityType.ENTERPRISE) == [False, True]


def test_check_character_matches_stdnum() -> None:
    """Our completion helpers give the characters stdnum computes."""
    assert uscc_check_character("91110000600037341") == "L"
    assert registration_check_digit("11010800000001") == "6"


@given(st.lists(usccs(), min_size=1, max_size=20))
def test_bulk_completion_matches_stdnum(codes: list[str]) -> None:
    """complete_usccs (vectorised, for bulk generation) agrees with stdnum on every code."""
    bodies = np.frombuffer("".join(c[:17] for c in codes).encode(), np.uint8).reshape(-1, 17)
    assert [c.decode() for c in complete_usccs(bodies)] == codes


@given(usccs())
def test_generated_usccs_are_valid_both_ways(code: str) -> None:
    """Every generated USCC passes stdnum and the vectorised check."""
    assert uscc.is_valid(code)
    assert _vectorised([code], EntityType.ENTERPRISE) == [False]


@given(usccs(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_single_substitution_detected_identically(code: str, position: int, char: str) -> None:
    """Changing one character: stdnum and the vectorised check agree on validity."""
    mutated = code[:position] + char + code[position + 1:]
    expected_bad = not uscc.is_valid(mutated)
    assert _vectorised([mutated], EntityType.ENTERPRISE) == [expected_bad]
    assert (id_problem(mutated, EntityType.ENTERPRISE) is not None) == expected_bad
    if mutated != code:
        assert expected_bad  # mod 31 with non-zero weights catches every single substitution


@given(registration_numbers(), st.integers(0, 14), st.integers(0, 9))
def test_registration_numbers_agree_with_stdnum(number: str, position: int, digit: int) -> None:
    """Legacy 15-digit numbers: vectorised check agrees with stdnum's ISO 7064 MOD 11,10."""
    mutated = number[:position] + str(digit) + number[position + 1:]
    expected_bad = not mod_11_10.is_valid(mutated)
    assert _vectorised([mutated], EntityType.INDIVIDUAL_BUSINESS) == [expected_bad]
    assert (id_problem(mutated, EntityType.INDIVIDUAL_BUSINESS) is not None) == expected_bad


def test_registration_number_only_for_individual_businesses() -> None:
    """An enterprise may not use a legacy 15-digit number."""
    number = "110108000000016"
    assert id_problem(number, EntityType.INDIVIDUAL_BUSINESS) is None
    assert id_problem(number, EntityType.ENTERPRISE) is not None
    assert _vectorised([number], EntityType.ENTERPRISE) == [True]


@pytest.mark.parametrize(("code", "bad"), [("P-001", False), ("X", False), ("-X", True),
                                           ("A B", True), ("A" * 33, True), ("", True)])
def test_product_codes(code: str, bad: bool) -> None:
    """Products and projects take a simple code, checked the same way by both paths."""
    assert (id_problem(code, EntityType.PRODUCT) is not None) == bad
    if len(code) <= 32:
        assert _vectorised([code], EntityType.PRODUCT) == [bad]


def test_normalize_full_width_and_case() -> None:
    """Full-width digits pasted from a document and lower case are normalised."""
    assert normalize_id(" ９１１１００００６０００３７３４１ｌ ") == "91110000600037341L"


@given(st.lists(registration_numbers(), min_size=1, max_size=20))
def test_bulk_registration_completion_matches_stdnum(numbers: list[str]) -> None:
    """complete_registration_numbers (vectorised) gives stdnum's ISO 7064 check digits."""
    bodies = np.frombuffer("".join(x[:14] for x in numbers).encode(), np.uint8).reshape(-1, 14)
    assert [x.decode() for x in complete_registration_numbers(bodies)] == numbers


@given(st.sampled_from([(2, 5), (3, 4), (10, 3), (31, 2)]), st.integers(0, 2**32 - 1))
def test_scrambled_serials_are_a_bijection(shape: tuple[int, int], seed: int) -> None:
    """Over its whole domain the scrambler hits every digit row exactly once (so any prefix
    of the serials gives distinct rows), and it is not the identity."""
    base, width = shape
    digits = scrambled_serials(base**width, base=base, width=width,
                               rng=np.random.default_rng(seed))
    assert digits.shape == (base**width, width)
    assert digits.max() < base
    values = digits.astype(np.int64) @ base ** np.arange(width)
    assert sorted(values.tolist()) == list(range(base**width))
    with pytest.raises(ValueError, match="count"):
        scrambled_serials(base**width + 1, base=base, width=width,
                          rng=np.random.default_rng(seed))


@given(st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_distinct_codes_are_valid_and_distinct_for_equal_heads(n: int, seed: int) -> None:
    """Every row with the same head still gets its own code, and stdnum accepts each."""
    rng = np.random.default_rng(seed)
    heads = np.frombuffer(b"92140921" * n, np.uint8).reshape(n, 8)
    codes = [c.decode() for c in distinct_usccs(heads, rng=rng)]
    numbers = [x.decode() for x in distinct_registration_numbers(
        np.frombuffer(b"140921" * n, np.uint8).reshape(n, 6), rng=rng)]
    assert len(set(codes)) == len(set(numbers)) == n
    assert all(uscc.is_valid(c) and c.startswith("92140921") for c in codes)
    assert all(mod_11_10.is_valid(x) and x.startswith("140921") for x in numbers)
