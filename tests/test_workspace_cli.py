"""The workspace from the command line, on SQLite and PostgreSQL: a whole seed ceremony with
two contributors, a refused reveal, a re-draw with its reason, a team change, the journal
verified and exported, and both verifiers agreeing on the records; ``--workspace`` on
draw, assign, plan and demo; bad input to the new commands refused with exit status 2."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from random_inspection import verifier as stdlib
from random_inspection.cli import main
from random_inspection.demo import DemoCity, demo_plan
from random_inspection.planning import write_plan

store = pytest.importorskip("random_inspection.store")

SEED = "31415926535897932384"
PURPOSE = "2024/忻州市/双随机-07"


@pytest.fixture
def city_files(tmp_path: Path, small_city: DemoCity) -> Path:
    small_city.targets.to_csv(tmp_path / "d.csv")
    small_city.inspectors.to_csv(tmp_path / "i.csv")
    small_city.check_items.to_csv(tmp_path / "items.csv")
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *words: str) -> tuple[int, str, str]:
    code = main(list(words))
    out, err = capsys.readouterr()
    return code, out, err


def _secret(capsys: pytest.CaptureFixture[str], contribution: str) -> tuple[str, str]:
    code, out, _ = _run(capsys, "ceremony", "contribution", contribution)
    assert code == 0
    salt = re.search(r"salt 盐值: ([0-9a-f]+)", out)
    made = re.search(r"commitment 承诺: (sha256:[0-9a-f]{64})", out)
    assert salt
    assert made
    return salt[1], made[1]


def _ceremony(capsys: pytest.CaptureFixture[str], ws: str, files: Path, out: str,
              parts: dict[str, str], *extra: str, bad_reveal: bool = False
              ) -> tuple[int, str]:
    opened = _run(capsys, "ceremony", "open", "--workspace", ws, str(files / "d.csv"),
                  "--purpose", PURPOSE, "--preset", "henan-2021", "--unclassified", "1/100",
                  *(w for name in parts for w in ("--contributor", name)),
                  "--inspectors", str(files / "i.csv"), "--item-list", str(files / "items.csv"),
                  "--item-codes", "SJ05,SJ07", "--check-date", "2024-06-03", "--mode",
                  "by_region", "--actor", "信用监管科", *extra)
    if opened[0] != 0:
        return opened[0], opened[2]
    assert "seed ceremony commitment" in opened[1]
    secrets = {name: _secret(capsys, value) for name, value in parts.items()}
    for name, (_, made) in secrets.items():
        assert _run(capsys, "ceremony", "commit", "--workspace", ws, "--purpose", PURPOSE,
                    "--contributor", name, "--commitment", made)[0] == 0
    if bad_reveal:  # a reveal that does not match its commitment: refused, and journaled
        name = next(iter(parts))
        code, _, err = _run(capsys, "ceremony", "reveal", "--workspace", ws, "--purpose",
                            PURPOSE, "--contributor", name, "--contribution", "1",
                            "--salt", "0" * 32)
        assert code == 2
        assert "is refused" in err
    for name, (salt, _) in secrets.items():
        assert _run(capsys, "ceremony", "reveal", "--workspace", ws, "--purpose", PURPOSE,
                    "--contributor", name, "--contribution", parts[name], "--salt", salt)[0] == 0
    code, text, err = _run(capsys, "ceremony", "draw", "--workspace", ws, "--purpose", PURPOSE,
                           "--actor", "信用监管科", "--out", out)
    return code, text + err


def _both(files: Path, record: Path, journal: Path,
          capsys: pytest.CaptureFixture[str]) -> tuple[list[str], list[str]]:
    """The ceremony, journal and team-change lines of both verifiers."""
    options = [str(files / "d.csv"), "--inspectors", str(files / "i.csv"), "--item-list",
               str(files / "items.csv"), "--journal", str(journal)]
    mine = _run(capsys, "verify", str(record), *options)
    theirs = stdlib.main([str(record / "record.json"), *options])
    stdout = capsys.readouterr().out
    assert mine[0] == theirs
    keep = ("ceremony:", "team changes:")
    return ([line.split(": ", 1)[1] for line in mine[1].splitlines()
             if any(k in line for k in keep)],
            [line for line in stdout.splitlines() if any(k in line for k in keep)])


def test_a_whole_ceremony_from_the_terminal(location: str, city_files: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """init, open, two commits and reveals, draw with teams; a re-draw needs and shows its
    reason; a bad reveal is refused and journaled; a team change; journal verify and
    export; both verifiers agree, and the replaced draw says it was replaced."""
    assert _run(capsys, "workspace", "init", location)[0] == 0
    first = city_files / "attempt-1"
    code, text = _ceremony(capsys, location, city_files, str(first),
                           {"市局": "31415926535897932384", "公证处": "27182818284590452353"})
    assert code == 0, text
    assert "attempt 1 of" in text
    assert "teams" in text
    record = json.loads((first / "record.json").read_text(encoding="utf-8"))
    assert record["seed"]["value"] == "31415926535897932384-27182818284590452353"
    assert record["teams"]["policy"]["items"] == ["SJ05", "SJ07"]
    # drawing again needs a reason
    code, err = _ceremony(capsys, location, city_files, str(city_files / "x"),
                          {"市局": "1", "公证处": "2"})
    assert code == 2
    assert "reason" in err
    second = city_files / "attempt-2"
    code, text = _ceremony(capsys, location, city_files, str(second),
                           {"市局": "16180339887498948482", "公证处": "14142135623730950488"},
                           "--reason", "名录库更正后重新抽取", bad_reveal=True)
    assert code == 0, text
    assert "attempt 2 of" in text
    assert "名录库更正后重新抽取" in text
    # a reveal after the draw
    code, _, err = _run(capsys, "ceremony", "reveal", "--workspace", location, "--purpose",
                        PURPOSE, "--contributor", "市局", "--contribution", "1",
                        "--salt", "0" * 32)
    assert code == 2
    assert "drawn" in err
    # a team change after the draw
    team = json.loads((second / "record.json").read_text(encoding="utf-8"))["teams"]["teams"][0]
    code, out, err = _run(capsys, "team", "change", "--workspace", location, "--record",
                          str(second), "--target", team["target"], "--remove",
                          team["officers"][1] if team["officers"][1] != team["leader"]
                          else team["officers"][0], "--reason", "病假", "--actor", "科室")
    assert code == 2
    assert "officer" in err
    code, out, _ = _run(capsys, "journal", "verify", "--workspace", location)
    assert code == 0
    assert "one unbroken chain" in out
    journal = city_files / "journal.jsonl"
    assert _run(capsys, "journal", "export", "--workspace", location, "--out",
                str(journal))[0] == 0
    mine, theirs = _both(city_files, second, journal, capsys)
    assert mine == theirs
    assert any("seed from the reveals" in line for line in mine)
    mine, theirs = _both(city_files, first, journal, capsys)
    assert mine == theirs
    assert any("REPLACED: attempt 2" in line for line in mine)
    code, out, _ = _run(capsys, "journal", "show", "--workspace", location, "--last", "40")
    kinds = re.findall(r" ([a-z_]+):", out)
    for kind in ("ceremony_opened", "seed_committed", "seed_revealed", "reveal_refused",
                 "draw_attempt", "teams_drawn", "export"):
        assert kind in kinds, kind


def test_a_team_change_is_checked_journaled_and_shown(location: str, city_files: Path,
                                                     small_city: DemoCity,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    """A change names who leaves and who joins; one not in the directory, already in the
    team, of another region (by-region draw) or a removed leader without a successor is
    refused with nothing journaled; a good change is journaled and both verifiers show it."""
    drawn = city_files / "drawn"
    code, text = _ceremony(capsys, location, city_files, str(drawn),
                           {"市局": "31415926535897932384"})
    assert code == 0, text
    record = json.loads((drawn / "record.json").read_text(encoding="utf-8"))
    team = record["teams"]["teams"][0]
    target = small_city.targets[team["target"]]
    in_team = set(team["officers"])
    officers = [o for o in small_city.inspectors.officers_on(dt.date(2024, 6, 3))
                if o.id not in in_team]
    near = next(o.id for o in officers if o.office_area and
                target.region.startswith(o.office_area))
    far = next(o.id for o in officers if o.office_area and
               not target.region.startswith(o.office_area))
    base = ["team", "change", "--workspace", location, "--record", str(drawn), "--target",
            team["target"], "--reason", "XZ 病假", "--actor", "科室"]
    with store.Workspace.open(location) as ws:
        head = ws.head()
    for extra, words in ((["--add", "NOBODY"], "not in the inspector directory"),
                         (["--add", team["officers"][0]], "in the team already"),
                         (["--add", far], "region"),
                         (["--remove", team["leader"], "--add", near], "leader"),
                         (["--remove", "NOBODY"], "not in the team")):
        code, _, err = _run(capsys, *base, *extra)
        assert code == 2, (extra, err)
        assert words in err, (extra, err)
    with store.Workspace.open(location) as ws:
        assert ws.head() == head
    leaving = team["leader"]
    staying = next(o for o in team["officers"] if o != leaving)
    code, _out, _ = _run(capsys, *base, "--remove", leaving, "--add", near, "--leader", staying)
    assert code == 0
    with store.Workspace.open(location) as ws:
        now = store.team_now(ws, record["record_digest"], team["target"])
    assert now["officers"] == sorted([staying, near])
    assert now["leader"] == staying
    assert len(now["changes"]) == 1
    assert _run(capsys, "journal", "export", "--workspace", location, "--out",
                str(city_files / "j.jsonl"))[0] == 0
    mine, theirs = _both(city_files, drawn, city_files / "j.jsonl", capsys)
    assert mine == theirs
    assert any(f"-{leaving} +officer {near}, leader {staying}" in line for line in mine)


def test_commands_record_into_a_workspace(tmp_path: Path, city_files: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """draw, assign and plan with --workspace store their registers, plan and records (a
    workspace folder made on first use); the same again stores nothing twice."""
    ws = str(tmp_path / "ws")
    d = str(city_files / "d.csv")
    assert _run(capsys, "draw", d, "--preset", "henan-2021", "--seed", SEED, "--purpose",
                "2024/cli/1", "--out", str(tmp_path / "drawn"), "--workspace", ws,
                "--actor", "clerk")[0] == 0
    assert _run(capsys, "assign", str(tmp_path / "drawn"), d, "--inspectors",
                str(city_files / "i.csv"), "--check-date", "2024-06-03", "--out",
                str(tmp_path / "teams"), "--workspace", ws)[0] == 0
    write_plan(demo_plan(), tmp_path / "plan.toml")
    assert _run(capsys, "plan", str(tmp_path / "plan.toml"), d, "--workspace", ws)[0] == 0
    _code, out, _ = _run(capsys, "plan", str(tmp_path / "plan.toml"), d, "--seed", SEED,
                        "--inspectors", str(city_files / "i.csv"), "--item-list",
                        str(city_files / "items.csv"), "--out", str(tmp_path / "year"),
                        "--workspace", ws)
    assert "recorded into the workspace" in out
    with store.Workspace.open(ws) as opened:
        status = opened.status()
        kinds = [e.kind for e in opened.journal()]
        drawn = json.loads((tmp_path / "drawn" / "record.json").read_text(encoding="utf-8"))
        assert opened.records_of("2024/cli/1") == [drawn["record_digest"],
                                                   opened.records_of("2024/cli/1")[1]]
        assert {e.actor for e in opened.journal()} >= {"clerk"}
    runs = len(list((tmp_path / "year" / "records").glob("*.json")))
    assert status["records"] == 2 + runs
    assert status["plans"] == 1
    assert status["registers"] == 3
    assert kinds.count("plan_filed") == 1
    before = status["journal_entries"]
    assert _run(capsys, "draw", d, "--preset", "henan-2021", "--seed", SEED, "--purpose",
                "2024/cli/1", "--out", str(tmp_path / "drawn"), "--force", "--workspace",
                ws)[0] == 0
    with store.Workspace.open(ws) as opened:
        assert opened.status()["journal_entries"] == before


def test_the_demo_shows_a_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """demo --workspace keeps the year: registers, both plan versions, every record."""
    code, out, _ = _run(capsys, "demo", "--targets", "3000", "--out", str(tmp_path / "demo"),
                        "--workspace", str(tmp_path / "ws"), "--quiet")
    assert code == 0
    assert re.search(r"3 registers, [12] plan version\(s\), \d+ records", out)
    assert "journal verified" in out


BAD: list[tuple[str, Any, str]] = [
    ("status of no workspace", lambda t: ["workspace", "status", str(t / "none")],
     "holds no workspace"),
    ("init twice", lambda t: ["workspace", "init", str(t / "ws")], "already holds"),
    ("commit to no ceremony", lambda t: ["ceremony", "commit", "--workspace", str(t / "ws"),
                                         "--purpose", "2024/x", "--contributor", "a",
                                         "--commitment", "sha256:" + "0" * 64],
     "has no ceremony"),
    ("a contribution that is not digits", lambda t: ["ceremony", "contribution", "dice!"],
     "digits"),
    ("a head that is not a digest", lambda t: ["journal", "verify", "--workspace",
                                               str(t / "ws"), "--head", "abc"],
     "not a digest"),
    ("a team of an unknown record", lambda t: ["team", "show", "--workspace", str(t / "ws"),
                                               "--record", "sha256:" + "1" * 64, "--target",
                                               "x"], "sha256:1111"),
    ("a team option without inspectors", lambda t: [
        "ceremony", "open", "--workspace", str(t / "ws"), str(t / "d.csv"), "--purpose",
        "2024/x", "--preset", "henan-2021", "--contributor", "a", "--actor", "b",
        "--check-date", "2024-06-03"], "--inspectors"),
    ("export over a file", lambda t: ["journal", "export", "--workspace", str(t / "ws"),
                                      "--out", str(t / "d.csv")], "d.csv"),
]


@pytest.mark.parametrize(("name", "words", "says"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_to_the_workspace_commands(name: str, words: Any, says: str, tmp_path: Path,
                                             small_city: DemoCity,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Each is refused with exit status 2 and a message naming the problem."""
    small_city.targets.to_csv(tmp_path / "d.csv")
    assert main(["workspace", "init", str(tmp_path / "ws")]) == 0
    capsys.readouterr()
    code, _, err = _run(capsys, *words(tmp_path))
    assert code == 2, (name, err)
    assert says in err, (name, err)


def test_a_ceremony_bound_to_a_plan(tmp_path: Path, city_files: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """--plan commits the plan version and takes only a purpose of one of its tasks."""
    plan = demo_plan()
    write_plan(plan, tmp_path / "plan.toml")
    task = plan.tasks[0]
    base = ["ceremony", "open", "--workspace", str(tmp_path / "ws"), str(city_files / "d.csv"),
            "--preset", "henan-2021", "--contributor", "市局", "--actor", "科室", "--plan",
            str(tmp_path / "plan.toml")]
    code, _, err = _run(capsys, *base, "--purpose", "2024/1409/NO-SUCH-TASK")
    assert code == 2
    assert f"{plan.year}/{plan.region}/{task.code}" in err
    code, out, _ = _run(capsys, *base, "--purpose", f"{plan.year}/{plan.region}/{task.code}")
    assert code == 0
    assert f"plan 年度计划: version {plan.version}, {plan.digest}" in out
    with store.Workspace.open(str(tmp_path / "ws")) as ws:
        assert ws.status()["plans"] == 1
