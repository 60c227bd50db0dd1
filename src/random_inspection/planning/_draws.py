"""The year's target draws, in run order, each respecting the draws before it.

`run_plan` forms teams on top of these draws; the coverage forecast replays them over many
seeds. Teams never change which targets a later task may draw, so the draws of a year are
a procedure of their own: this module is that procedure, and nothing else runs it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from ..registry import RiskClass, TargetDirectory
from ..sampling import ClassWeighted, Sample, Seed, draw_targets
from ._masks import enterprise_mask, id_mask
from ._model import AnnualPlan, Task, overlap

__all__ = ["Window", "YearDraws", "draw_year_targets", "purpose_of"]

CLASSES = tuple(RiskClass)

#: A visit's window: (first day, last day).
Window = tuple[dt.date, dt.date]


def purpose_of(plan: AnnualPlan, task: Task) -> str:
    """The draw purpose of a task of the plan: ``"<year>/<region>/<task code>"``."""
    return f"{plan.year}/{plan.region}/{task.code}"


@attrs.frozen(eq=False)
class YearDraws:
    """The target draws of a year, in run order (the top-up task last, if it ran).

    Attributes:
        draws: ``(task, sample)`` per task drawn.
    """

    draws: tuple[tuple[Task, Sample], ...]

    def covered(self, mask: npt.NDArray[np.bool_]) -> int:
        """Distinct targets of ``mask`` (rows in canonical order) drawn by any task."""
        if not self.draws:
            return 0
        directory = self.draws[0][1].directory
        ids = (i for _, s in self.draws for i in s.selected_ids)
        return int((mask & id_mask(directory, ids)).sum())


class _Ledger:
    """Who has been drawn so far this year, by task, and each target's visit windows."""

    def __init__(self, directory: TargetDirectory, caps: Mapping[RiskClass, int | None]) -> None:
        self.directory = directory
        self.caps = caps
        self.classes = directory.codes("risk_class")
        self.drawn: list[tuple[Task, tuple[str, ...]]] = []
        self.windows: dict[str, list[Window]] = {}
        self.cap: dict[str, tuple[RiskClass, int]] = {}  # capped targets drawn: class, cap

    def exclusions(self, task: Task) -> dict[str, list[str]]:
        """Reason → ids the task may not draw, from the draws before it."""
        out: dict[str, list[str]] = {}
        for earlier, ids in self.drawn:
            if set(earlier.items) & set(task.items):
                out[f"drawn for the same items by {earlier.code}"] = list(ids)
            elif earlier.is_joint and task.executing_department in earlier.departments:
                out[f"in the joint check {earlier.code} (部门联合抽查)"] = list(ids)
        capped: dict[str, list[str]] = {}
        start, end = task.period
        windows_of = self.windows
        for target_id, (cls, cap) in self.cap.items():  # only targets of a capped class
            windows = windows_of[target_id]
            if len(windows) < cap or any(w[0] <= end and start <= w[1] for w in windows):
                continue  # under the cap, or drawn again it joins that visit (overlap)
            capped.setdefault(f"visit cap reached (class {cls.code}: {cap} a year)",
                              []).append(target_id)
        return {**out, **capped}

    def add(self, task: Task, ids: tuple[str, ...]) -> None:
        self.drawn.append((task, ids))
        caps = [(c, self.caps[c]) for c in CLASSES]
        for target_id, k in zip(ids, self.classes[self.directory.positions(ids)].tolist(),
                                strict=True):
            cls, cap = caps[k]
            if cap is not None:
                self.cap[target_id] = (cls, cap)
        period = task.period
        windows_of = self.windows
        for target_id in ids:
            windows = windows_of.get(target_id)
            if windows is None:
                windows_of[target_id] = [period]
                continue
            for k, w in enumerate(windows):
                if overlap(w, period):
                    windows[k] = (max(w[0], task.start), min(w[1], task.end))
                    break
            else:
                windows.append(period)


def _seed_for(seed: Seed | str | Mapping[str, Seed | str], code: str) -> Seed | str:
    return seed[code] if isinstance(seed, Mapping) else seed


def draw_year_targets(plan: AnnualPlan, directory: TargetDirectory, *,
                      seed: Seed | str | Mapping[str, Seed | str], hash: str = "sha256",
                      top_up: bool = True, after: Callable[[int], None] | None = None
                      ) -> YearDraws:
    """Draw every task's targets in `AnnualPlan.run_order`, then the top-up task if the
    year falls short of the coverage floor (and ``top_up``).

    Each draw excludes, through the draw core's listed exclusions (so its record shows them
    and replays): targets an earlier task drew for any of the same items; targets of an
    earlier joint check its executing department took part in; and targets whose class cap
    on visits is reached (unless the new draw would join an existing visit). The plan is
    assumed checked (`check_plan`); ``after(n)`` is called after the n-th draw.
    """
    ledger = _Ledger(directory, plan.visit_caps)
    draws: list[tuple[Task, Sample]] = []
    for task in plan.run_order():
        draws.append((task, _draw(plan, task, ledger, _seed_for(seed, task.code), hash)))
        if after is not None:
            after(len(draws))
    extra = plan.top_up
    if top_up and extra is not None:
        mask = enterprise_mask(plan, directory)
        covered = {i for _, s in draws for i in s.selected_ids}
        short = math.ceil(plan.coverage_floor * int(mask.sum())) - int(
            (mask & id_mask(directory, covered)).sum())
        if short > 0:
            draws.append((extra, _draw(plan, extra, ledger, _seed_for(seed, extra.code), hash,
                                       top_up=(short, covered))))
    return YearDraws(tuple(draws))


def _draw(plan: AnnualPlan, task: Task, ledger: _Ledger, seed: Seed | str, hash_name: str,
          *, top_up: tuple[int, set[str]] | None = None) -> Sample:
    """Draw one task with the exclusions the year so far imposes."""
    directory = ledger.directory
    excluded: dict[str, Sequence[str]] = dict(task.design.excluded_ids)
    excluded.update(ledger.exclusions(task))
    design = attrs.evolve(task.design, scope=plan.scope_of(task), excluded_ids=excluded)
    if top_up is not None:
        short, covered = top_up
        excluded["already checked this year (补充抽查 draws new enterprises)"] = sorted(covered)
        assert isinstance(design, ClassWeighted)  # checked when the plan was made
        design = attrs.evolve(design, excluded_ids=excluded, floor=0, total=short)
    if isinstance(design, ClassWeighted):
        # The year's exclusions may leave fewer targets than the planned total: draw them all
        # rather than fail in the autumn (the record shows the total drawn).
        eligible, _ = design.eligibility(directory)
        classes = directory.codes("risk_class")
        weighted = sum(int(np.count_nonzero(eligible & (classes == k)))
                       for k, c in enumerate(CLASSES) if design.weights[c] > 0)
        design = attrs.evolve(design, total=min(design.total, weighted))
    sample = draw_targets(directory, design, seed=seed, purpose=purpose_of(plan, task),
                          hash=hash_name)
    ledger.add(task, sample.selected_ids)
    return sample
