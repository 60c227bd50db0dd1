"""TargetDirectory: canonical order, digest, lookup, filters, changes and diffs."""

from __future__ import annotations

import datetime as dt
import hashlib

import attrs
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from random_inspection import (
    ColumnsError,
    DuplicateIdError,
    EntityType,
    InvalidValueError,
    RiskClass,
    Scope,
    Target,
    TargetDirectory,
    UnknownIdError,
)
from random_inspection.strategies import target_directories, targets, usccs

A = Target(id="91140921MA0L2B3C46", name="定襄县示例有限公司", entity_type=EntityType.ENTERPRISE,
           region="140921", industry="C13", risk_class=RiskClass.B,
           tags=frozenset({"网络经营", "食品经营"}), last_check_date=dt.date(2023, 5, 6))
B = Target(id="110108000000016", name="示例小店", entity_type=EntityType.INDIVIDUAL_BUSINESS,
           region="140902", supervising_office="城区所")


def test_digest_known_answer() -> None:
    """The digest is SHA-256 of the canonical text written out here by hand (docs/spec)."""
    canonical = (
        "random-inspection/target-directory/v1\n"
        "id\tname\tentity_type\tregion\tindustry\tregistering_office\tsupervising_office\t"
        "risk_class\ttags\tlast_check_date\n"
        "110108000000016\t示例小店\tindividual_business\t140902\t\t\t城区所\tU\t\t\n"
        "91140921MA0L2B3C46\t定襄县示例有限公司\tenterprise\t140921\tC13\t\t\tB\t"
        "网络经营;食品经营\t2023-05-06\n"
    )
    expected = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    assert TargetDirectory.from_records([A, B]).digest == expected
    assert b"".join(TargetDirectory.from_records([B, A]).canonical_chunks()) == canonical.encode()


@given(target_directories(min_size=1), st.randoms(use_true_random=False))
def test_digest_ignores_row_order(directory: TargetDirectory, random: object) -> None:
    """The same targets in any order give an equal directory and the same digest."""
    records = directory.to_records()
    random.shuffle(records)  # type: ignore[attr-defined]
    shuffled = TargetDirectory.from_records(records)
    assert shuffled.digest == directory.digest
    assert shuffled == directory


def _altered(target: Target, field: str, data: st.DataObject) -> Target:
    if field == "id":
        new_id = data.draw(usccs())
        assume(new_id != target.id)
        return attrs.evolve(target, id=new_id)
    if field == "name":
        return attrs.evolve(target, name=target.name + "改")
    if field == "entity_type":
        new = data.draw(st.sampled_from([t for t in EntityType if t is not target.entity_type]))
        try:
            return attrs.evolve(target, entity_type=new)
        except InvalidValueError:
            assume(False)
    if field == "risk_class":
        new_class = data.draw(st.sampled_from([r for r in RiskClass if r is not target.risk_class]))
        return attrs.evolve(target, risk_class=new_class)
    if field == "last_check_date":
        old = target.last_check_date
        return attrs.evolve(target, last_check_date=dt.date(2020, 1, 1) if old is None
                            else old + dt.timedelta(days=1))
    if field == "tags":
        return attrs.evolve(target, tags=target.tags ^ {"新标签"})
    if field == "region":
        return attrs.evolve(target, region="140981" if target.region != "140981" else "140902")
    value = getattr(target, field)
    replacement = {"industry": "A01" if value != "A01" else "C13"}.get(field, value + "x")
    return attrs.evolve(target, **{field: replacement})


FIELDS = ["id", "name", "entity_type", "region", "industry", "registering_office",
          "supervising_office", "risk_class", "tags", "last_check_date"]


@given(target_directories(min_size=1), st.sampled_from(FIELDS), st.data())
def test_digest_changes_with_any_field(directory: TargetDirectory, field: str,
                                       data: st.DataObject) -> None:
    """Changing any field of any one target changes the digest."""
    records = directory.to_records()
    index = data.draw(st.integers(0, len(records) - 1))
    records[index] = _altered(records[index], field, data)
    assume(len({r.id for r in records}) == len(records))
    assert TargetDirectory.from_records(records).digest != directory.digest


