"""The workspace store on SQLite and PostgreSQL: registers, plans, records, queries, journal."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from random_inspection import (
    AuditRecord,
    InvalidTypeError,
    InvalidValueError,
    RandomInspectionError,
    StoreError,
    StratifiedByRisk,
    TargetDirectory,
    TeamPolicy,
    UnknownIdError,
    assign_inspectors,
    draw_targets,
)
from random_inspection.assignment import Conflict, ConflictGround, ConflictRegister
from random_inspection.audit._journal import GENESIS, check_chain
from random_inspection.demo import DemoCity, demo_plan
from random_inspection.store import Workspace
from random_inspection.store import _journal_rows as journal_rows

SEED = "31415926535897932384"


def ticking(start: dt.datetime = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)
            ) -> Callable[[], dt.datetime]:
    """A clock that moves one second per reading."""
    counter = itertools.count()
    return lambda: start + dt.timedelta(seconds=next(counter))


@pytest.fixture
def workspace(location: str) -> Iterator[Workspace]:
    """A new workspace on each backend, with a ticking clock."""
    with Workspace.init(location, clock=ticking()) as opened:
        yield opened


@attrs.frozen
class Draws:
    """Records of the small city: two draws of one task, the second with teams."""

    sample_record: AuditRecord
    teams_record: AuditRecord
    loads: dict[str, int]
    experts: dict[str, int]


@pytest.fixture(scope="module")
def draws(small_city: DemoCity) -> Draws:
    """A draw and its teams for the small city (purpose of 2024)."""
    sample = draw_targets(small_city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed=SEED, purpose="2024/city/task-03")
    policy = TeamPolicy(check_date=dt.date(2024, 6, 3),
                        items=small_city.check_items.require(["SJ05", "SJ07"]))
    assignment = assign_inspectors(sample, small_city.inspectors, policy)
    experts = Counter(e for team in assignment.teams for e in team.experts)
    return Draws(sample.record, assignment.record, assignment.loads(), dict(experts))


def conflicts(city: DemoCity) -> ConflictRegister:
    """Two declared conflicts between the city's first inspectors and targets."""
    people = [i.id for i in city.inspectors][:2]
    targets = list(city.targets.ids[:2])
    return ConflictRegister([
        Conflict(inspector_id=people[0], target_id=targets[0], ground=ConflictGround.RELATIVE,
                 valid_from=dt.date(2023, 1, 1), note="配偶任职"),
        Conflict(inspector_id=people[1], target_id=targets[1],
                 ground=ConflictGround.FORMER_EMPLOYMENT)])


# --- opening and closing ----------------------------------------------------------------------

def test_init_then_open(location: str) -> None:
    """A new workspace is empty, at the newest schema revision, and opens again."""
    with Workspace.init(location) as made:
        status = made.status()
    assert status["backend"] in ("sqlite", "postgresql")
    assert status["schema_revision"] == "0001"
    assert (status["registers"], status["plans"], status["records"],
            status["journal_entries"]) == (0, 0, 0, 0)
    assert status["journal_head"] == {"seq": 0, "hash": GENESIS}
    with Workspace.open(location) as opened:
        assert opened.head() == (0, GENESIS)
        assert opened.backend == status["backend"]


def test_init_refuses_a_workspace(location: str) -> None:
    """Making a workspace where one is refuses, and leaves the first as it was."""
    with Workspace.init(location) as made:
        made.append("export", {"head": "h", "entries": 1}, actor="alice")
    with pytest.raises(StoreError, match="already holds a workspace") as caught:
        Workspace.init(location)
    assert caught.value.location in str(caught.value)
    with Workspace.open(location) as opened:
        assert opened.head()[0] == 1


def test_open_refuses_a_location_without_a_workspace(location: str) -> None:
    """Opening a folder or database with no workspace says how to make one."""
    if "://" not in location:
        Path(location).mkdir()
    with pytest.raises(StoreError, match="holds no workspace.*workspace init"):
        Workspace.open(location)
    assert "://" in location or not (Path(location) / "workspace.sqlite").exists()


