"""The demo city and the command line."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import attrs
import numpy as np
import pytest

from random_inspection import (
    EntityType,
    InspectorDirectory,
    InvalidValueError,
    TargetDirectory,
    verifier,
)
from random_inspection.cli import main
from random_inspection.demo import COUNTIES, DemoCity, demo_city


def test_demo_is_deterministic() -> None:
    """The same arguments give identical registers; another seed does not."""
    a, b = demo_city(n_targets=500, n_officers=20), demo_city(n_targets=500, n_officers=20)
    assert a.targets.digest == b.targets.digest
    assert a.inspectors.digest == b.inspectors.digest
    assert demo_city(n_targets=500, n_officers=20, seed=7).targets.digest != a.targets.digest


def test_demo_registers_are_realistic(small_city: DemoCity) -> None:
    """All entity types appear, every region is a real county code, ids revalidate."""
    d = small_city.targets
    assert set(d.counts("region")) <= set(COUNTIES)
    assert set(d.counts("entity_type")) >= {t.code for t in EntityType} - {"product", "project"}
    assert TargetDirectory.from_records(d.to_records()) == d  # every record revalidates
    assert len(small_city.check_items) == 20
    assert len(small_city.inspectors.experts()) >= 3
    assert len(small_city.inspectors.health_check(small_city.as_of).expired) > 0



def test_demo_city_of_a_million_builds() -> None:
    """At 10^6 targets every id is distinct and valid (the directory refuses duplicates and
    invalid codes; random 8-digit legacy numbers used to collide from about 3x10^5). About
    4 s here: ids are serial numbers through a bijection, not random draws."""
    city = demo_city(n_targets=1_000_000, n_officers=20)
    assert len(city.targets) == 1_000_000
    assert len(np.unique(city.targets.id_array)) == 1_000_000
    counts = city.targets.counts("entity_type")
    assert counts["individual_business"] > 500_000
    legacy = np.char.str_len(city.targets.id_array) == 15
    assert 0.05 < legacy.mean() < 0.15  # the old 注册号 are there too

def test_demo_argument_errors() -> None:
    """Nonsense sizes are refused with a clear error."""
    with pytest.raises(InvalidValueError, match="n_targets"):
        demo_city(n_targets=0)


def test_cli_demo_prints_the_three_registers(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    """`random-inspection demo` summarises all three registers, draws, and runs the year."""
    folder = tmp_path / "demo"
    assert main(["demo", "--targets", "2000", "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    for expected in ("检查对象名录库", "执法检查人员名录库", "随机抽查事项清单", "2,000 targets",
                     "sha256:", "信用风险较高", "teams", "VERIFIED", "省抽县查",
                     "filed by 2024-04-15: 2024-03-25 — met",
                     "8 of 8 records of the year replay exactly" if "XZ-2024-99" in out
                     else "7 of 7 records of the year replay exactly"):
        assert expected in out
    assert (folder / "plan.json").exists()
    assert (folder / "report.json").exists()
    assert (folder / "manifest.json").exists()
    assert main(["verify", str(folder), str(folder / "directory.csv"), "--inspectors",
                 str(folder / "inspectors.csv"), "--item-list", str(folder / "items.csv")]) == 0
    assert main(["demo", "--targets", "2000", "--out", str(folder)]) == 2  # exists
    assert "--force" in capsys.readouterr().err


def test_cli_reports_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad option value becomes one message naming the option, and exit status 2."""
    assert main(["demo", "--targets", "0"]) == 2
    assert "argument --targets: 0 is not at least 1" in capsys.readouterr().err


