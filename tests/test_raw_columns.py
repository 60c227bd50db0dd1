"""Raw columns already encoded (as Arrow hands them over) give exactly what the per-row
Python path gives: `Coded` the codes and uniques of `dict_encode`, `Utf8Texts` the names,
offsets and bad rows of `name_column`."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_inspection.registry._arrow_io import table_columns
from random_inspection.registry._columns import Coded, dict_encode
from random_inspection.registry._name_column import Utf8Texts, _plainly_nfc, name_column

#: Text with what trimming, NFC and the checks care about: spaces of every kind, combining
#: marks, control characters, CJK and characters sharing the lead bytes of spaces.
_PIECES = [" ", "\t", "\u3000", "\u00a0", "\u2028", "\u1680", "\u1681", "\u2014", "\u300c",
           "e", "\u0301", "é", "\x7f", "\x00", "甲", "公司", "A"]
texts = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)


def _utf8(values: list[str]) -> Utf8Texts:
    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return Utf8Texts(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)


@given(st.lists(st.sampled_from(["a", "b", "", "c", "a"]), min_size=1, max_size=8),
       st.lists(st.integers(0, 7), max_size=60))
def test_coded_encodes_as_dict_encode(values: list[str], rows: list[int]) -> None:
    """Repeated, unused and out-of-order values: the codes and first-seen uniques of the
    decoded rows."""
    codes = np.array([r % len(values) for r in rows], dtype=np.int32)
    coded = Coded.of(codes, values)
    expected_codes, expected_uniques = dict_encode([values[c] for c in codes.tolist()])
    assert list(coded.values) == expected_uniques
    assert coded.codes.tolist() == expected_codes.tolist()
    assert [coded[r] for r in range(len(coded))] == [values[c] for c in codes.tolist()]


@given(st.lists(texts, max_size=12), st.randoms(use_true_random=False), st.booleans())
def test_utf8_names_are_checked_as_strings(names: list[str], rng: object,
                                           shuffled: bool) -> None:
    """Blob, offsets and the empty, too long and control rows equal the per-row path's, in
    input order and in any other."""
    order = None
    if shuffled:
        rows = list(range(len(names)))
        rng.shuffle(rows)  # type: ignore[attr-defined]
        order = np.array(rows, dtype=np.int32)
    texts_ = _utf8(names)
    assert texts_.tolist() == names
    fast, slow = name_column(texts_, order), name_column(names, order)
    assert fast.blob.tobytes() == slow.blob.tobytes()
    assert fast.offsets.tolist() == slow.offsets.tolist()
    assert fast.offsets.dtype == slow.offsets.dtype
    for rows in ("empty", "too_long", "control"):
        assert getattr(fast, rows).tolist() == getattr(slow, rows).tolist()


def test_clean_names_are_not_decoded_and_long_ones_are_counted_in_characters() -> None:
    """200 characters of three bytes each is not too long; 201 is."""
    names = _utf8(["甲" * 200, "乙" * 201, "丙公司"])
    assert names.clean()
    column = name_column(names, None)
    assert column.too_long.tolist() == [1]
    assert column.blob.tobytes() == ("甲" * 200 + "乙" * 201 + "丙公司").encode()
    assert not _utf8(["甲", "乙\u3000"]).clean()
    assert not _utf8(["Cafe\u0301"]).clean()
    assert _utf8(["\u300c甲\u2014"]).clean()


@given(st.lists(st.sampled_from([*_PIECES, "（", "）", "·", "\uff9e", "\uf900", "\u4e00",
                                 "\u9fff", "\u3099", "\u1100\u1161"]), max_size=8))
def test_plainly_nfc_only_when_nfc(pieces: list[str]) -> None:
    """The byte-level shortcut never calls text NFC that is not."""
    text = "".join(pieces)
    if _plainly_nfc(np.frombuffer(text.encode(), dtype=np.uint8)):
        assert unicodedata.is_normalized("NFC", text)


def test_chinese_names_take_the_byte_level_shortcut() -> None:
    assert _plainly_nfc(np.frombuffer("甲（北京）有限公司·A".encode(), dtype=np.uint8))
    assert not _plainly_nfc(np.frombuffer("\uf900".encode(), dtype=np.uint8))
    assert not _plainly_nfc(np.frombuffer("e\u0301".encode(), dtype=np.uint8))


@pytest.mark.parametrize("kind", ["string", "large_string", "dictionary"])
@pytest.mark.parametrize("chunks", [[["", ""], [""]], [["", "C13"], ["", None]], [["F52"], []],
                                    [["", ""], [None]]])
def test_arrow_text_columns_encode_as_their_values(kind: str, chunks: list[list[str | None]]
                                                   ) -> None:
    """Empty, chunked, null-holding and dictionary columns: `Coded` as the decoded values
    (nulls as the empty value for optional fields)."""
    pa = pytest.importorskip("pyarrow")
    types = {"string": pa.string(), "large_string": pa.large_string(),
             "dictionary": pa.dictionary(pa.int32(), pa.string())}
    column = pa.chunked_array([pa.array(c, pa.string()).cast(types[kind]) for c in chunks],
                              types[kind])
    coded = table_columns(pa.table({"industry": column}), ["industry"])["industry"]
    values = ["" if v is None else v for c in chunks for v in c]
    codes, uniques = dict_encode(values)
    assert isinstance(coded, Coded)
    assert list(coded.values) == uniques
    assert coded.codes.tolist() == codes.tolist()