def test_locations_other_than_folders_and_postgresql_are_refused() -> None:
    """A URL of another database, or no location at all, is refused, naming what to give."""
    with pytest.raises(StoreError, match="neither a folder nor a postgresql:// URL"):
        Workspace.open("mysql://user@host/db")
    with pytest.raises(StoreError, match="is not a location.*give a folder"):
        Workspace.init(" ")


def test_a_password_never_shows() -> None:
    """The location shown in messages hides the URL's password."""
    with pytest.raises(StoreError) as caught:
        Workspace.open("postgresql://ristore:s3cret@127.0.0.1:1/none")
    assert "s3cret" not in str(caught.value)
    assert "ristore:***@127.0.0.1:1/none" in str(caught.value)


def test_a_closed_workspace_refuses_work(workspace: Workspace) -> None:
    """After close (or the with block), every call raises StoreError saying to reopen."""
    workspace.close()
    with pytest.raises(StoreError, match="closed"):
        workspace.head()
    workspace.close()  # closing twice is harmless
    assert issubclass(StoreError, RandomInspectionError)


# --- registers --------------------------------------------------------------------------------

def test_registers_reload_bit_identical_and_are_stored_once(
        workspace: Workspace, small_city: DemoCity) -> None:
    """All four registers reload with their digests; saving again stores nothing more."""
    registers = [small_city.targets, small_city.inspectors, small_city.check_items,
                 conflicts(small_city)]
    digests = [workspace.save_register(r, actor="alice") for r in registers]
    again = [workspace.save_register(r, actor="bob") for r in registers]
    assert digests == again == [r.digest for r in registers]
    for register, digest in zip(registers, digests, strict=True):
        loaded = workspace.load_register(digest)
        assert type(loaded) is type(register)
        assert loaded.digest == digest
        assert loaded == register
    listed = workspace.registers()
    assert [(r["kind"], r["digest"], r["size"], r["journal_seq"]) for r in listed] == [
        ("target-directory", digests[0], len(small_city.targets), 1),
        ("inspector-directory", digests[1], len(small_city.inspectors), 2),
        ("check-item-list", digests[2], len(small_city.check_items), 3),
        ("conflict-register", digests[3], 2, 4)]
    entries = list(workspace.journal())
    assert [e.kind for e in entries] == ["register_committed"] * 4
    assert entries[0].payload == {"register": "target-directory", "digest": digests[0],
                                  "size": len(small_city.targets)}
    assert {e.actor for e in entries} == {"alice"}


def test_a_reloaded_directory_answers_as_the_saved_one(
        workspace: Workspace, small_city: DemoCity) -> None:
    """The reloaded directory's records, lookups and filters equal the original's."""
    digest = workspace.save_register(small_city.targets, actor="alice")
    loaded = workspace.load_register(digest)
    assert isinstance(loaded, TargetDirectory)
    some = small_city.targets.ids[::97].tolist()
    assert [loaded[i] for i in some] == [small_city.targets[i] for i in some]
    county = {"region_prefixes": ["140921"]}
    assert loaded.filter(**county).digest == small_city.targets.filter(**county).digest
    assert not loaded.id_array.flags.writeable


def test_empty_registers_round_trip(workspace: Workspace) -> None:
    """An empty directory and an empty conflict register are stored and reload."""
    for empty in (TargetDirectory.from_records([]), ConflictRegister()):
        digest = workspace.save_register(empty, actor="alice")
        assert workspace.load_register(digest) == empty
    assert len(workspace.registers()) == 2


def test_unknown_register_digest(workspace: Workspace) -> None:
    """An unknown digest raises UnknownIdError (a KeyError) naming it."""
    with pytest.raises(UnknownIdError, match="sha256:00") as caught:
        workspace.load_register("sha256:" + "0" * 64)
    assert isinstance(caught.value, KeyError)


def test_save_register_refuses_other_values(workspace: Workspace) -> None:
    """Anything but one of the four registers raises InvalidTypeError; nothing journaled."""
    with pytest.raises(InvalidTypeError, match="TargetDirectory, InspectorDirectory"):
        workspace.save_register([1, 2], actor="alice")  # type: ignore[arg-type]
    assert workspace.head() == (0, GENESIS)


