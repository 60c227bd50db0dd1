"""`audit_draw`: one call that replays a draw, gives its probabilities, tests its spread and
its teams, draws its figures and writes itself as HTML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

pytest.importorskip("scipy")
pytest.importorskip("matplotlib")

from random_inspection import InvalidTypeError, InvalidValueError, OutputExistsError
from random_inspection.analysis import DrawAudit, audit_draw
from random_inspection.assignment import TeamPolicy, assign_inspectors
from random_inspection.demo import DemoCity, demo_city
from random_inspection.sampling import Sample, StratifiedByRisk, draw_targets

SEED = "31415926535897932384"
# Without a CJK font the plots warn once and label in English: not what these tests check.
pytestmark = pytest.mark.filterwarnings("ignore:no font with Chinese glyphs")


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return demo_city(n_targets=20_000, n_officers=300)


@pytest.fixture(scope="module")
def drawn(city: DemoCity) -> tuple[Sample, TeamPolicy, object]:
    design = StratifiedByRisk(rates={"A": "1%", "B": "2%", "C": "10%", "D": "30%"}, floor=0,
                              scope={"entity_types": ["enterprise"]})
    sample = draw_targets(city.targets, design, seed=SEED, purpose="2024/<b>忻州</b>/audit")
    policy = TeamPolicy(check_date=dt.date(2024, 6, 3), mode="whole_pool")
    assignment = assign_inspectors(sample, city.inspectors, policy)
    return sample, policy, assignment


def test_an_honest_draw_has_no_finding(city: DemoCity, drawn: tuple[Sample, TeamPolicy, object],
                                       tmp_path: Path) -> None:
    """The record replays, its spread and its teams are plausible, the report renders as
    HTML with its figures inline, the purpose escaped, and the file is not overwritten
    unless asked."""
    sample, policy, assignment = drawn
    record = assignment.record  # type: ignore[attr-defined]
    audit = audit_draw(record, city.targets, inspectors=city.inspectors, policy=policy,
                       simulations=199, team_replays=39, rng=7)
    assert isinstance(audit, DrawAudit)
    assert audit.verification.ok
    assert audit.ok, audit
    assert audit.teams is not None
    assert audit.recusal is not None
    assert list(audit.fairness) == ["county", "risk_class"]
    assert len(audit.figures) == 2
    assert abs(audit.strata["expected_size"].sum() - len(sample.selected_ids)) < 1e-9
    assert "no finding" in repr(audit)
    text = audit.to_html_text()
    assert "&lt;b&gt;忻州&lt;/b&gt;" in text
    assert "<b>忻州</b>" not in text
    assert text.count("data:image/png;base64,") == 2
    path = tmp_path / "audit.html"
    audit.to_html(path)
    assert path.read_text(encoding="utf-8") == text
    with pytest.raises(OutputExistsError):
        audit.to_html(path)


def test_a_record_that_does_not_replay_is_a_finding(
        city: DemoCity, drawn: tuple[Sample, TeamPolicy, object]) -> None:
    """A record whose selection was changed does not replay: the audit says so and skips
    the team replays (they would mean nothing)."""
    sample, _, _ = drawn
    strata = list(sample.record.strata)
    first = next(k for k, s in enumerate(strata) if len(s.selected) > 1)
    outsider = next(i for i in city.targets.id_array.astype(str)
                    if i not in set(sample.selected_ids))
    strata[first] = attrs.evolve(strata[first],
                                 selected=(outsider, *strata[first].selected[1:]))
    forged = attrs.evolve(sample.record, strata=tuple(strata), claimed_digest=None)
    audit = audit_draw(forged, city.targets, simulations=99, rng=1, figures=False)
    assert not audit.verification.ok
    assert not audit.ok
    assert audit.teams is None
    assert audit.figures == {}
    assert "FINDINGS" in repr(audit)


def test_arguments_are_checked(city: DemoCity, drawn: tuple[Sample, TeamPolicy, object]
                               ) -> None:
    """A record needs its directory; the replay count must be a count."""
    sample, _, _ = drawn
    with pytest.raises(InvalidTypeError, match="directory"):
        audit_draw(sample.record)
    with pytest.raises(InvalidTypeError, match="record"):
        audit_draw("record.json", city.targets)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="team_replays"):
        audit_draw(sample, team_replays=-1)
