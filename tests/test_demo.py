"""The demo city and the command line."""

from __future__ import annotations

import pytest

from random_inspection import EntityType, InvalidValueError, TargetDirectory
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


def test_demo_argument_errors() -> None:
    """Nonsense sizes are refused with a clear error."""
    with pytest.raises(InvalidValueError, match="n_targets"):
        demo_city(n_targets=0)


def test_cli_demo_prints_the_three_registers(capsys: pytest.CaptureFixture[str]) -> None:
    """`random-inspection demo` summarises all three registers."""
    assert main(["demo", "--targets", "2000"]) == 0
    out = capsys.readouterr().out
    for expected in ("检查对象名录库", "执法检查人员名录库", "随机抽查事项清单", "2,000 targets",
                     "sha256:", "信用风险较高"):
        assert expected in out


def test_cli_reports_library_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """A library error becomes one message and exit status 2."""
    assert main(["demo", "--targets", "0"]) == 2
    assert "n_targets" in capsys.readouterr().err
