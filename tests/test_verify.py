"""verify and the stdlib verifier: honest records pass, every tampering fails."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from random_inspection import (
    AuditRecord,
    FileFormatError,
    InvalidValueError,
    RecordFormatError,
    Sample,
    Seed,
    StratifiedByRisk,
    TargetDirectory,
    draw_targets,
    verify,
)
from random_inspection import verifier as stdlib_verifier
from random_inspection._canonical import canonical_digest, canonical_json
from random_inspection.demo import DemoCity
from random_inspection.strategies import (
    class_weighted_designs,
    seeds,
    stratified_designs,
    target_directories,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def drawn(small_city: DemoCity) -> Sample:
    """One honest draw on the small demo city."""
    design = StratifiedByRisk.from_preset("henan-2021", unclassified="1/100",
                                          exclude_checked_since="2023-09-01")
    return draw_targets(small_city.targets, design, seed="31415926535897932384",
                        purpose="2024/test/1")


def _reload(record: dict[str, object], *, redigest: bool) -> AuditRecord:
    if redigest:  # a careful forger recomputes the record digest
        content = {k: v for k, v in record.items() if k != "record_digest"}
        record = {**record, "record_digest": canonical_digest(content)}
    return AuditRecord.from_json(canonical_json(record))


def test_honest_record_verifies(drawn: Sample, small_city: DemoCity) -> None:
    """A record read back from its JSON passes every check."""
    report = verify(AuditRecord.from_json(drawn.record.to_json()), small_city.targets)
    assert report.ok, str(report)
    assert report.failures == ()
    assert "VERIFIED" in str(report)


TAMPERINGS = {
    "seed": lambda r: r["seed"].update(value="31415926535897932385"),
    "purpose": lambda r: r.update(purpose="2024/test/2"),
    "selection": lambda r: r["strata"][1]["selected"].reverse(),
    "swap_one": lambda r: r["strata"][0]["selected"].__setitem__(0, r["strata"][1]["selected"][0]),
    "size": lambda r: r["strata"][2].update(size=r["strata"][2]["size"] + 1),
    "rate": lambda r: r["design"]["rates"].update(D="1/2"),
    "floor": lambda r: r["design"].update(floor="1/10"),
    "exclusion": lambda r: r["design"].update(exclude_checked_since=None),
    "directory": lambda r: r["directory"].update(digest="sha256:" + "0" * 64),
    "spec": lambda r: r.update(spec_version="1"),  # a 1.1 record passed off as spec 1
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
@pytest.mark.parametrize("redigest", [False, True])
def test_every_tampering_fails(drawn: Sample, small_city: DemoCity, name: str,
                               redigest: bool) -> None:
    """Changing any part of a record fails verify, whether or not its digest is redone."""
    record = json.loads(drawn.record.to_json())
    TAMPERINGS[name](record)
    if name == "spec":  # the 1.1 sections do not have the form of spec 1
        with pytest.raises(RecordFormatError, match=r"\$\.allocation\.adjustments|eligibility"):
            _reload(record, redigest=redigest)
        return
    report = verify(_reload(record, redigest=redigest), small_city.targets)
    assert not report.ok
    assert report.verdict == "not verified"
    names = {c.name for c in report.failures}
    assert ("record_digest" in names) != redigest


def test_changed_directory_fails(drawn: Sample, small_city: DemoCity) -> None:
    """Verifying against a directory with one target changed fails on the digest."""
    target = next(iter(small_city.targets))
    changed = small_city.targets.with_changes(changed=[attrs.evolve(target, name="改名")])
    report = verify(drawn.record, changed)
    assert {c.name for c in report.failures} >= {"directory_digest"}


def test_malformed_record_json() -> None:
    """Not JSON, or not a record, raises FileFormatError naming the source; a record with
    keys missing raises RecordFormatError (it was altered) naming them."""
    with pytest.raises(FileFormatError, match="not valid JSON") as info:
        AuditRecord.from_json("{", source="r.json")
    assert not isinstance(info.value, RecordFormatError)
    with pytest.raises(FileFormatError, match="not an audit record"):
        AuditRecord.from_json('{"format": "x"}')
    with pytest.raises(FileFormatError, match="spec '2'") as info:
        AuditRecord.from_json('{"format":"random-inspection/audit-record","spec_version":"2"}')
    assert not isinstance(info.value, RecordFormatError)
    with pytest.raises(RecordFormatError, match="is missing 'allocation'") as missing:
        AuditRecord.from_json('{"format":"random-inspection/audit-record","spec_version":"1.1"}')
    assert missing.value.json_path == "$"
    with pytest.raises(FileFormatError, match="file name"):
        AuditRecord.from_json("records/2024-01.json")


def _stdlib_check(sample: Sample, directory: TargetDirectory, record_text: str) -> list[bool]:
    with tempfile.TemporaryDirectory() as folder:
        record_path, csv_path = Path(folder) / "r.json", Path(folder) / "d.csv"
        record_path.write_text(record_text, encoding="utf-8")
        directory.to_csv(csv_path, headers="chinese", encoding="gb18030")
        return [status == "ok" for _, status, _ in stdlib_verifier.check(str(record_path),
                                                                          str(csv_path))]


@given(target_directories(min_size=1, max_size=25),
       st.one_of(stratified_designs(), class_weighted_designs()), seeds())
def test_stdlib_verifier_agrees(directory: TargetDirectory, design: object, seed: Seed) -> None:
    """The standalone verifier accepts every honest record and rejects a tampered one."""
    try:
        sample = draw_targets(directory, design, seed=seed, purpose="agree")  # type: ignore[arg-type]
    except InvalidValueError:
        assume(False)
        return
    assert all(_stdlib_check(sample, directory, sample.record.to_json()))
    record = json.loads(sample.record.to_json())
    record["purpose"] = "other"
    assert not all(_stdlib_check(sample, directory, json.dumps(record, ensure_ascii=False)))


def test_stdlib_verifier_imports_only_the_standard_library() -> None:
    """The verifier file names no module outside the standard library, and runs standalone."""
    source = Path(stdlib_verifier.__file__).read_text(encoding="utf-8")
    imported = {line.split()[1].split(".")[0] for line in source.splitlines()
                if line.startswith(("import ", "from "))}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
    done = subprocess.run([sys.executable, "-I", stdlib_verifier.__file__,
                           str(DATA / "golden_record.json"), str(DATA / "golden_directory.csv")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("VERIFIED")


def test_golden_record_replays() -> None:
    """A record committed with the repository replays bit for bit with this installation.

    CI also runs this test under the oldest supported numpy (``make test-oldest``), so a
    record made with one numpy replays with another.
    """
    record = AuditRecord.from_json((DATA / "golden_record.json").read_text(encoding="utf-8"))
    directory = TargetDirectory.from_csv(DATA / "golden_directory.csv")
    report = verify(record, directory)
    assert report.ok, str(report)
    assert len(record.selected_ids) > 0
