"""One strict record format (spec §9–§10): the library and the standalone verifier give the
same verdict and exit code on every input — honest records, a hand-made corpus of edits, and
records mutated at every key, value, type and byte — and the published schema agrees."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

from random_inspection import (
    AuditRecord,
    ClassWeighted,
    Conflict,
    ConflictGround,
    ConflictRegister,
    CustomRule,
    StratifiedByRisk,
    TeamPolicy,
    assign_inspectors,
    draw_targets,
)
from random_inspection import verifier as stdlib
from random_inspection._canonical import canonical_digest, canonical_json
from random_inspection._schema import _regex
from random_inspection.audit import record_schema, verify_file
from random_inspection.cli import main as cli_main
from random_inspection.demo import demo_city
from random_inspection.registry import CheckItemList, InspectorDirectory, TargetDirectory
from random_inspection.strategies import RecordMutation, record_mutations

SEED = "31415926535897932384"
DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
#: Mutations per base record in the differential test: 4 bases × 2,500 = 10^4 in CI.
MUTATIONS = 2_500 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 150


class Registers:
    """Register files and objects for records drawn from a small demo city."""

    def __init__(self, folder: Path) -> None:
        city = demo_city(n_targets=400, n_officers=24)
        self.folder = folder
        self.targets, self.inspectors = city.targets, city.inspectors
        self.items = city.check_items
        officers = [i for i in city.inspectors if i.counts_as_officer(dt.date(2024, 6, 3))]
        first = city.targets.ids[0]
        self.conflicts = ConflictRegister([Conflict(inspector_id=officers[0].id, target_id=first,
                                                    ground=ConflictGround.RELATIVE)])
        self.previous = {first: [officers[1].id]}
        city.targets.to_csv(folder / "d.csv")
        city.inspectors.to_csv(folder / "i.csv")
        city.check_items.to_csv(folder / "items.csv")
        self.conflicts.to_csv(folder / "c.csv")
        (folder / "p.json").write_text(json.dumps(self.previous), encoding="utf-8")

    def library(self, path: Path) -> int:
        """The library's exit code for a record file (what `random-inspection verify` does)."""
        return verify_file(path, self.targets, inspectors=self.inspectors, items=self.items,
                           conflicts=self.conflicts,
                           previous_inspectors=self.previous).exit_code

    def stdlib(self, path: Path) -> int:
        """verifier.py's exit code for the same file and registers."""
        return stdlib.main([str(path), str(self.folder / "d.csv"), "--inspectors",
                            str(self.folder / "i.csv"), "--item-list",
                            str(self.folder / "items.csv"), "--conflicts",
                            str(self.folder / "c.csv"), "--previous",
                            str(self.folder / "p.json")])


@pytest.fixture(scope="module")
def registers(tmp_path_factory: pytest.TempPathFactory) -> Registers:
    """The small city's registers, as objects and as files."""
    return Registers(tmp_path_factory.mktemp("registers"))


def _records(registers: Registers) -> dict[str, str]:
    """Honest records of each shape: stratified with the floor and exclusions, class-weighted
    with rounding, teams with every kind of exclusion."""
    targets = registers.targets
    stratified = StratifiedByRisk(
        rates={"A": "1/100", "B": "1/50", "D": "1/5"}, minimums={"C": 2}, maximums={"D": 3},
        floor="1/10", exclude_checked_since="2023-09-01",
        excluded_ids={"上级抽取 drawn by 2024/province/1": list(targets.ids[:30])})
    weighted = ClassWeighted(total=25, weights={"A": "1", "B": "2", "C": "6", "D": "40"},
                             scope={"entity_types": []})
    first = draw_targets(targets, stratified, seed=SEED, purpose="2024/format/1")
    second = draw_targets(targets, weighted, seed=SEED, purpose="2024/format/2")
    policy = TeamPolicy(
        check_date=dt.date(2024, 6, 3), mode="by_region", leader_department=None,
        conflicts=registers.conflicts, previous_inspectors=registers.previous,
        items=registers.items.require(["SJ05", "SJ07"]),
        custom_rules=[CustomRule("same surname", lambda o, _t: o.name[0] == "王")])
    teams = assign_inspectors(draw_targets(
        targets, StratifiedByRisk(rates=dict.fromkeys("ABCDU", "3/100"), floor="0",
                                  scope={"entity_types": []}),
        seed=SEED, purpose="2024/format/3"), registers.inspectors, policy)
    return {"stratified": first.record.to_json(), "weighted": second.record.to_json(),
            "teams": teams.record.to_json()}


