"""Fairness of the inspector draw: `form_teams` replayed over seeds (the honest null, given
caps, recusals and augmenting paths), each officer's and each office's share against it, load
dispersion, recusal impact by ground, and independence of what the policy does not name."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._errors import InvalidTypeError, InvalidValueError
from ..assignment import Assignment, ConflictGround, JoinedVisit, TeamPolicy
from ..assignment._assign import _eligibility, describe_exclusion, form_teams
from ..registry import Inspector, InspectorDirectory, Target, TargetDirectory
from ..sampling import AuditRecord, Sample, Seed
from ._domains import Domains, domains_of
from ._replay import _seed_values
from ._verdict import FairnessReport, TestResult, Verdict, check_level

__all__ = ["OFFICER_FIELDS", "TeamReplays", "inspector_fairness", "recusal_impact",
           "replay_teams"]

#: Officer fields a share table can group by: name → (Chinese, English) label.
OFFICER_FIELDS: dict[str, tuple[str, str]] = {
    "office": ("科所", "office"),
    "department": ("部门", "department"),
    "office_area": ("辖区", "office area"),
    "group": ("执法小组", "group"),
    "post": ("职务", "post"),
}


@attrs.frozen
class _TeamPlan:
    targets: tuple[Target, ...]
    inspectors: InspectorDirectory
    policy: TeamPolicy
    purpose: str
    hash_name: str
    earlier_visits: Mapping[str, Sequence[str]]
    joined: tuple[JoinedVisit, ...]
    officer_index: Mapping[str, int]
    width: int

    def members(self, seeds: Sequence[str]) -> npt.NDArray[np.int32]:
        """Per seed and target (draw order), its officers' indices (leader first; −1
        pads); ``[..., 0]`` is the leader."""
        out = np.full((len(seeds), len(self.targets), self.width), -1, dtype=np.int32)
        for r, seed in enumerate(seeds):
            section = form_teams(self.targets, self.inspectors, self.policy, seed=Seed(seed),
                                 purpose=self.purpose, hash_name=self.hash_name,
                                 earlier_visits=self.earlier_visits, joined=self.joined)
            out[r] = encode_teams(section, [t.id for t in self.targets], self.officer_index,
                                  self.width)
        return out


def encode_teams(section: Mapping[str, Any], target_ids: Sequence[str],
                 officer_index: Mapping[str, int], width: int) -> npt.NDArray[np.int32]:
    """A team section as targets × places of officer indices, the leader first."""
    out = np.full((len(target_ids), width), -1, dtype=np.int32)
    row = {t: k for k, t in enumerate(target_ids)}
    for team in section["teams"]:
        k = row[team["target"]]
        people = [team["leader"], *(o for o in team["officers"] if o != team["leader"])]
        out[k, :len(people)] = [officer_index[o] for o in people[:width]]
    return out


_WORKER: list[_TeamPlan] = []


def _start(plan: _TeamPlan) -> None:
    _WORKER[:] = [plan]


def _run(seeds: Sequence[str]) -> npt.NDArray[np.int32]:
    return _WORKER[0].members(seeds)


@attrs.frozen(eq=False, repr=False)
class TeamReplays:
    """Teams of the real inspector draw replayed over many seeds, for fixed targets.

    Attributes:
        targets: The selected targets, in draw order.
        officers: The officers of the check date (spec §12.1), in canonical order.
        members: Replays × targets × places: officer indices (into ``officers``), the
            leader first, −1 for a place not filled (an unstaffed target).
        seeds: The replays' seeds (simulation seeds, not the published one).
        policy: The team policy.
        pool_pairs: ``Σ_t |M(t)|``, the (target, officer) pairs of the mode pools before recusal.
        directory: The target directory the targets were drawn from.
        rows: The targets' rows in it (canonical positions), in draw order.
    """

    targets: tuple[Target, ...]
    officers: tuple[Inspector, ...]
    members: npt.NDArray[np.int32]
    seeds: tuple[str, ...]
    policy: TeamPolicy
    pool_pairs: int
    directory: TargetDirectory
    rows: npt.NDArray[np.intp]

    @property
    def replays(self) -> int:
        """R, the number of replays."""
        return len(self.seeds)

    def loads(self) -> npt.NDArray[np.int64]:
        """Replays × officers: teams each officer is in."""
        return _loads(self.members, len(self.officers))

    def shares(self) -> pd.DataFrame:
        """Per officer: office, department, mean load and leads per replay, and the share
        of all places (the expected share under the policy, estimated by replay)."""
        loads = self.loads()
        leads = _loads(self.members[..., :1], len(self.officers))
        total = max(float(loads.sum()), 1.0)
        return pd.DataFrame({
            "name": [o.name for o in self.officers],
            "office": [o.office for o in self.officers],
            "department": [o.department for o in self.officers],
            "mean_load": loads.mean(axis=0), "load_sd": loads.std(axis=0, ddof=1)
            if self.replays > 1 else 0.0,
            "mean_leads": leads.mean(axis=0), "share": loads.sum(axis=0) / total,
            "ever_drawn": (loads > 0).mean(axis=0),
        }, index=pd.Index([o.id for o in self.officers], name="officer"))

    def __repr__(self) -> str:
        filled = int((self.members[..., 0] >= 0).sum())
        return (f"<TeamReplays: {self.replays:,} replays of form_teams for "
                f"{len(self.targets):,} targets and {len(self.officers):,} officers "
                f"({self.policy.mode.code}, d={self.policy.min_officers}): "
                f"{filled / max(self.replays, 1):,.1f} teams per replay>")


def _loads(members: npt.NDArray[np.int32], officers: int) -> npt.NDArray[np.int64]:
    runs = members.shape[0]
    flat = members.reshape(runs, -1)
    index = np.where(flat >= 0, flat + officers * np.arange(runs)[:, None], -1)
    counts = np.bincount(index[index >= 0], minlength=runs * officers)
    result: npt.NDArray[np.int64] = counts.reshape(runs, officers).astype(np.int64)
    return result


def replay_teams(sample: Sample, inspectors: InspectorDirectory, policy: TeamPolicy, *,
                 replays: int | None = 999, seeds: Sequence[Seed | str] | None = None,
                 rng: Any = None, workers: int = 1,
                 earlier_visits: Mapping[str, Sequence[str]] | None = None,
                 joined: Sequence[JoinedVisit] = ()) -> TeamReplays:
    """Replay the inspector draw (`form_teams`, spec §12) over many seeds for the sample's
    selected targets: the null distribution of who inspects whom under the policy.

    Caps, recusals, leader departments and augmenting paths make the officers' chances hard
    to write down; replaying the real procedure with other seeds gives them honestly. The
    targets stay those of ``sample`` (their streams are separate from the teams' streams, so
    this is the team draw conditional on the targets).

    Parameters
    ----------
    sample
        The target draw (its purpose and hash are used; its seed is not).
    inspectors, policy
        The registers and policy the teams are drawn under.
    replays, seeds, rng
        R seeds drawn from ``rng`` (SPEC 7), or the ``seeds`` themselves.
    workers
        Processes (`ProcessPoolExecutor`); custom rules must then be picklable or the
        start method ``fork`` (the default on Linux).
    earlier_visits, joined
        As for `assign_inspectors` (spec §12.10, §12.12).
    """
    if not isinstance(sample, Sample):
        raise InvalidTypeError("replay_teams", "sample", sample, "a Sample",
                               "draw it with draw_targets(...)")
    if not isinstance(inspectors, InspectorDirectory) or not isinstance(policy, TeamPolicy):
        raise InvalidTypeError("replay_teams", "inspectors" if not isinstance(
            inspectors, InspectorDirectory) else "policy",
            inspectors if not isinstance(inspectors, InspectorDirectory) else policy,
            "an InspectorDirectory and a TeamPolicy",
            "pass the registers and the TeamPolicy the teams were drawn under")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidValueError("replay_teams", "workers", workers, "is not a positive count",
                                "use workers=1 (here) or up to the number of CPU cores")
    values = _seed_values(seeds, replays, rng)
    directory = sample.directory
    rows = directory.positions(sample.selected_ids)
    targets = tuple(directory.rows(rows))
    officers = inspectors.officers_on(policy.check_date)
    if not officers:
        raise InvalidValueError("replay_teams", "inspectors", f"{len(inspectors)} inspectors",
                                f"hold no officer on the check date {policy.check_date} "
                                "(active, not an expert, credential valid): no team can be "
                                "drawn", "pass the inspector directory the teams were drawn "
                                "from, and the policy's check date")
    index = {o.id: k for k, o in enumerate(officers)}
    width = policy.min_officers
    if policy.unit.code == "group":
        width = max([len([o for o in officers if o.group == g])
                     for g in {o.group for o in officers if o.group}] or [width])
    earlier = {t: list(ids) for t, ids in (earlier_visits or {}).items()}
    plan = _TeamPlan(targets, inspectors, policy, sample.record.purpose, sample.record.hash,
                     earlier, tuple(joined), index, width)
    if workers == 1 or len(values) < 2:
        members = plan.members(values)
    else:
        size = max(1, math.ceil(len(values) / (4 * workers)))
        chunks = [values[k:k + size] for k in range(0, len(values), size)]
        with ProcessPoolExecutor(max_workers=workers, initializer=_start,
                                 initargs=(plan,)) as pool:
            members = np.concatenate(list(pool.map(_run, chunks)))
    joined_ids = {v.target_id for v in joined}
    own = [t for t in targets if t.id not in joined_ids]
    bases, _, _, _ = _eligibility(own, officers, policy, policy.rotation,
                                  {t: sorted(ids) for t, ids in earlier.items()})
    members.flags.writeable = False
    return TeamReplays(targets, officers, members, values, policy,
                       sum(len(b) for b in bases), directory, rows)


# --- the published teams ---------------------------------------------------------------------

def _section(published: object) -> Mapping[str, Any]:
    if isinstance(published, Assignment):
        return published.record.teams or {}
    if isinstance(published, AuditRecord):
        if published.teams is None:
            raise InvalidValueError("inspector_fairness", "published", "a record without "
                                    "teams", "has no team draw to test",
                                    "pass the record extended by assign_inspectors")
        return published.teams
    if isinstance(published, Mapping) and "teams" in published:
        return published
    raise InvalidTypeError("inspector_fairness", "published", published,
                           "an Assignment, an AuditRecord with teams, or a record's teams "
                           "section", "pass assign_inspectors(...)'s result")


def _officer_groups(officers: Sequence[Inspector], field: str
                    ) -> tuple[npt.NDArray[np.intp], list[str]]:
    if field not in OFFICER_FIELDS:
        raise InvalidValueError("inspector_fairness", "by", field, "is not an officer field",
                                "use one of: " + ", ".join(OFFICER_FIELDS))
    values = [getattr(o, field) or "(空)" for o in officers]
    names = sorted(set(values))
    position = {v: k for k, v in enumerate(names)}
    return np.array([position[v] for v in values], dtype=np.intp), names


def _exchangeable_p(rows: npt.NDArray[np.float64]) -> tuple[float, float, float, float]:
    """Row 0 is the published vector, the others the replays: χ²-type and max |z|
    statistics with the mean and variance of all rows (so that all rows are exchangeable
    under the null), and their Monte Carlo p-values (rank of row 0 among all)."""
    mean = rows.mean(axis=0)
    sd = rows.std(axis=0)
    keep = sd > 0
    z = (rows[:, keep] - mean[keep]) / sd[keep]
    chi = (z**2).sum(axis=1)
    worst = np.abs(z).max(axis=1) if keep.any() else np.zeros(len(rows))
    slack = 1e-9
    p_chi = float(np.count_nonzero(chi >= chi[0] - slack * (1 + chi[0])) / len(rows))
    p_z = float(np.count_nonzero(worst >= worst[0] - slack * (1 + worst[0])) / len(rows))
    return float(chi[0]), p_chi, float(worst[0]), p_z


def gini(loads: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Gini coefficient of each row: Σ_i Σ_j |x_i − x_j| / (2 n² mean) (0: all equal)."""
    x = np.sort(np.atleast_2d(loads), axis=1)
    n = x.shape[1]
    if n == 0:
        return np.zeros(x.shape[0])
    ranks = np.arange(1, n + 1)
    totals = x.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (2 * (x * ranks).sum(axis=1) / (n * totals)) - (n + 1) / n
    result: npt.NDArray[np.float64] = np.where(totals > 0, g, 0.0)
    return result