# --- plans ------------------------------------------------------------------------------------

def test_plans_filed_and_revised(workspace: Workspace) -> None:
    """A plan is filed, then its revision journaled as replacing it with its reason."""
    plan = demo_plan()
    first = workspace.save_plan(plan, actor="planner")
    revised = plan.revise(when="2024-05-01", who="市局", why="新增专项检查",
                          tasks=plan.tasks[:-1])
    second = workspace.save_plan(revised, actor="planner")
    assert workspace.save_plan(plan, actor="planner") == first  # stored once
    assert (first, second) == (plan.digest, revised.digest)
    assert workspace.load_plan(first) == plan
    assert workspace.load_plan(second) == revised
    filed, changed = list(workspace.journal())
    assert (filed.kind, filed.payload) == ("plan_filed", {"plan_digest": first,
                                                          "version": plan.version})
    assert (changed.kind, changed.payload) == ("plan_revised", {
        "plan_digest": second, "version": revised.version, "replaces": first,
        "reason": "新增专项检查"})
    assert workspace.status()["plans"] == 2


def test_a_plan_reason_given_wins(workspace: Workspace) -> None:
    """The reason given to save_plan is journaled instead of the change log's."""
    plan = demo_plan()
    workspace.save_plan(plan, actor="planner")
    revised = plan.revise(when="2024-05-01", who="市局", why="log", tasks=plan.tasks[:-1])
    workspace.save_plan(revised, actor="planner", reason="given")
    assert list(workspace.journal())[-1].payload["reason"] == "given"


def test_a_fork_of_a_stored_plan_is_refused(workspace: Workspace) -> None:
    """A second, different version 2 of a stored plan is refused; the store is unchanged."""
    plan = demo_plan()
    workspace.save_plan(plan, actor="planner")
    workspace.save_plan(plan.revise(when="2024-05-01", who="a", why="one",
                                    tasks=plan.tasks[:-1]), actor="planner")
    head = workspace.head()
    fork = plan.revise(when="2024-05-02", who="b", why="other", tasks=plan.tasks[1:])
    with pytest.raises(InvalidValueError, match="is not above version 2"):
        workspace.save_plan(fork, actor="planner")
    assert workspace.head() == head
    with pytest.raises(UnknownIdError):
        workspace.load_plan(fork.digest)


# --- records ----------------------------------------------------------------------------------

def test_records_byte_for_byte(workspace: Workspace, draws: Draws) -> None:
    """A record stored as a value or as its bytes (a BOM dropped) reloads byte for byte."""
    published = draws.teams_record.to_json().encode()
    by_value = workspace.save_record(draws.sample_record, actor="clerk")
    by_bytes = workspace.save_record(b"\xef\xbb\xbf" + published, actor="clerk")
    assert workspace.save_record(published.decode(), actor="clerk") == by_bytes  # once
    assert (by_value, by_bytes) == (draws.sample_record.digest, draws.teams_record.digest)
    assert workspace.record_bytes(by_bytes) == published
    assert workspace.record_bytes(by_value) == draws.sample_record.to_json().encode()
    assert workspace.load_record(by_bytes) == draws.teams_record
    stored = [e for e in workspace.journal() if e.kind == "record_stored"]
    assert [e.payload for e in stored] == [
        {"record_digest": by_value, "purpose": "2024/city/task-03"},
        {"record_digest": by_bytes, "purpose": "2024/city/task-03"}]


def test_records_of_spec_1_are_stored_as_published(workspace: Workspace) -> None:
    """A committed spec-1 record's file is stored and returned byte for byte."""
    published = (Path(__file__).parent / "data" / "spec1" / "teams.json").read_bytes()
    digest = workspace.save_record(published, actor="clerk")
    assert workspace.record_bytes(digest) == published
    assert workspace.load_record(digest).spec_version == "1"