@pytest.fixture(scope="module")
def records(registers: Registers) -> dict[str, str]:
    """The honest records, by shape, as published text."""
    return _records(registers)


def _verdicts(registers: Registers, folder: Path, data: bytes) -> tuple[int, int]:
    path = folder / "r.json"
    path.write_bytes(data)
    return registers.library(path), registers.stdlib(path)


def test_honest_records_verify_in_both(registers: Registers, records: dict[str, str],
                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    """Every honest record, and the committed spec 1 record, verifies in both (exit 0)."""
    for text in records.values():
        assert _verdicts(registers, tmp_path, text.encode()) == (0, 0)
    capsys.readouterr()
    golden = DATA / "golden_record.json"
    directory = TargetDirectory.from_csv(DATA / "golden_directory.csv")
    assert verify_file(golden, directory).exit_code == 0
    assert stdlib.main([str(golden), str(DATA / "golden_directory.csv")]) == 0
    assert "VERIFIED" in capsys.readouterr().out


def _edit(text: str, change: Any, *, redigest: bool = True) -> bytes:
    record = json.loads(text)
    change(record)
    def dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                          allow_nan=True).encode("utf-8", "surrogatepass")
    if redigest:  # a careful forger recomputes the digest over what the file will hold
        content = dumps({k: v for k, v in record.items() if k != "record_digest"})
        record["record_digest"] = "sha256:" + hashlib.sha256(content).hexdigest()
    return dumps(record)