@given(target_directories())
def test_rows_round_trip_and_lookup(directory: TargetDirectory) -> None:
    """Iteration yields validated-equal records in id order; lookup finds each one."""
    records = directory.to_records()
    assert [r.id for r in records] == sorted(r.id for r in records)
    for record in records:
        assert directory[record.id] == record
        assert record.id in directory
        assert Target(**attrs.asdict(record, recurse=False)) == record
    assert TargetDirectory.from_records(records) == directory


@given(target_directories(min_size=1), st.data())
def test_bulk_rows_equal_single_rows(directory: TargetDirectory, data: st.DataObject) -> None:
    """`rows` returns the same records as `row`, in the order asked, repeats included."""
    positions = data.draw(st.lists(st.integers(0, len(directory) - 1), max_size=12))
    assert directory.rows(positions) == [directory.row(p) for p in positions]
    assert directory.rows(np.array(positions, dtype=np.int64)) == directory.rows(positions)
    with pytest.raises(IndexError, match=f"position {len(directory)} .*directory\\[id\\]"):
        directory.rows([0, len(directory)])
    with pytest.raises(IndexError, match="position -1"):
        directory.row(-1)


def test_lookup_normalises_and_reports_unknown() -> None:
    """Lookup accepts lower case; an unknown id raises UnknownIdError (a KeyError)."""
    d = TargetDirectory.from_records([A, B])
    assert d["91140921ma0l2b3c46"] == A
    assert d.get("91110000600037341L") is None
    with pytest.raises(UnknownIdError) as info:
        d["91110000600037341L"]
    assert isinstance(info.value, KeyError)
    assert "91110000600037341L" in str(info.value)


def test_columns_are_read_only() -> None:
    """No column array can be written through."""
    d = TargetDirectory.from_records([A, B])
    cols = d._cols
    for array in (cols.keys, cols.names, cols.name_offsets, cols.entity_type, cols.risk_class,
                  cols.last_check, cols.region.codes, cols.tags.codes):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0


def test_duplicates_are_all_listed() -> None:
    """Every duplicated id is named in one error."""
    with pytest.raises(DuplicateIdError) as info:
        TargetDirectory.from_records([A, B, A, B, attrs.evolve(A, name="另一个")])
    assert info.value.ids == (B.id, A.id)


def test_from_columns_reports_every_bad_row() -> None:
    """Bulk validation lists each bad row and field; nothing is built."""
    with pytest.raises(ColumnsError) as info:
        TargetDirectory.from_columns(
            ids=[A.id, "91140921MA0L2B3C47", B.id],
            names=["甲", "乙", "丙\t丁"],
            entity_types=["企业", "enterprise", "法人"],
            regions=["140921", "140921", "1409"],
            risk_classes=["A", "E", ""],
        )
    found = {(p.row, p.field) for p in info.value.problems}
    assert found == {(1, "id"), (1, "risk_class"), (2, "entity_type"), (2, "region"),
                     (2, "name")}
    assert info.value.total == 5


def test_from_columns_rejects_unequal_lengths() -> None:
    """Columns must have the same length."""
    with pytest.raises(InvalidValueError, match="names"):
        TargetDirectory.from_columns(ids=[A.id], names=["a", "b"], entity_types=["企业"],
                                     regions=["140921"])


def test_from_columns_equals_from_records() -> None:
    """Columns (with numpy dates) and records build the same directory."""
    d = TargetDirectory.from_columns(
        ids=np.array([B.id, A.id]), names=[B.name, A.name],
        entity_types=[B.entity_type, "企业"], regions=[B.region, A.region],
        industries=["", "C13"], supervising_offices=["城区所", ""], risk_classes=["U", "B"],
        tags=[None, "食品经营;网络经营"],
        last_check_dates=np.array(["NaT", "2023-05-06"], dtype="datetime64[D]"),
    )
    assert d == TargetDirectory.from_records([A, B])



