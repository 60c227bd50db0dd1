"""The text the commands print about registers, draws and teams (no rules live here)."""

from __future__ import annotations

from .._text import pad
from ..assignment import Assignment
from ..assignment._assign import describe_exclusion
from ..demo import COUNTIES
from ..registry import EntityType, InspectorDirectory, RiskClass, TargetDirectory
from ..sampling import Sample

__all__ = ["assignment_summary", "registers_summary", "sample_summary"]


def _share(part: int, whole: int) -> str:
    return f"{part:>9,}  {100 * part / whole:5.1f}%" if whole else f"{part:>9,}"


def registers_summary(targets: TargetDirectory, *, by_county: bool = False) -> list[str]:
    """The target directory: size, digest, memory, and counts by type and class."""
    n = len(targets)
    out = [
        f"检查对象名录库 target directory: {n:,} targets",
        f"  digest {targets.digest}",
        f"  memory {targets.nbytes / max(n, 1):.1f} bytes per target, names included",
        "  by entity type (主体类型):",
    ]
    out += [f"    {pad(str(EntityType(c)), 40)}{_share(k, n)}"
            for c, k in targets.counts("entity_type").items()]
    out.append("  by credit-risk class (信用风险分类):")
    out += [f"    {pad(str(RiskClass(c)), 40)}{_share(k, n)}"
            for c, k in targets.counts("risk_class").items()]
    if by_county:
        out.append("  by county (区县):")
        out += [f"    {code} {pad(COUNTIES.get(code, ''), 33)}{_share(k, n)}"
                for code, k in targets.counts("region").items()]
    return out


def sample_summary(sample: Sample) -> list[str]:
    """A draw: per class, eligible targets, rate, drawn and π; the total; adjustments."""
    allocation = sample.allocation
    out = [f"  {'class':<28}{'eligible':>10}{'rate':>10}{'drawn':>8}   π"]
    for s in allocation.strata:
        out.append(f"  {pad(str(RiskClass(s.label)), 28)}{s.population:>10,}"
                   f"{float(s.effective_rate):>10.2%}{s.size:>8,}   {s.inclusion_probability}")
    out.append(f"  drew {allocation.total:,} of {allocation.population:,} eligible targets "
               f"({len(sample.directory):,} in the directory; the floor {allocation.floor} "
               f"needs {allocation.floor_count:,})")
    out += [f"  note: {note}" for note in allocation.adjustments]
    return out


def assignment_summary(assignment: Assignment, sample: Sample,
                       inspectors: InspectorDirectory) -> list[str]:
    """Teams: counts, fair share, loads, recusals, and the first few teams."""
    loads = assignment.loads()
    out = [f"  {len(assignment.teams):,} teams, {len(assignment.unstaffed):,} unstaffed; "
           f"fair share {float(assignment.fair_share):.2f} targets per officer, largest load "
           f"{max(loads.values(), default=0)}, {len(loads)} officers used"]
    out += [f"  recused: {describe_exclusion(ground)}: {count:,}"
            for ground, count in assignment.exclusions.items()]
    out += [f"  unstaffed {u.target_id}: {u.reason}" for u in assignment.unstaffed[:3]]
    for team in assignment.teams[:3]:
        target = sample.directory[team.target_id]
        names = "、".join(inspectors[i].name for i in team.officers)
        experts = "、".join(inspectors[i].name for i in team.experts)
        out.append(f"  {target.name}: {names} (组长 leader {inspectors[team.leader].name})"
                   + (f" + 专家 {experts}" if experts else ""))
    return out
