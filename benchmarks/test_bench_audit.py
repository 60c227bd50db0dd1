"""A full `audit_draw` of a 10^6-target draw (replay, probabilities, spread by county and
class over 999 simulated draws, figures), against the replay alone (`verify`, the peer: what
the audit adds on top of checking that the record replays)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from random_inspection.audit import verify
from random_inspection.registry import TargetDirectory
from random_inspection.sampling import Sample, StratifiedByRisk, draw_targets

pytest.importorskip("scipy")
pytest.importorskip("matplotlib")

SEED = "31415926535897932384"
DESIGN = StratifiedByRisk.from_preset("henan-2021", unclassified="1/100")


@pytest.fixture(scope="module")
def drawn_1e6(columns_1e6: dict[str, Any]) -> Sample:
    """A draw from a million targets (about 25,000 drawn)."""
    return draw_targets(TargetDirectory.from_columns(**columns_1e6), DESIGN, seed=SEED,
                        purpose="bench/audit")


@pytest.mark.benchmark(group="audit-1e6")
def test_audit_draw_1e6(benchmark: Any, drawn_1e6: Sample) -> None:
    """The whole audit of one published draw at 10^6 targets."""
    from random_inspection.analysis import audit_draw  # noqa: PLC0415

    def run() -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="no font with Chinese glyphs")
            return audit_draw(drawn_1e6.record, drawn_1e6.directory, rng=1)

    audit = benchmark.pedantic(run, rounds=3, iterations=1)
    assert audit.verification.ok


@pytest.mark.benchmark(group="audit-1e6")
def test_peer_verify_1e6(benchmark: Any, drawn_1e6: Sample) -> None:
    """The replay alone."""
    report = benchmark.pedantic(verify, args=(drawn_1e6.record, drawn_1e6.directory),
                                rounds=3, iterations=1)
    assert report.ok