def _deep(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


#: (name, base record, edit of the text → bytes, expected exit code).
CORPUS: list[tuple[str, str, Any, int]] = [
    ("honest", "stratified", lambda t: t.encode(), 0),
    ("utf-8 BOM", "stratified", lambda t: b"\xef\xbb\xbf" + t.encode(), 0),
    ("two BOMs", "stratified", lambda t: b"\xef\xbb\xbf" * 2 + t.encode(), 2),
    ("utf-16", "stratified", lambda t: t.encode("utf-16"), 2),
    ("added comment key", "stratified",
     lambda t: _edit(t, lambda r: r.update(comment="checked by 张三")), 1),
    ("extra key in a stratum", "stratified",
     lambda t: _edit(t, lambda r: r["strata"][1].update(note="x")), 1),
    ("size as text", "stratified",
     lambda t: _edit(t, lambda r: r["strata"][1].update(size=str(r["strata"][1]["size"]))), 1),
    ("size as a float", "stratified",
     lambda t: _edit(t, lambda r: r["strata"][1].update(size=float(r["strata"][1]["size"]))),
     1),
    ("directory size as text", "stratified",
     lambda t: _edit(t, lambda r: r["directory"].update(size=str(r["directory"]["size"]))), 1),
    ("huge integer", "stratified",
     lambda t: _edit(t, lambda r: r["directory"].update(size=10**400)), 1),
    ("integer 2^53", "stratified",
     lambda t: _edit(t, lambda r: r["directory"].update(size=2**53)), 1),
    ("NaN", "stratified",
     lambda t: _edit(t, lambda r: r["directory"].update(size=float("nan"))), 2),
    ("CRLF at the end", "stratified", lambda t: (t + "\r\n").encode(), 1),
    ("newline at the end", "weighted", lambda t: (t + "\n").encode(), 1),
    ("trailing garbage", "stratified", lambda t: (t + "x").encode(), 1),
    ("second object", "stratified", lambda t: (t + "{}").encode(), 1),
    ("leading space", "stratified", lambda t: (" " + t).encode(), 1),
    ("truncated", "stratified", lambda t: t.encode()[: len(t) // 2], 2),
    ("empty file", "stratified", lambda _: b"", 2),
    ("pretty-printed", "stratified",
     lambda t: json.dumps(json.loads(t), ensure_ascii=False, sort_keys=True,
                          indent=1).encode(), 1),
    ("non-ASCII escaped", "stratified",
     lambda t: json.dumps(json.loads(t), sort_keys=True, separators=(",", ":")).encode(), 1),
    ("duplicate key", "stratified",
     lambda t: ('{"hash":"sha256",' + t[1:]).encode(), 1),
    ("duplicate key, other value", "stratified",
     lambda t: ('{"hash":"sm3",' + t[1:]).encode(), 1),
    ("a JSON array", "stratified", lambda t: f"[{t}]".encode(), 2),
    ("format twice, the record's first", "stratified",
     lambda t: (t[:-1] + ',"format":"other"}').encode(), 1),
    ("format twice, the record's last", "stratified",
     lambda t: ('{"format":"other",' + t[1:]).encode(), 1),
    ("deep nesting", "stratified",
     lambda t: _edit(t, lambda r: r.update(comment=_deep(100))), 2),
    ("nesting within limits", "stratified",
     lambda t: _edit(t, lambda r: r.update(comment=_deep(20))), 1),
    ("not a record", "stratified", lambda _: b'{"format":"something-else"}', 2),
    ("spec 2", "stratified", lambda t: _edit(t, lambda r: r.update(spec_version="2")), 2),
    ("spec as a number", "stratified",
     lambda t: _edit(t, lambda r: r.update(spec_version=1.1)), 1),
    ("spec 1.1 passed off as 1", "stratified",
     lambda t: _edit(t, lambda r: r.update(spec_version="1")), 1),
    ("unknown hash", "stratified", lambda t: _edit(t, lambda r: r.update(hash="md5")), 1),
    ("escaped lone surrogate", "stratified",
     lambda t: t.replace('"purpose":"2024/format/1"',
                         '"purpose":"2024/format/\\ud800"').encode(), 1),
    ("purpose not NFC", "stratified",
     lambda t: _edit(t, lambda r: r.update(purpose="2024/cafe\u0301")), 1),
    ("rate not in lowest terms", "stratified",
     lambda t: _edit(t, lambda r: r["design"]["rates"].update(A="2/200")), 1),
    ("minimum above maximum", "stratified",
     lambda t: _edit(t, lambda r: r["design"]["minimums"].update(D=9)), 1),
    ("unsorted scope list", "weighted",
     lambda t: _edit(t, lambda r: r["design"]["scope"].update(region_prefixes=["1409", "1401"])),
     1),
    ("province 99 in the scope", "weighted",
     lambda t: _edit(t, lambda r: r["design"]["scope"].update(region_prefixes=["99"])), 1),
    ("calendar date that does not exist", "stratified",
     lambda t: _edit(t, lambda r: r["design"].update(exclude_checked_since="2023-02-30")), 1),
    ("adjustment text instead of code", "stratified",
     lambda t: _edit(t, lambda r: r["allocation"]["adjustments"].append("note")), 1),
    ("short seed", "stratified",
     lambda t: _edit(t, lambda r: r["seed"].update(value="1234")), 1),
    ("combined seed, one party", "stratified",
     lambda t: _edit(t, lambda r: r["seed"].update(provenance="combined", parties=["甲"])), 1),
    ("selection changed, digest kept", "stratified",
     lambda t: _edit(t, lambda r: r["strata"][1]["selected"].reverse(), redigest=False), 1),
    ("selection changed, digest redone", "stratified",
     lambda t: _edit(t, lambda r: r["strata"][1]["selected"].reverse()), 1),
    ("library version changed, digest redone", "stratified",
     lambda t: _edit(t, lambda r: r.update(library_version="9.9")), 0),
    ("unstaffed reason as text", "teams",
     lambda t: _edit(t, lambda r: r["teams"]["unstaffed"].append(
         {"target": r["strata"][0]["selected"][0], "reason": "too busy"})), 1),
    ("custom exclusion added", "teams",
     lambda t: _edit(t, lambda r: r["teams"]["custom_exclusions"].setdefault(
         "same surname", {}).setdefault(r["strata"][2]["selected"][0], []).append("ZZ")), 1),
    ("exclusion count changed", "teams",
     lambda t: _edit(t, lambda r: r["teams"]["exclusions"].update(rotation=99)), 1),
    ("items digest changed", "teams",
     lambda t: _edit(t, lambda r: r["teams"]["policy"].update(items_digest="sha256:" + "0" * 64)),
     1),
]


@pytest.mark.parametrize(("name", "base", "edit", "expected"), CORPUS,
                         ids=[c[0] for c in CORPUS])
def test_corpus_same_verdict(registers: Registers, records: dict[str, str], tmp_path: Path,
                             capsys: pytest.CaptureFixture[str], name: str, base: str,
                             edit: Any, expected: int) -> None:
    """Each hand-made case gets the expected exit code from the library and verifier.py."""
    assert _verdicts(registers, tmp_path, edit(records[base])) == (expected, expected), name
    capsys.readouterr()


def test_missing_and_wrong_registers(registers: Registers, records: dict[str, str],
                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A register the teams need but not given: cannot check (2), naming the option, in both;
    a register given but different from the one drawn with: not verified (1)."""
    path = tmp_path / "r.json"
    path.write_text(records["teams"], encoding="utf-8")
    report = verify_file(path, registers.targets, inspectors=registers.inspectors,
                         items=registers.items)
    assert report.exit_code == 2
    assert "--conflicts" in str(report)
    assert "--previous" in str(report)
    folder = registers.folder
    assert stdlib.main([str(path), str(folder / "d.csv"), "--inspectors",
                        str(folder / "i.csv"), "--item-list", str(folder / "items.csv")]) == 2
    assert "--conflicts" in capsys.readouterr().out
    other = ConflictRegister()
    assert verify_file(path, registers.targets, inspectors=registers.inspectors,
                       items=registers.items, conflicts=other,
                       previous_inspectors=registers.previous).exit_code == 1
    other.to_csv(tmp_path / "none.csv")
    assert stdlib.main([str(path), str(folder / "d.csv"), "--inspectors",
                        str(folder / "i.csv"), "--item-list", str(folder / "items.csv"),
                        "--conflicts", str(tmp_path / "none.csv"), "--previous",
                        str(folder / "p.json")]) == 1
    assert "FAIL conflicts_digest" in capsys.readouterr().out


def _bases() -> Iterator[str]:
    yield from ("stratified", "weighted", "teams", "golden")


@pytest.mark.parametrize("base", list(_bases()))
def test_mutations_same_verdict(registers: Registers, records: dict[str, str], tmp_path: Path,
                                base: str) -> None:
    """Records mutated at every key, value, type and byte (a Hypothesis strategy; in CI a
    fixed derandomized run of 2,500 per base record, 10^4 in all) get the same exit code
    from the library and verifier.py."""
    golden = DATA / "golden_record.json"
    text = golden.read_text(encoding="utf-8") if base == "golden" else records[base]
    directory = (TargetDirectory.from_csv(DATA / "golden_directory.csv") if base == "golden"
                 else registers.targets)
    csv_path = str(DATA / "golden_directory.csv") if base == "golden" else None
    seen: dict[int, int] = {}

    @settings(max_examples=MUTATIONS, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(record_mutations(text))
    def same(mutation: RecordMutation) -> None:
        path = tmp_path / "m.json"
        path.write_bytes(mutation.data)
        if csv_path is None:
            mine, theirs = registers.library(path), _quiet(registers.stdlib, path)
        else:
            mine = verify_file(path, directory).exit_code
            theirs = _quiet(lambda p: stdlib.main([str(p), csv_path]), path)
        assert mine == theirs, f"{mutation.description}: library {mine}, verifier.py {theirs}"
        seen[mine] = seen.get(mine, 0) + 1

    same()
    assert sum(seen.values()) >= MUTATIONS * 9 // 10  # the run was not cut short
    assert seen.get(1, 0) > MUTATIONS // 3  # most mutations are caught as alterations …
    assert seen.get(2, 0) > 0  # … some make the file unreadable


def _quiet(run: Any, path: Path) -> int:
    import contextlib  # noqa: PLC0415
    import io  # noqa: PLC0415

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code: int = run(path)
    return code


# --- the published schema -------------------------------------------------------------------

def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if isinstance(instance, str) and not _regex(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


#: jsonschema's 2020-12 validator with ECMA-262 ``$`` (the end only), as the schema says.
Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator,
                                         {"pattern": _ecma_pattern})


def _load(data: bytes) -> Any:
    """JSON with numbers that have a fraction or exponent kept as non-integers."""
    return json.loads(data.decode("utf-8-sig"), parse_float=Decimal)


def test_schema_is_valid_and_published() -> None:
    """The schema is a valid 2020-12 schema, and docs/spec holds the same file."""
    schema = record_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert (ROOT / "docs/spec/record.schema.json").read_bytes() == (
        ROOT / "src/random_inspection/record.schema.json").read_bytes()


def test_records_validate_against_the_schema(records: dict[str, str]) -> None:
    """Honest records of every shape, and the spec 1 record, validate."""
    validator = Validator(record_schema())
    for text in [*records.values(), (DATA / "golden_record.json").read_text(encoding="utf-8")]:
        assert list(validator.iter_errors(_load(text.encode()))) == []


@pytest.mark.parametrize(("name", "base", "edit", "expected"),
                         [c for c in CORPUS if c[3] == 1 and c[0] in {
                             "added comment key", "extra key in a stratum", "size as text",
                             "size as a float", "directory size as text", "huge integer",
                             "integer 2^53", "spec as a number", "unknown hash",
                             "adjustment text instead of code", "unstaffed reason as text",
                             "nesting within limits"}],
                         ids=lambda c: c if isinstance(c, str) else "")
def test_schema_rejects_bad_cases(records: dict[str, str], name: str, base: str, edit: Any,
                                  expected: int) -> None:
    """Each hand-made case that changes keys or types is refused by the schema itself."""
    validator = Validator(record_schema())
    assert list(validator.iter_errors(_load(edit(records[base])))), name


def test_schema_refuses_a_json_array() -> None:
    """The schema's top level is an object."""
    assert list(Validator(record_schema()).iter_errors([])), "a JSON array"


def test_library_checker_agrees_with_jsonschema(records: dict[str, str]) -> None:
    """The library's own schema checker and the jsonschema package accept and refuse the same
    mutated records (those that parse as JSON)."""
    from random_inspection._schema import SchemaChecker  # noqa: PLC0415
    from random_inspection._strict_json import (  # noqa: PLC0415
        JSONReadError,
        decode_text,
        parse_document,
    )

    checker, validator = SchemaChecker(record_schema()), Validator(record_schema())

    @settings(max_examples=MUTATIONS, derandomize=True, deadline=None, database=None)
    @given(record_mutations(records["teams"]))
    def agree(mutation: RecordMutation) -> None:
        if mutation.description.startswith("duplicate key"):
            return  # a parsed object cannot show jsonschema its duplicate keys
        try:
            value = parse_document(decode_text(mutation.data)[0])[0]
            plain = _load(mutation.data)
        except (JSONReadError, ValueError, RecursionError):
            return
        mine = not checker.problems(value)
        theirs = not list(validator.iter_errors(plain))
        assert mine == theirs, mutation.description

    agree()


def test_canonical_json_is_the_record(records: dict[str, str]) -> None:
    """A record's text is the canonical JSON of its content and digest (spec §9.1)."""
    for text in records.values():
        record = AuditRecord.from_json(text)
        assert canonical_json({**record.content(), "record_digest": record.digest}) == text


SPEC1 = DATA / "spec1"
#: Records made by the library before spec 1.1 (tests/data/spec1/make_records.py), with the
#: registers each needs.
SPEC1_RECORDS = {
    "stratified": [], "weighted": [], "all_capped": [],
    "teams": ["--inspectors", "inspectors.csv", "--item-list", "items.csv", "--conflicts",
              "conflicts.csv", "--previous", "previous.json"],
    "groups": ["--inspectors", "inspectors.csv"],
}


def _spec1_library(path: Path, options: list[str]) -> int:
    given = dict(zip(options[::2], options[1::2], strict=True))
    return verify_file(
        path, TargetDirectory.from_csv(SPEC1 / "directory.csv"),
        inspectors=InspectorDirectory.from_csv(SPEC1 / given["--inspectors"])
        if "--inspectors" in given else None,
        items=CheckItemList.from_csv(SPEC1 / given["--item-list"])
        if "--item-list" in given else None,
        conflicts=ConflictRegister.from_csv(SPEC1 / given["--conflicts"])
        if "--conflicts" in given else None,
        previous_inspectors=json.loads((SPEC1 / given["--previous"]).read_text(encoding="utf-8"))
        if "--previous" in given else None).exit_code


@pytest.mark.parametrize("name", sorted(SPEC1_RECORDS))
def test_spec1_records_verify(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                              ) -> None:
    """Records of spec 1 made by the earlier library (stratified with the floor, a minimum, a
    maximum that cut a certainty class and a class at rate 0; class-weighted with an empty
    class and all classes capped; teams with unstaffed targets, conflicts and rotation; groups)
    verify in both verifiers; with the certainty note dropped (digest redone) they fail."""
    options = SPEC1_RECORDS[name]
    path = SPEC1 / f"{name}.json"
    files = [str(SPEC1 / o) if not o.startswith("--") else o for o in options]
    assert _spec1_library(path, options) == 0
    assert stdlib.main([str(path), str(SPEC1 / "directory.csv"), *files]) == 0
    record = json.loads(path.read_text(encoding="utf-8"))
    record["allocation"]["adjustments"] = record["allocation"]["adjustments"][1:] or ["note"]
    record["record_digest"] = canonical_digest({k: v for k, v in record.items()
                                                if k != "record_digest"})
    altered = tmp_path / "altered.json"
    altered.write_text(canonical_json(record), encoding="utf-8")
    assert _spec1_library(altered, options) == 1
    assert stdlib.main([str(altered), str(SPEC1 / "directory.csv"), *files]) == 1
    capsys.readouterr()


# --- register files: both verifiers read the same spellings and refuse the same files -----------

def _sub(name: str, old: str, new: str, count: int = 1) -> Any:
    """A change to one register file's text: replace ``old`` by ``new``."""
    def change(texts: dict[str, str]) -> None:
        assert old in texts[name], (name, old)
        texts[name] = texts[name].replace(old, new, count)
    return change


def _lines(name: str, change: Any) -> Any:
    def apply(texts: dict[str, str]) -> None:
        lines = texts[name].splitlines()
        texts[name] = "\n".join(change(lines)) + "\n"
    return apply


def _cells(name: str, column: str, value: Any, row: int = 1, where: str = "") -> Any:
    """Set one cell of a register file: of data row ``row`` (from 1), or of the first row
    containing ``where``."""
    def apply(lines: list[str]) -> list[str]:
        header = lines[0].split(",")
        nonlocal row
        if where:
            row = next(k for k, line in enumerate(lines) if where in line)
        cells = lines[row].split(",")
        cells[header.index(column)] = value(cells[header.index(column)])
        lines[row] = ",".join(cells)
        return lines
    return _lines(name, apply)


def _column(name: str, add: str, value: str) -> Any:
    return _lines(name, lambda lines: [lines[0] + "," + add]
                  + [line + "," + value for line in lines[1:]])


#: (name, change to the register files, the exit code both verifiers must give).
REGISTER_CASES: list[tuple[str, Any, int]] = [
    ("as written", lambda t: None, 0),
    ("CRLF line ends", lambda t: t.update({k: v.replace("\n", "\r\n") for k, v in t.items()
                                           if k.endswith(".csv")}), 0),
    ("rows reordered", _lines("d.csv", lambda ls: [ls[0], *reversed(ls[1:])]), 0),
    ("header in capitals", _lines("d.csv", lambda ls: [ls[0].upper(), *ls[1:]]), 0),
    ("an alias header", _sub("d.csv", "id,name,", "统一社会信用代码/注册号,企业名称,"), 0),
    ("entity type spelled Enterprise", _sub("d.csv", ",enterprise,", ",Enterprise,", 5), 0),
    ("risk class spelled 信用风险较高", _sub("d.csv", ",C,", ",信用风险较高,", 3), 0),
    ("a date as 2023/9/8", _cells("d.csv", "last_check_date",
                                   lambda v: v.replace("-0", "/").replace("-", "/") if v
                                   else v), 0),
    ("full-width region digits", _cells("d.csv", "region",
                                         lambda v: v.translate(str.maketrans(
                                             "0123456789", "０１２３４５６７８９")), 2), 0),
    ("status spelled Active", _sub("i.csv", ",active,", ",Active,", 3), 0),
    ("status spelled 在职", _sub("i.csv", ",active,", ",在职,", 3), 0),
    ("item kind spelled 重点", _sub("items.csv", ",key,", ",重点,", 2), 0),
    ("method spelled 现场检查", _sub("items.csv", ",on_site,", ",现场检查,", 2), 0),
    ("ground spelled 亲属", _sub("c.csv", ",relative,", ",亲属,"), 0),
    ("ground spelled Relative", _sub("c.csv", ",relative,", ",Relative,"), 0),
    ("conflict inspector id padded", _cells("c.csv", "inspector_id", lambda v: f" {v} "), 0),
    ("previous inspectors with a BOM", lambda t: t.update({"p.json": "\ufeff" + t["p.json"]}),
     0),
    ("a target removed", _lines("d.csv", lambda ls: ls[:-1]), 1),
    ("a name changed", _cells("d.csv", "name", lambda v: v + "X"), 1),
    ("an inspector's office changed", _cells("i.csv", "office", lambda v: v + "X", row=2), 1),
    ("a tab moving a value into the next field", _cells("d.csv", "industry",
                                                        lambda v: '"C\t13"'), 2),
    ("a tab in a name", _cells("d.csv", "name", lambda v: f'"{v[:1]}\t{v[1:]}"'), 2),
    ("a wrong check character", _cells("d.csv", "id",
                                       lambda v: v[:17] + ("0" if v[17] != "0" else "1"),
                                       where=",enterprise,"), 2),
    ("region 999999", _cells("d.csv", "region", lambda v: "999999"), 2),
    ("industry Z99", _cells("d.csv", "industry", lambda v: "Z99"), 2),
    ("a tag with a comma", _cells("d.csv", "tags", lambda v: '"a,b"'), 2),
    ("a name of 250 characters", _cells("d.csv", "name", lambda v: "名" * 250), 2),
    ("an id with a NUL", _cells("d.csv", "id", lambda v: v + "\x00"), 2),
    ("an ISO week date", _cells("d.csv", "last_check_date", lambda v: "2023-W01-1"), 2),
    ("a repeated column", _column("d.csv", "信用风险分类", "D"), 2),
    ("an unknown column", _column("d.csv", "comment", "x"), 2),
    ("a stray quote", _cells("d.csv", "name", lambda v: f'"{v}"号'), 2),
    ("a duplicate inspector id", _lines("i.csv", lambda ls: [*ls, ls[1]]), 2),
    ("an officer without a credential number",
     _cells("i.csv", "credential_number", lambda v: "", row=5), 2),
    ("is_expert spelled maybe", _cells("i.csv", "is_expert", lambda v: "maybe"), 2),
    ("an item code twice", _lines("items.csv", lambda ls: [*ls, ls[1]]), 2),
    ("a conflict pair twice", _lines("c.csv", lambda ls: [*ls, ls[1]]), 2),
    ("a conflict that ends before it starts",
     _lines("c.csv", lambda ls: [ls[0], ls[1].replace(",,,", ",2030-01-01,2020-01-01,")]), 2),
    ("previous inspectors with one target twice", lambda t: t.update(
        {"p.json": t["p.json"][:-1] + ', " ' + t["p.json"][2:]}), 2),
    ("previous inspectors not a list", lambda t: t.update(
        {"p.json": re.sub(r"\[([^\]]*)\]", r"\1", t["p.json"], count=1)}), 2),
]


@pytest.mark.parametrize(("name", "change", "expected"), REGISTER_CASES,
                         ids=[c[0] for c in REGISTER_CASES])
def test_register_files_same_verdict(registers: Registers, records: dict[str, str],
                                     tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     name: str, change: Any, expected: int) -> None:
    """The teams record against register files re-spelled, re-saved, altered or invalid:
    `random-inspection verify` and verifier.py give the same exit code — 0 for every spelling
    the spec lists, 1 for a changed register, 2 for a file no register can be read from."""
    texts = {n: (registers.folder / n).read_text(encoding="utf-8")
             for n in ("d.csv", "i.csv", "items.csv", "c.csv", "p.json")}
    change(texts)
    for file_name, text in texts.items():
        (tmp_path / file_name).write_text(text, encoding="utf-8", newline="")
    (tmp_path / "r.json").write_text(records["teams"], encoding="utf-8")
    options = [str(tmp_path / "r.json"), str(tmp_path / "d.csv"), "--inspectors",
               str(tmp_path / "i.csv"), "--item-list", str(tmp_path / "items.csv"),
               "--conflicts", str(tmp_path / "c.csv"), "--previous", str(tmp_path / "p.json")]
    mine = cli_main(["verify", *options])
    theirs = stdlib.main(options)
    capsys.readouterr()
    assert (mine, theirs) == (expected, expected), name


def test_stdlib_vocabulary_is_the_library_s() -> None:
    """verifier.py reads every header and value spelling the library reads, and no other."""
    from random_inspection.assignment import ConflictGround  # noqa: PLC0415
    from random_inspection.assignment._conflicts import CONFLICT_HEADERS  # noqa: PLC0415
    from random_inspection.registry import (  # noqa: PLC0415
        CheckMethod,
        EntityType,
        InspectorStatus,
        ItemKind,
        RiskClass,
        _files,
    )

    def spellings(kind: Any) -> dict[str, str]:
        return {s.strip().casefold(): m.code for m in kind
                for s in {m.code, m.name, m.label_en, m.label_zh,
                          *kind._aliases().get(m.code, ())}}

    def headers(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
        return {a.strip().casefold(): f for f, aliases in table.items() for a in (f, *aliases)}

    library = {"entity_type": spellings(EntityType), "risk_class": spellings(RiskClass),
               "method": spellings(CheckMethod), "kind": spellings(ItemKind),
               "status": spellings(InspectorStatus), "ground": spellings(ConflictGround)}
    assert library == stdlib.SPELLINGS
    names = {"target": headers(_files.TARGET_HEADERS),
             "inspector": headers(_files.INSPECTOR_HEADERS),
             "item": headers(_files.ITEM_HEADERS), "conflict": headers(CONFLICT_HEADERS)}
    assert names == stdlib.HEADERS