def test_altered_or_non_canonical_records_are_refused(
        workspace: Workspace, draws: Draws) -> None:
    """Bytes that are not the canonical record, or whose digest is not their content's, are
    refused, and nothing is stored or journaled."""
    published = draws.sample_record.to_json()
    with pytest.raises(RandomInspectionError):
        workspace.save_record(published + "\n", actor="clerk")
    altered = published.replace('"purpose":"2024/city/task-03"', '"purpose":"2024/city/task-04"')
    with pytest.raises(InvalidValueError, match="not the digest of the record's content"):
        workspace.save_record(altered, actor="clerk")
    with pytest.raises(InvalidTypeError, match="AuditRecord or its published bytes"):
        workspace.save_record(42, actor="clerk")  # type: ignore[arg-type]
    assert workspace.head() == (0, GENESIS)
    assert workspace.status()["records"] == 0


def test_records_of_a_purpose_in_storing_order(workspace: Workspace, draws: Draws) -> None:
    """records_of lists a task's records in the order they were stored, and no other's."""
    second = workspace.save_record(draws.teams_record, actor="clerk")
    first_after = workspace.save_record(draws.sample_record, actor="clerk")
    assert workspace.records_of("2024/city/task-03") == [second, first_after]
    assert workspace.records_of("2024/city/task-99") == []


def test_draws_of_a_target(workspace: Workspace, draws: Draws) -> None:
    """Each selected target is found with its stratum and 1-based draw position; the year
    comes from the purpose's leading digits."""
    digest = workspace.save_record(draws.sample_record, actor="clerk")
    for stratum in draws.sample_record.strata:
        for position, target in list(enumerate(stratum.selected, start=1))[:5]:
            assert workspace.draws_of_target(target) == [{
                "record_digest": digest, "purpose": "2024/city/task-03",
                "label": stratum.label, "position": position}]
    some = draws.sample_record.selected_ids[0]
    assert workspace.draws_of_target(some.lower(), year=2024) != []
    assert workspace.draws_of_target(some, year=2023) == []
    assert workspace.draws_of_target("91140902NOTDRAWN0X") == []


def test_the_year_of_a_purpose_without_digits_is_the_storing_year(
        location: str, small_city: DemoCity) -> None:
    """A purpose without four leading digits counts in the year the record was stored."""
    sample = draw_targets(small_city.targets, StratifiedByRisk.from_preset("henan-2021"),
                          seed=SEED, purpose="city/spring-task")
    with Workspace.init(location, clock=ticking(dt.datetime(2031, 5, 1, tzinfo=dt.UTC))) as ws:
        ws.save_record(sample.record, actor="clerk")
        target = sample.record.selected_ids[0]
        assert len(ws.draws_of_target(target, year=2031)) == 1
        assert ws.draws_of_target(target, year=2024) == []


def test_inspector_load(workspace: Workspace, draws: Draws) -> None:
    """Each inspector's load is the number of teams they are in, as leader, officer or
    expert; a draw without teams adds nothing."""
    workspace.save_record(draws.sample_record, actor="clerk")
    workspace.save_record(draws.teams_record, actor="clerk")
    for officer, load in list(draws.loads.items())[:8]:
        assert workspace.inspector_load(officer) == load
        assert workspace.inspector_load(officer, year=2024) == load
        assert workspace.inspector_load(officer, year=2025) == 0
    for expert, load in draws.experts.items():
        assert workspace.inspector_load(expert) == load
    assert workspace.inspector_load("NOBODY") == 0


# --- the journal ------------------------------------------------------------------------------

def _signer() -> tuple[str, Callable[[bytes], bytes]]:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    return f"ed25519:{public}", key.sign


def test_journal_round_trips_exactly_and_verifies(workspace: Workspace) -> None:
    """Appended entries, signed or not, come back equal, in order, and chain unbroken."""
    public, sign = _signer()
    appended = [workspace.append("key_registered", {"actor": "notary", "public_key": public},
                                 actor="admin")]
    for i in range(5):
        appended.append(workspace.append("seed_committed", {
            "ceremony": "2024-03", "contributor": f"party-{i}", "commitment": f"c{i}",
            "note": ("c", i)}, actor="notary", signer=(public, sign)))
    appended.append(workspace.append("export", {"head": "x", "entries": 6}, actor="admin"))
    stored = list(workspace.journal())
    assert stored == appended
    assert stored[1].payload == {"ceremony": "2024-03", "contributor": "party-0",
                                 "commitment": "c0", "note": ["c", 0]}
    report = check_chain(stored, head=workspace.head()[1])
    assert report.ok, report
    assert report.signatures == "checked"
    assert workspace.head() == (7, appended[-1].hash)
    assert [e.seq for e in workspace.journal(start=5)] == [5, 6, 7]


