"""Ids held as integer keys: the directory behaves exactly as a plain sorted list of id texts.

The reference here is the straightforward implementation: the records sorted by their id
text, a dict from id to position, and the canonical text written out per the spec. Every
encoded-id directory must agree with it on digest, order, lookups (unknown ids included),
filters, take, iteration, changes and diffs.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_inspection import (
    ColumnsError,
    DuplicateIdError,
    EntityType,
    RiskClass,
    Target,
    TargetDirectory,
)
from random_inspection.demo import DemoCity
from random_inspection.registry._id_keys import (
    KEY_ALPHABET,
    decode_keys,
    encode_chars,
    encode_texts,
    key_words,
    search_keys,
    sort_keys,
)
from random_inspection.registry._identifiers import complete_usccs
from random_inspection.strategies import registration_numbers, target_directories, targets

FIELDS = ("id", "name", "entity_type", "region", "industry", "registering_office",
          "supervising_office", "risk_class", "tags", "last_check_date")
# Ids that meet at the words' edges (12 and 24 characters), prefixes of one another, and the
# alphabet's ends ('-' sorts first, '_' last).
EDGE_CODES = ["A", "A-", "A.", "A0", "A_", "AB", "Z_", "0", "9_-.", "ABCDEFGHIJKL",
              "ABCDEFGHIJKL-", "ABCDEFGHIJKK_", "ABCDEFGHIJKLMNOPQRSTUVWX",
              "ABCDEFGHIJKLMNOPQRSTUVWX0", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
              "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "00000000000000000000000000000000"]
PRODUCT_CODES = st.one_of(st.sampled_from(EDGE_CODES),
                          st.from_regex(r"[0-9A-Z][0-9A-Z._\-]{0,31}", fullmatch=True))


@st.composite
def mixed_targets(draw: st.DrawFn) -> list[Target]:
    """USCCs, registration numbers and product/project codes of every length, mixed."""
    records = draw(st.lists(targets(), max_size=12))
    for kind, ids in ((EntityType.PRODUCT, PRODUCT_CODES), (EntityType.PROJECT, PRODUCT_CODES),
                      (EntityType.INDIVIDUAL_BUSINESS, registration_numbers())):
        for code in draw(st.lists(ids, max_size=8)):
            base = draw(targets(entity_types=[kind]))
            records.append(attrs.evolve(base, id=code))
    unique: dict[str, Target] = {}
    for record in records:
        unique.setdefault(record.id, record)
    return list(unique.values())


class Reference:
    """A plain directory: records sorted by id text, and a dict from id to position."""

    def __init__(self, records: list[Target]) -> None:
        self.records = sorted(records, key=lambda t: t.id.encode())
        self.ids = [t.id for t in self.records]
        self.position = {i: k for k, i in enumerate(self.ids)}

    def canonical(self) -> bytes:
        lines = ["random-inspection/target-directory/v1", "\t".join(FIELDS)]
        for t in self.records:
            date = t.last_check_date.isoformat() if t.last_check_date else ""
            lines.append("\t".join([
                t.id, t.name, t.entity_type.code, t.region, t.industry, t.registering_office,
                t.supervising_office, t.risk_class.code, ";".join(sorted(t.tags)), date]))
        return ("\n".join(lines) + "\n").encode()

    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.canonical()).hexdigest()


def _unknown_ids(reference: Reference) -> list[str]:
    longest = max(map(len, reference.ids), default=0)
    candidates = ["", " ", "a b", "中文", "X" * 40, "Z" * (longest + 1), "-", "A\x00",
                  "91110000600037341L", "ABCDEFGHIJKLM", "0" * 32]
    return [c for c in candidates if c.strip().upper() not in reference.position]


def _agrees(directory: TargetDirectory, reference: Reference) -> None:
    assert b"".join(directory.canonical_chunks()) == reference.canonical()
    assert directory.digest == reference.digest()
    assert directory.ids.tolist() == reference.ids
    assert [i.decode() for i in directory.id_array.tolist()] == reference.ids
    assert directory.to_records() == reference.records
    assert len(directory) == len(reference.ids)
    for position, target_id in enumerate(reference.ids):
        assert directory._row_of(target_id) == position
        assert directory._row_of(target_id.lower()) == position
        assert directory[target_id] == reference.records[position]
    unknown = _unknown_ids(reference)
    for target_id in unknown:
        assert directory._row_of(target_id) == -1
        assert target_id not in directory
        assert directory.get(target_id) is None
    asked = [*reference.ids[::-1], *unknown, *(i.lower() for i in reference.ids[:3])]
    expected = [reference.position.get(i.strip().upper(), -1) for i in asked]
    assert directory.positions(asked).tolist() == expected


@given(target_directories())
def test_strategy_directories_equal_the_reference(directory: TargetDirectory) -> None:
    """Every strategy-generated directory agrees with the plain reference."""
    _agrees(directory, Reference(directory.to_records()))


@given(mixed_targets(), st.randoms(use_true_random=False))
def test_mixed_ids_equal_the_reference(records: list[Target], random: object) -> None:
    """USCCs, registration numbers and codes of 1-32 characters, in any order, give the
    reference's digest, order and lookups; from_columns and the store's arrays agree too."""
    random.shuffle(records)  # type: ignore[attr-defined]
    reference = Reference(records)
    directory = TargetDirectory.from_records(records)
    _agrees(directory, reference)
    columns = TargetDirectory.from_columns(
        ids=[t.id.lower() for t in records], names=[t.name for t in records],
        entity_types=[t.entity_type for t in records], regions=[t.region for t in records],
        industries=[t.industry for t in records],
        registering_offices=[t.registering_office for t in records],
        supervising_offices=[t.supervising_office for t in records],
        risk_classes=[t.risk_class for t in records], tags=[t.tags for t in records],
        last_check_dates=[t.last_check_date for t in records])
    assert columns.digest == reference.digest()
    assert TargetDirectory._from_arrays(directory._to_arrays()).digest == reference.digest()


@given(mixed_targets(), st.data())
def test_filters_take_changes_and_diffs_equal_the_reference(records: list[Target],
                                                            data: st.DataObject) -> None:
    """filter, take, with_changes and diff agree with the same edits on the plain records,
    also when an added id is longer than every id before (the keys widen)."""
    reference = Reference(records)
    directory = TargetDirectory.from_records(records)
    classes = data.draw(st.frozensets(st.sampled_from(list(RiskClass)), min_size=1))
    kept = [t for t in reference.records if t.risk_class in classes]
    _agrees(directory.filter(risk_classes=classes), Reference(kept))
    rows = data.draw(st.lists(st.integers(0, max(len(records) - 1, 0)), max_size=6)
                     ) if records else []
    _agrees(directory.take(rows), Reference([reference.records[r] for r in set(rows)]))
    removed = data.draw(st.lists(st.sampled_from(reference.ids), unique=True, max_size=3)
                        ) if records else []
    rest = [i for i in reference.ids if i not in removed]
    changed_ids = data.draw(st.lists(st.sampled_from(rest), unique=True, max_size=2)
                            ) if rest else []
    changed = [attrs.evolve(directory[i], name=directory[i].name + "改") for i in changed_ids]
    added = [t for t in data.draw(mixed_targets()) if t.id not in reference.position]
    added.append(attrs.evolve(data.draw(targets(entity_types=[EntityType.PRODUCT])),
                              id="W" * 32))
    added = [t for t in added if t.id not in reference.position]
    new = directory.with_changes(added=added, removed=removed, changed=changed)
    after = [t for t in reference.records if t.id not in removed and t.id not in changed_ids]
    _agrees(new, Reference(after + changed + added))
    delta = directory.diff(new)
    assert delta.removed == tuple(sorted(removed))
    assert delta.changed == tuple(sorted(changed_ids))
    assert delta.added == tuple(sorted(t.id for t in added))
    back = new.diff(directory)
    assert (back.added, back.removed, back.changed) == (delta.removed, delta.added,
                                                         delta.changed)


@given(st.lists(PRODUCT_CODES, max_size=60))
def test_keys_sort_and_decode_like_the_text(codes: list[str]) -> None:
    """Encoding keeps byte order, decodes back exactly, and searches like the text."""
    width = max(map(len, codes), default=1)
    words = key_words(width)
    array = np.array([c.encode() for c in codes], dtype=f"S{width}")
    chars = array.view(np.uint8).reshape(len(codes), width)
    keys = encode_chars(chars, words)
    assert decode_keys(keys, width).tolist() == array.tolist()
    order, ordered = sort_keys(keys)
    assert array[order].tolist() == sorted(array.tolist())
    assert (ordered == keys[order]).all()
    unique = sorted(set(codes), key=str.encode)
    stored = encode_texts(unique, words)[0]
    asked = [*codes, "a", "", "-" * (words * 12 + 1), "ÄB"]
    wanted, fits = encode_texts(asked, words)
    found = search_keys(stored, wanted)
    assert np.where(fits, found, -1).tolist() == [unique.index(c) if c in unique else -1
                                                  for c in asked]


@pytest.mark.parametrize("shared", ["", "PRODUCT-CODE-0000-", "91140921"])
def test_large_sorts_match_numpy_string_order(shared: str) -> None:
    """Past one bucket (2**15 keys) the linear partition still sorts as numpy sorts the
    text: random codes, codes sharing a long prefix (one bucket), and USCC-like codes."""
    rng = np.random.default_rng(7)
    n = 100_000
    alphabet = np.frombuffer(KEY_ALPHABET.encode(), dtype=np.uint8)
    lengths = rng.integers(1, 33 - len(shared), size=n)
    body = alphabet[rng.integers(0, len(alphabet), size=(n, 32 - len(shared)))]
    body[np.arange(32 - len(shared))[None, :] >= lengths[:, None]] = 0
    body[:, 0] = alphabet[rng.integers(2, 38, size=n)]  # starts with a letter or digit
    head = np.frombuffer(shared.encode(), dtype=np.uint8)
    chars = np.concatenate([np.broadcast_to(head, (n, len(head))), body], axis=1)
    array = np.ascontiguousarray(chars).view("S32").ravel()
    keys = encode_chars(chars, key_words(32))
    order, ordered = sort_keys(keys)
    assert array[order].tolist() == np.sort(array).tolist()
    assert decode_keys(ordered, 32).tolist() == np.sort(array).tolist()


@pytest.mark.parametrize("swap", [None, 1, 5_000, 69_998])
def test_keys_in_order_or_nearly_sort_alike(swap: int | None) -> None:
    """Keys already in order (repeats included) keep their order; one pair out of order,
    early, past the first chunk checked or at the end, is sorted."""
    rng = np.random.default_rng(11)
    n = 70_000
    alphabet = np.frombuffer(KEY_ALPHABET.encode(), dtype=np.uint8)[2:38]
    chars = alphabet[rng.integers(0, 36, size=(n, 18))]
    array = np.sort(np.ascontiguousarray(chars).view("S18").ravel())
    array[100] = array[99]  # equal neighbours are in order
    if swap is not None:
        array[[swap, swap + 1]] = array[[swap + 1, swap]]
    chars = array.view(np.uint8).reshape(n, 18)
    order, ordered = sort_keys(encode_chars(chars, key_words(18)))
    assert array[order].tolist() == np.sort(array).tolist()
    assert decode_keys(ordered, 18).tolist() == np.sort(array).tolist()
    assert (swap is None) == bool((order == np.arange(n)).all())


def test_errors_name_rows_and_fields_past_the_first_chunk() -> None:
    """Bad and duplicate ids are reported with their rows, also beyond 2**16 rows."""
    n = 70_000
    rng = np.random.default_rng(3)
    heads = np.frombuffer(b"91140921", dtype=np.uint8)
    bodies = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)[
        rng.integers(0, 31, size=(n, 9))]
    ids = np.unique(complete_usccs(np.concatenate(
        [np.broadcast_to(heads, (n, 8)), bodies], axis=1))).astype(str).tolist()
    n = len(ids)
    columns = {"names": [f"企业{i}" for i in range(n)], "entity_types": ["企业"] * n,
               "regions": ["140921"] * n}
    bad = list(ids)
    bad[100] = ""  # in a chunk of plain text
    bad[66_000] = bad[66_000][:-1] + ("0" if bad[66_000][-1] != "0" else "1")
    bad[67_000] = ""
    bad[68_000] = "91140921 MA0L2B3C46"
    with pytest.raises(ColumnsError) as info:
        TargetDirectory.from_columns(ids=bad, **columns)
    assert [(p.row, p.field, p.problem.split(" (")[0]) for p in info.value.problems] == [
        (100, "id", "not an identifier"),
        (66_000, "id", "not a valid identifier for an enterprise"),
        (67_000, "id", "not an identifier"), (68_000, "id", "not an identifier")]
    assert info.value.problems[1].value == bad[66_000]
    repeated = list(ids)
    repeated[69_000] = repeated[5].lower()
    with pytest.raises(DuplicateIdError) as duplicate:
        TargetDirectory.from_columns(ids=repeated, **columns)
    assert duplicate.value.ids == (ids[5],)
    directory = TargetDirectory.from_columns(ids=np.array(ids[::-1], dtype="S18"), **columns)
    assert directory.ids.tolist() == sorted(ids)
    assert directory.nbytes - directory._cols.names.nbytes <= 40 * n


def test_usccs_take_two_words_and_codes_three() -> None:
    """A USCC directory keys ids in 16 bytes; a 32-character code makes it 24."""
    t = Target(id="91140921MA0L2B3C46", name="甲", entity_type=EntityType.ENTERPRISE,
               region="140921", last_check_date=dt.date(2024, 1, 2))
    code = attrs.evolve(t, id="P" * 32, entity_type=EntityType.PRODUCT)
    assert TargetDirectory.from_records([t])._cols.keys.shape == (1, 2)
    assert TargetDirectory.from_records([t, code])._cols.keys.shape == (2, 3)


def test_ids_at_one_row_is_its_id_before_and_after_id_array(small_city: DemoCity) -> None:
    """``ids_at(row)`` gives the row's id as bytes whether or not `id_array` was decoded."""
    fresh = TargetDirectory.from_records(small_city.targets.to_records()[:50])
    first = [fresh.ids_at(k) for k in range(len(fresh))]
    assert first == fresh.id_array.tolist()
    assert [fresh.ids_at(k) for k in range(len(fresh))] == first
    assert fresh.ids_at(np.arange(3)).tolist() == first[:3]