def test_cli_draw_assign_verify(small_city: DemoCity, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """draw → assign → verify from files, and the standalone verifier agrees; a tampered
    record fails with exit status 1."""
    d, i, c = tmp_path / "d.csv", tmp_path / "i.csv", tmp_path / "c.csv"
    small_city.targets.to_csv(d, headers="chinese", encoding="gb18030")
    small_city.inspectors.to_csv(i, headers="chinese")
    small_city.check_items.to_csv(c)
    drawn, assigned = tmp_path / "draw", tmp_path / "teams"
    teams = assigned / "record.json"
    assert main(["draw", str(d), "--preset", "henan-2021", "--seed", "31415926535897932384",
                 "--purpose", "2024/cli/1", "--out", str(drawn)]) == 0
    assert main(["assign", str(drawn), str(d), "--inspectors", str(i), "--item-list", str(c),
                 "--item-codes", "SJ05,SJ07", "--check-date", "2024-06-03", "--mode",
                 "cross_office", "--out", str(assigned)]) == 0
    assert main(["verify", str(teams), str(d), "--inspectors", str(i),
                 "--item-list", str(c)]) == 0
    assert "VERIFIED" in capsys.readouterr().out
    done = subprocess.run([sys.executable, "-I", verifier.__file__, str(teams), str(d),
                           "--inspectors", str(i), "--item-list", str(c)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert main(["verify", str(teams), str(d)]) == 2  # cannot check: teams need registers
    assert "pass --inspectors" in capsys.readouterr().out
    text = teams.read_text(encoding="utf-8").replace('"purpose":"2024/cli/1"',
                                                     '"purpose":"2024/cli/2"')
    teams.write_text(text, encoding="utf-8")
    assert main(["verify", str(teams), str(d), "--inspectors", str(i),
                 "--item-list", str(c)]) == 1
    assert main(["verify", str(teams), str(d)]) == 1  # altered: missing registers aside


def test_cli_assign_by_group(small_city: DemoCity, tmp_path: Path) -> None:
    """`assign --unit group` reads the 执法小组 column, draws whole groups, writes the group of
    each team, and the record verifies in process and with the standalone verifier."""
    officers = sorted(small_city.inspectors, key=lambda o: (o.office, o.id))
    grouped = InspectorDirectory(attrs.evolve(o, group=f"组{k // 3:02d}")
                                 for k, o in enumerate(officers))
    d, i = tmp_path / "d.csv", tmp_path / "i.csv"
    small_city.targets.to_csv(d)
    grouped.to_csv(i, headers="chinese")
    assert "执法小组" in i.read_text(encoding="utf-8").splitlines()[0]
    drawn, assigned = tmp_path / "draw", tmp_path / "teams"
    teams, table = assigned / "record.json", assigned / "teams.csv"
    assert main(["draw", str(d), "--preset", "henan-2021", "--seed", "31415926535897932384",
                 "--purpose", "2024/cli/groups", "--out", str(drawn)]) == 0
    assert main(["assign", str(drawn / "record.json"), str(d), "--inspectors", str(i),
                 "--unit", "group", "--check-date", "2024-06-03", "--out", str(assigned)]) == 0
    with table.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    staffed = [r for r in rows if not r["unstaffed"]]
    assert staffed
    for row in staffed:
        assert {grouped[o].group for o in row["officers"].split(";")} == {row["group"]}
    assert main(["verify", str(teams), str(d), "--inspectors", str(i)]) == 0
    done = subprocess.run([sys.executable, "-I", verifier.__file__, str(teams), str(d),
                           "--inspectors", str(i)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr


def test_cli_demo_of_a_million_targets(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    """`random-inspection demo --targets 1000000` runs to the end (about a minute here, most
    of it the forecast's replays): the draw, the teams, the year and every record verified,
    the folder written whole."""
    out = tmp_path / "million"
    assert main(["demo", "--targets", "1000000", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "1,000,000 targets" in printed
    assert "VERIFIED, targets and teams replay exactly" in printed
    assert (out / "manifest.json").is_file()
    with (out / "directory.csv").open(encoding="utf-8-sig") as handle:
        assert sum(1 for _ in handle) == 1_000_001