def _as_array(values: list[object], dtype: str) -> np.ndarray:
    """``values`` as a 1-d numpy array of ``dtype`` ('object' or 'str'), even for sets."""
    if dtype == "str":
        return np.array(values, dtype=str) if values else np.zeros(0, dtype="<U1")
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


@given(target_directories(), st.sampled_from(["object", "str"]), st.booleans())
def test_from_columns_takes_numpy_arrays_everywhere(directory: TargetDirectory, dtype: str,
                                                     dates_as_datetime64: bool) -> None:
    """Every column as a numpy array (object or str dtype) builds the same directory as the
    plain lists: the same digest (once, `raw.get(...) or blank` tested an array's truth)."""
    records = directory.to_records()
    lists = {
        "ids": [t.id for t in records], "names": [t.name for t in records],
        "entity_types": [t.entity_type.code for t in records],
        "regions": [t.region for t in records], "industries": [t.industry for t in records],
        "registering_offices": [t.registering_office for t in records],
        "supervising_offices": [t.supervising_office for t in records],
        "risk_classes": [t.risk_class.code for t in records],
        "tags": [";".join(sorted(t.tags)) for t in records],
    }
    dates = [t.last_check_date for t in records]
    arrays = {name: _as_array(values, dtype) for name, values in lists.items()}
    if dtype == "object":
        arrays["tags"] = _as_array([t.tags for t in records], "object")
    array_dates = (np.array([d or "NaT" for d in dates], dtype="datetime64[D]")
                   if dates_as_datetime64 else _as_array(dates, "object"))
    from_lists = TargetDirectory.from_columns(**lists, last_check_dates=dates)
    from_arrays = TargetDirectory.from_columns(**arrays, last_check_dates=array_dates)
    assert from_lists.digest == directory.digest
    assert from_arrays.digest == directory.digest


def test_from_columns_refuses_two_dimensional_arrays() -> None:
    """A 2-d array is not a column: the argument is named, nothing is built."""
    with pytest.raises(InvalidValueError, match="'regions'.*not one-dimensional"):
        TargetDirectory.from_columns(ids=[A.id], names=[A.name], entity_types=["企业"],
                                     regions=np.array([["140921"]]))

def _reference(records: list[Target], scope: Scope) -> list[Target]:
    def keep(t: Target) -> bool:
        return all([
            not scope.region_prefixes or t.region.startswith(scope.region_prefixes),
            not scope.industry_prefixes or t.industry.startswith(scope.industry_prefixes),
            not scope.entity_types or t.entity_type in scope.entity_types,
            not scope.risk_classes or t.risk_class in scope.risk_classes,
            scope.tags_all <= t.tags,
            not scope.tags_any or bool(scope.tags_any & t.tags),
            not scope.supervising_offices or t.supervising_office in scope.supervising_offices,
        ])
    return [t for t in records if keep(t)]


SCOPES = st.builds(
    Scope,
    region_prefixes=st.lists(st.sampled_from(["14", "1409", "140921", "140902"]), max_size=2),
    industry_prefixes=st.lists(st.sampled_from(["C", "C13", "F", "H62"]), max_size=2),
    entity_types=st.frozensets(st.sampled_from(list(EntityType)), max_size=3),
    risk_classes=st.frozensets(st.sampled_from(list(RiskClass)), max_size=3),
    tags_all=st.frozensets(st.sampled_from(["食品经营", "网络经营"]), max_size=1),
    tags_any=st.frozensets(st.sampled_from(["食品经营", "药品经营", "特种设备使用"]), max_size=2),
    supervising_offices=st.frozensets(st.sampled_from(["城区所", "第一所"]), max_size=1),
)


@given(target_directories(), SCOPES)
def test_select_matches_record_level_filter(directory: TargetDirectory, scope: Scope) -> None:
    """Vectorised scope filters agree with a plain Python filter over records."""
    expected = _reference(directory.to_records(), scope)
    selected = directory.select(scope)
    assert selected.to_records() == expected
    assert selected == TargetDirectory.from_records(expected)