def test_journal_reads_in_chunks(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries read a few at a time join up with none lost or repeated."""
    monkeypatch.setattr(journal_rows, "CHUNK", 4)
    for i in range(11):
        workspace.append("export", {"head": str(i), "entries": i}, actor="a")
    assert [e.seq for e in workspace.journal()] == list(range(1, 12))
    assert [e.seq for e in workspace.journal(start=9)] == [9, 10, 11]
    assert check_chain(workspace.journal()).ok


def test_a_bad_entry_is_refused_and_nothing_appended(workspace: Workspace) -> None:
    """An unknown kind, a missing field or a payload that is not JSON appends nothing."""
    workspace.append("export", {"head": "h", "entries": 1}, actor="a")
    head = workspace.head()
    with pytest.raises(InvalidValueError, match="not a journal kind"):
        workspace.append("gossip", {}, actor="a")
    with pytest.raises(InvalidValueError, match="lacks"):
        workspace.append("export", {"head": "h"}, actor="a")
    with pytest.raises(InvalidValueError, match="float"):
        workspace.append("export", {"head": "h", "entries": 1.5}, actor="a")
    with pytest.raises(InvalidValueError, match="not JSON data"):
        workspace.append("export", {"head": {1, 2}, "entries": 1}, actor="a")
    with pytest.raises(InvalidValueError, match="not JSON data"):
        workspace.append("export", {"head": "\ud800", "entries": 1}, actor="a")
    with pytest.raises(InvalidValueError, match="actor"):
        workspace.append("export", {"head": "h", "entries": 1}, actor=" ")
    assert workspace.head() == head


def test_journal_times_never_go_back(location: str) -> None:
    """A clock that goes back is held at the last entry's time: the chain still verifies."""
    moments = iter([dt.datetime(2024, 1, 2, tzinfo=dt.UTC), dt.datetime(2024, 1, 1,
                                                                         tzinfo=dt.UTC),
                    dt.datetime(2024, 1, 3, tzinfo=dt.timezone(dt.timedelta(hours=8)))])
    with Workspace.init(location, clock=lambda: next(moments)) as ws:
        times = [ws.append("export", {"head": "h", "entries": i}, actor="a").time
                 for i in range(3)]
        assert times == ["2024-01-02T00:00:00.000000Z", "2024-01-02T00:00:00.000000Z",
                         "2024-01-02T16:00:00.000000Z"]
        assert check_chain(ws.journal()).ok


def test_status_counts_everything(workspace: Workspace, small_city: DemoCity,
                                  draws: Draws) -> None:
    """status() counts registers, plans, records and entries and gives the head."""
    workspace.save_register(small_city.check_items, actor="a")
    workspace.save_plan(demo_plan(), actor="a")
    workspace.save_record(draws.sample_record, actor="a")
    status: dict[str, Any] = workspace.status()
    assert (status["registers"], status["plans"], status["records"],
            status["journal_entries"]) == (1, 1, 1, 3)
    assert status["journal_head"] == dict(zip(("seq", "hash"), workspace.head(), strict=True))
    assert status["location"] == workspace.location


def test_sqlite_commits_are_durable(tmp_path: Path) -> None:
    """An SQLite workspace runs in WAL mode with synchronous=FULL (a commit that returned
    is on disk) and foreign keys enforced, on every pooled connection."""
    with Workspace.init(tmp_path / "workspace") as workspace:
        engine = workspace._db().engine
        with engine.connect() as one, engine.connect() as two:
            for connection in (one, two):
                settings = [connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                            for name in ("journal_mode", "synchronous", "foreign_keys")]
                assert settings == ["wal", 2, 1]
        assert engine.pool.checkedin() == 2