def _contingency_chi2(tables: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Pearson's χ² of independence of each table (rows × columns; empty lines dropped)."""
    total = tables.sum(axis=(1, 2), keepdims=True)
    expected = tables.sum(axis=2, keepdims=True) * tables.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(total > 0, expected / total, 0.0)
        terms = np.where(expected > 0, (tables - expected) ** 2 / expected, 0.0)
    result: npt.NDArray[np.float64] = terms.sum(axis=(1, 2))
    return result


def _pair_tables(replays: TeamReplays, members: npt.NDArray[np.int32], across: str,
                 groups: npt.NDArray[np.intp], k_cols: int
                 ) -> tuple[Domains, npt.NDArray[np.float64]]:
    """Per row of ``members``: the (target's ``across`` domain × officer's group) table of
    (target, officer) pairs, every officer of a team making one pair."""
    if across == "tag":
        raise InvalidValueError("inspector_fairness", "across", across,
                                "overlaps (a target carries several tags)",
                                "use a field that partitions the targets, e.g. 'county'")
    domains = domains_of(replays.directory, across)
    target_cells = domains.cells[replays.rows]
    rows_of_targets = np.argmax(domains.incidence[target_cells], axis=1)
    k_rows = len(domains.names)
    valid = members >= 0
    r_index = np.broadcast_to(np.arange(len(members))[:, None, None], members.shape)
    t_index = np.broadcast_to(rows_of_targets[None, :, None], members.shape)
    padded = np.append(groups, 0)  # index 0 stays valid with no officer at all
    flat = (r_index * k_rows + t_index) * k_cols + padded[np.where(valid, members, 0)]
    tables = np.bincount(flat[valid], minlength=len(members) * k_rows * k_cols).reshape(
        len(members), k_rows, k_cols).astype(float)
    return domains, tables


def inspector_fairness(published: Assignment | AuditRecord | Mapping[str, Any],
                       replays: TeamReplays, *, by: str = "office", across: str = "county",
                       level: float = 0.05) -> FairnessReport:
    """Test a published team draw against replays of the same procedure.

    Every statistic is computed for the published teams and for each replay with the mean
    and spread of all R + 1 of them, so under the null (the published draw is one more
    draw of the procedure) the R + 1 are exchangeable and the p-value
    #{rows at least as extreme as the published one} / (R + 1) has level exactly α for
    (R + 1)·α an integer (ties count against the draw). Tests, combined by Bonferroni at
    ``level``:

    - officers, χ² and ``max |z|``: each officer's load against its expected load;
    - per ``by`` group (科所 office by default), χ² and ``max |z|`` of the group totals — an
      office favoured shows here;
    - load dispersion: the Gini coefficient of the loads, one-sided (more concentrated than
      the procedure makes them);
    - independence: Pearson's χ² of the (target's ``across`` domain × officer's ``by``
      group) table of (target, officer) pairs — for a whole-pool draw the policy names
      neither, so who inspects whom must not depend on them; its null is the replays'
      tables, not the χ² distribution (teams, caps and pools make pairs dependent).

    Returns
    -------
    FairnessReport
        ``verdict``, and tables ``"officers"`` (expected and published load, band at
        ``level``, z), ``by`` (the groups), ``"dispersion"`` (max/mean, Gini) and
        ``"independence"`` (the published contingency table with expected counts).
    """
    if not isinstance(replays, TeamReplays):
        raise InvalidTypeError("inspector_fairness", "replays", replays, "a TeamReplays",
                               "make one with replay_teams(sample, inspectors, policy)")
    alpha = check_level(level, "inspector_fairness")
    section = _section(published)
    target_ids = [t.id for t in replays.targets]
    drawn = {t["target"] for t in section["teams"]}
    if not drawn <= set(target_ids):
        raise InvalidValueError("inspector_fairness", "published", sorted(drawn)[:3],
                                "has teams for targets the replays do not hold",
                                "replay the same sample's targets with replay_teams(...)")
    index = {o.id: k for k, o in enumerate(replays.officers)}
    unknown = {o for t in section["teams"] for o in t["officers"]} - set(index)
    if unknown:
        raise InvalidValueError("inspector_fairness", "published", sorted(unknown)[:3],
                                "names officers who are not officers on the check date",
                                "replay with the inspector directory the teams were drawn "
                                "from")
    width = replays.members.shape[2]
    mine = encode_teams(section, target_ids, index, width)[None]
    members = np.concatenate([mine, replays.members])
    officers = len(replays.officers)
    loads = _loads(members, officers).astype(float)
    groups, group_names = _officer_groups(replays.officers, by)
    group_loads = np.zeros((len(members), len(group_names)))
    for g in range(len(group_names)):
        group_loads[:, g] = loads[:, groups == g].sum(axis=1)
    runs = replays.replays
    method = f"Monte Carlo against R={runs:,} replays of form_teams (exchangeable)"
    tests = []
    chi, p_chi, worst, p_z = _exchangeable_p(loads)
    tests += [TestResult("officers: χ²", chi, None, p_chi, method),
              TestResult("officers: max |z|", worst, None, p_z, method)]
    title = f"{OFFICER_FIELDS[by][0]} ({OFFICER_FIELDS[by][1]})"
    chi, p_chi, worst, p_z = _exchangeable_p(group_loads)
    tests += [TestResult(f"{title}: χ²", chi, None, p_chi, method),
              TestResult(f"{title}: max |z|", worst, None, p_z, method)]
    spread = gini(loads)
    p_gini = float(np.count_nonzero(spread >= spread[0] - 1e-12) / len(spread))
    tests.append(TestResult("load dispersion: Gini", float(spread[0]), None, p_gini,
                            method + ", one-sided"))
    across_domains, tables = _pair_tables(replays, members, across, groups, len(group_names))
    independence = _contingency_chi2(tables)
    p_ind = float(np.count_nonzero(independence >= independence[0] - 1e-9 *
                                   (1 + independence[0])) / len(independence))
    tests.append(TestResult(f"independence of {across_domains.title} and {title}: χ²",
                            float(independence[0]), None, p_ind, method))
    mean_loads, sd_loads = loads[1:].mean(axis=0), loads[1:].std(axis=0)
    officer_table = pd.DataFrame({
        "name": [o.name for o in replays.officers],
        by: [getattr(o, by) for o in replays.officers],
        "expected_load": mean_loads,
        "band_low": np.quantile(loads[1:], alpha / 2, axis=0),
        "band_high": np.quantile(loads[1:], 1 - alpha / 2, axis=0),
        "published_load": loads[0].astype(np.int64),
        "z": np.where(sd_loads > 0, (loads[0] - mean_loads) / np.where(sd_loads > 0,
                                                                      sd_loads, 1), 0.0),
    }, index=pd.Index([o.id for o in replays.officers], name="officer"))
    group_table = pd.DataFrame({
        "officers": np.bincount(groups, minlength=len(group_names)),
        "expected_load": group_loads[1:].mean(axis=0),
        "band_low": np.quantile(group_loads[1:], alpha / 2, axis=0),
        "band_high": np.quantile(group_loads[1:], 1 - alpha / 2, axis=0),
        "published_load": group_loads[0].astype(np.int64),
        "expected_share": group_loads[1:].sum(axis=0) / max(group_loads[1:].sum(), 1),
        "published_share": group_loads[0] / max(group_loads[0].sum(), 1),
    }, index=pd.Index(group_names, name=by))
    for table in (officer_table, group_table):
        table["outside"] = ((table["published_load"] < table["band_low"])
                            | (table["published_load"] > table["band_high"]))
    ratio = loads.max(axis=1) / np.where(loads.mean(axis=1) > 0, loads.mean(axis=1), 1)
    dispersion = pd.DataFrame({
        "published": [float(ratio[0]), float(spread[0])],
        "replays_mean": [float(ratio[1:].mean()), float(spread[1:].mean())],
        "replays_high": [float(np.quantile(ratio[1:], 1 - alpha)),
                         float(np.quantile(spread[1:], 1 - alpha))],
    }, index=pd.Index(["max/mean", "gini"], name="measure"))
    expected = tables[1:].mean(axis=0)
    contingency = pd.DataFrame(tables[0], index=pd.Index(across_domains.names,
                                                         name=across_domains.field),
                               columns=pd.Index(group_names, name=by))
    contingency = contingency.loc[(contingency.sum(axis=1) > 0) | (expected.sum(axis=1) > 0)]
    return FairnessReport(Verdict(alpha, tuple(tests)), {
        "officers": officer_table, by: group_table, "dispersion": dispersion,
        "independence": contingency,
        "independence_expected": pd.DataFrame(expected, index=pd.Index(
            across_domains.names, name=across_domains.field), columns=pd.Index(
            group_names, name=by)).loc[contingency.index],
    })


#: Chinese labels of recusal grounds (spec §12.8 exclusion keys).
GROUND_LABELS: dict[str, str] = {
    **{f"conflict:{g.code}": f"回避：{g.label_zh}" for g in ConflictGround},
    "rotation": "轮换（上次检查人员）",
    "rotation_year": "年度内轮换",
    "own_office": "所所交叉（本所不查本所）",
}


def recusal_impact(published: Assignment | AuditRecord | Mapping[str, Any],
                   replays: TeamReplays | None = None) -> pd.DataFrame:
    """How many (target, officer) pairs each recusal ground removed (the record's
    ``exclusions``, spec §12.8), with its label (回避, 轮换, 所所交叉 …) and, given the
    replays, its share of the mode pools' pairs before recusal."""
    section = _section(published)
    counts = dict(section.get("exclusions", {}))
    keys = sorted(counts)
    table = pd.DataFrame({
        "label": [GROUND_LABELS.get(k, "自定义规则：" + k.partition(":")[2]
                                    if k.startswith("custom:") else k) for k in keys],
        "description": [describe_exclusion(k) for k in keys],
        "pairs": [int(counts[k]) for k in keys],
    }, index=pd.Index(keys, name="ground"))
    if replays is not None:
        pool = replays.pool_pairs
        own = counts.get("own_office", 0)  # outside the mode pools, not within them
        table["share_of_pool"] = [
            counts[k] / (pool + own) if k == "own_office" else counts[k] / max(pool, 1)
            for k in keys]
    return table