@given(target_directories(min_size=2), st.data())
def test_with_changes_matches_rebuild_and_diff(directory: TargetDirectory,
                                               data: st.DataObject) -> None:
    """with_changes equals rebuilding from edited records, and diff reports exactly the edits."""
    records = directory.to_records()
    ids = [r.id for r in records]
    removed = data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=2))
    rest = [i for i in ids if i not in removed]
    changed_ids = data.draw(st.lists(st.sampled_from(rest), unique=True, max_size=2)) if rest \
        else []
    changed = [attrs.evolve(directory[i], name=directory[i].name + "改") for i in changed_ids]
    added = [t for t in data.draw(st.lists(targets(), max_size=3, unique_by=lambda t: t.id))
             if t.id not in directory]
    new = directory.with_changes(added=added, removed=removed, changed=changed)
    expected = [r for r in records if r.id not in removed and r.id not in changed_ids]
    assert new == TargetDirectory.from_records(expected + changed + added)
    delta = directory.diff(new)
    assert delta.removed == tuple(sorted(removed))
    assert delta.changed == tuple(sorted(changed_ids))
    assert delta.added == tuple(sorted(t.id for t in added))
    assert not directory.diff(directory)


def test_with_changes_reports_all_bad_ids_and_changes_nothing() -> None:
    """Unknown or clashing ids are refused as a whole; the original is untouched."""
    d = TargetDirectory.from_records([A])
    before = d.digest
    with pytest.raises(UnknownIdError) as info:
        d.with_changes(removed=["91110000600037341L"], changed=[B])
    assert set(info.value.ids) == {"91110000600037341L", B.id}
    with pytest.raises(DuplicateIdError):
        d.with_changes(added=[A])
    with pytest.raises(InvalidValueError):
        d.with_changes(removed=[A.id], changed=[A])
    assert d.digest == before
    assert len(d) == 1


def test_counts_and_columns(small_city: object) -> None:
    """counts() totals the directory; column() agrees with the records."""
    d = small_city.targets  # type: ignore[attr-defined]
    assert sum(d.counts("risk_class").values()) == len(d)
    assert sum(d.counts("entity_type").values()) == len(d)
    assert list(d.column("name")[:5]) == [t.name for t in d.to_records()[:5]]
    assert list(d.column("last_check_date")[:50]) == [
        t.last_check_date.isoformat() if t.last_check_date else "" for t in d.to_records()[:50]]
    with pytest.raises(InvalidValueError, match="column"):
        d.column("colour")


def test_memory_per_target(small_city: object) -> None:
    """Columns use fewer than 64 bytes per target besides the names."""
    d = small_city.targets  # type: ignore[attr-defined]
    names = int(d._cols.names.nbytes)
    assert (d.nbytes - names) / len(d) < 64


def test_from_columns_refuses_non_text_ids() -> None:
    """None or a number is never read as the id 'NONE' or '123' (even for products)."""
    with pytest.raises(ColumnsError) as info:
        TargetDirectory.from_columns(ids=[None, 123], names=["a", "b"],
                                     entity_types=["product", "product"],
                                     regions=["140921", "140921"])
    assert [(p.row, p.field) for p in info.value.problems] == [(0, "id"), (1, "id")]


@pytest.mark.parametrize("names", [[" 甲 ", "乙"], ["甲", "e\u0301"], ["甲", None]])
def test_names_normalised_on_every_path(names: list[object]) -> None:
    """Trimming and NFC apply whether names take the fast or the per-row path."""
    build = lambda: TargetDirectory.from_columns(  # noqa: E731
        ids=[A.id, B.id], names=names, entity_types=["企业", "个体工商户"],
        regions=["140921", "140921"])
    if None in names:
        with pytest.raises(ColumnsError, match="name"):
            build()
        return
    d = build()
    assert d[A.id].name == "甲"
    assert d[B.id].name == str(names[1]).strip().replace("e\u0301", "\u00e9")
