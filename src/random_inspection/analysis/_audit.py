"""`audit_draw`: one call for an auditor — replay, probabilities, fairness, figures, HTML."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pandas as pd

from .._atomic import open_atomic
from .._errors import InvalidTypeError, InvalidValueError
from ..assignment import TeamPolicy
from ..audit import VerificationReport, verify
from ..registry import InspectorDirectory, TargetDirectory
from ..sampling import AuditRecord, Sample, draw_targets
from ..sampling._designs import design_from_dict
from ._inspector_fairness import inspector_fairness, recusal_impact, replay_teams
from ._probabilities import inclusion_probabilities
from ._target_fairness import draw_fairness
from ._verdict import FairnessReport

__all__ = ["DrawAudit", "audit_draw"]

#: Domains a single draw is checked by, by default: county (区县) and credit-risk class.
AUDIT_DOMAINS = ("county", "risk_class")


@attrs.frozen(eq=False)
class DrawAudit:
    """An audit of one published draw: does it replay, what were the chances, is its spread
    plausible, and (with the registers) are its teams.

    Attributes:
        purpose: The draw's purpose.
        record_digest: Its record digest.
        verification: The replay of the record (`verify`).
        strata: Per risk class: population, π, within-stratum π_ij, expected size.
        fairness: The draw's spread by domain against its design (`draw_fairness`).
        teams: The team draw against replays of the procedure (`inspector_fairness`), or
            None without teams, registers or ``team_replays``.
        recusal: Pairs each recusal ground removed (`recusal_impact`), or None.
        figures: Name → matplotlib Figure (selection rate by domain with the design's band;
            officer loads with teams).
        images: Name → the figure as PNG bytes, rendered once (the HTML embeds them).
    """

    purpose: str
    record_digest: str
    verification: VerificationReport
    strata: pd.DataFrame
    fairness: FairnessReport
    teams: FairnessReport | None
    recusal: pd.DataFrame | None
    figures: Mapping[str, Any]
    images: Mapping[str, bytes] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        """The record replays and no fairness test rejects at its stated level."""
        return self.verification.ok and not self.fairness.rejected and not (
            self.teams is not None and self.teams.rejected)

    def summary(self) -> list[str]:
        """The findings in a few lines (Chinese and English)."""
        lines = [f"抽取核查 draw audit: {self.purpose} ({self.record_digest[:19]}…)",
                 f"  复现 replay: {self.verification.verdict}"]
        level = self.fairness.verdict.level
        lines.append(f"  分布合理性 spread by {', '.join(self.fairness)}: p = "
                     f"{self.fairness.p_value:.3g} at level {level:g}: "
                     + ("REJECTED" if self.fairness.rejected else "plausible"))
        lines += [f"    note: {n}" for n in self.fairness.notes]
        if self.teams is not None:
            lines.append(f"  人员抽取 team draw: p = {self.teams.p_value:.3g} at level "
                         f"{self.teams.verdict.level:g}: "
                         + ("REJECTED" if self.teams.rejected else "plausible"))
        lines.append("  verdict: " + ("no finding" if self.ok else "FINDINGS: see above"))
        return lines

    def __repr__(self) -> str:
        return "\n".join(self.summary())

    def to_html_text(self) -> str:
        """The audit as one self-contained HTML document (figures inline as PNG)."""
        parts = [f"<h1>抽取核查 Draw audit</h1><p><code>{html.escape(self.purpose)}</code>, "
                 f"record <code>{html.escape(self.record_digest)}</code></p>",
                 "<pre>" + html.escape("\n".join(self.summary())) + "</pre>",
                 "<h2>复现 Replay</h2><pre>" + html.escape(str(self.verification)) + "</pre>",
                 "<h2>入样概率 Inclusion probabilities</h2>" + self.strata.to_html(),
                 "<h2>分布合理性 Spread by domain</h2>"
                 + self.fairness.verdict.table().to_html()]
        parts += [f"<h3>{html.escape(name)}</h3>" + table.to_html()
                  for name, table in self.fairness.items()]
        if self.teams is not None:
            parts.append("<h2>人员抽取 Team draw</h2>" + self.teams.verdict.table().to_html())
            parts += [f"<h3>{html.escape(name)}</h3>" + table.to_html()
                      for name, table in self.teams.items()]
        if self.recusal is not None:
            parts.append("<h2>回避 Recusal</h2>" + self.recusal.to_html())
        for name, png in self.images.items():
            data = base64.b64encode(png).decode("ascii")
            parts.append(f'<h2>{html.escape(name)}</h2><img alt="{html.escape(name)}" '
                         f'src="data:image/png;base64,{data}">')
        return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                f"<title>Draw audit {html.escape(self.purpose)}</title></head><body>"
                + "\n".join(parts) + "</body></html>\n")

    def _repr_html_(self) -> str:
        """Rendered in a notebook."""
        return self.to_html_text()

    def to_html(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        """Write the audit as one HTML file, whole or not at all."""
        with open_atomic(path, "w", encoding="utf-8", overwrite=overwrite) as handle:
            handle.write(self.to_html_text())


def _rates(table: pd.DataFrame) -> pd.DataFrame:
    """A draw-fairness table as selection rates with the simulated band."""
    targets = table["targets"].where(table["targets"] > 0)
    return pd.DataFrame({
        "domain": table["label"], "observed_rate": (table["observed"] / targets).fillna(0.0),
        "expected_rate": (table["expected"] / targets).fillna(0.0),
        "band_low": (table["band_low"] / targets).fillna(0.0),
        "band_high": (table["band_high"] / targets).fillna(0.0)})


def audit_draw(record: AuditRecord | Sample, directory: TargetDirectory | None = None, *,
               inspectors: InspectorDirectory | None = None, policy: TeamPolicy | None = None,
               by: str | Sequence[str] = AUDIT_DOMAINS, simulations: int = 999,
               team_replays: int = 199, rng: Any = None, level: float = 0.05,
               workers: int = 1, figures: bool = True) -> DrawAudit:
    """Audit one published draw in one call.

    1. Replay it (`verify`): a record that does not replay is reported, and nothing else
       about it means much.
    2. Its exact inclusion probabilities per stratum (`inclusion_probabilities`).
    3. Its spread across domains (``by``: 区县 and 风险分类 by default) against the design,
       with B = ``simulations`` simulated draws (`draw_fairness`).
    4. With teams and the ``inspectors`` and ``policy`` they were drawn under: the team draw
       against ``team_replays`` replays of the procedure (`inspector_fairness`) and the
       recusal counts (`recusal_impact`).
    5. Figures for the notebook (``figures``): selection rate by the first domain with the
       design's band, officer loads.

    Simulations use ``rng`` (SPEC 7), never the draw's published seed. The result renders in
    a notebook and writes itself as HTML (`DrawAudit.to_html`).
    """
    if isinstance(record, Sample):
        directory = record.directory
        sample: Sample | None = record
        record = record.record
    elif isinstance(record, AuditRecord):
        sample = None
    else:
        raise InvalidTypeError("audit_draw", "record", record, "an AuditRecord or a Sample",
                               "read the published record with AuditRecord.read(path)")
    if not isinstance(directory, TargetDirectory):
        raise InvalidTypeError("audit_draw", "directory", directory,
                               "the TargetDirectory the record was drawn from",
                               "load the published directory with "
                               "TargetDirectory.from_csv(path)")
    if isinstance(team_replays, bool) or not isinstance(team_replays, int) or team_replays < 0:
        raise InvalidValueError("audit_draw", "team_replays", team_replays,
                                "is not a count", "use e.g. 199, or 0 to skip the teams")
    import numpy as np  # noqa: PLC0415

    generator = np.random.default_rng(rng)
    report = verify(record, directory, inspectors=inspectors, policy=policy)
    probabilities = inclusion_probabilities(record, directory)
    fairness = draw_fairness(record, directory, by=by, simulations=simulations,
                             rng=generator, level=level)
    teams = recusal = None
    loads: dict[str, int] = {}
    if record.teams is not None and inspectors is not None and policy is not None \
            and team_replays and report.ok:
        if sample is None:
            sample = draw_targets(directory, design_from_dict(record.design),
                                  seed=record.seed, purpose=record.purpose, hash=record.hash)
        section = record.teams
        replays = replay_teams(sample, inspectors, policy, replays=team_replays,
                               rng=generator, workers=workers,
                               earlier_visits=section.get("earlier_visits"))
        teams = inspector_fairness(record, replays, level=level)
        recusal = recusal_impact(record, replays)
        for team in section["teams"]:
            for officer in team["officers"]:
                loads[officer] = loads.get(officer, 0) + 1
    pictures: dict[str, Any] = {}
    if figures:
        from ._plots import plot_officer_loads, plot_selection_rates  # noqa: PLC0415

        first = next(iter(fairness))
        pictures[f"抽中率 selection rate by {first}"] = plot_selection_rates(
            _rates(fairness[first]))
        if loads:
            pictures["检查人员任务量 officer loads"] = plot_officer_loads(loads)
    images = {}
    for name, figure in pictures.items():
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        images[name] = buffer.getvalue()
    return DrawAudit(record.purpose, record.digest, report, probabilities.strata(), fairness,
                     teams, recusal, pictures, images)
