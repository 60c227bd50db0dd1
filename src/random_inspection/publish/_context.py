"""What every page of the site needs: the year, its results, the policy and the file names."""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from ..planning import PlanRun, TaskRun
from ..registry import CheckItem, InspectorDirectory, TargetDirectory
from ..results import ResultBook, ReviewState
from ..sampling import AuditRecord
from ._html import Html, bi

__all__ = ["INSPECTOR_POLICIES", "SiteContext"]

#: What the site says about the inspectors of each drawn target: ``department`` (the
#: inspecting department only, the default), ``names`` (the team's names, and the full
#: records with their teams) or ``none`` (nothing beyond the task's executing department).
INSPECTOR_POLICIES = ("department", "names", "none")

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")


def file_stems(codes: list[str]) -> dict[str, str]:
    """Task code → the name of its files: the code itself when it is a plain file name,
    else ``task-NN`` (codes may hold any text but ``/`` and white space)."""
    stems: dict[str, str] = {}
    for number, code in enumerate(codes, start=1):
        stem = code if _SAFE_NAME.fullmatch(code) else f"task-{number:02d}"
        while stem.casefold() in {s.casefold() for s in stems.values()}:
            stem = f"{stem}-{number}"
        stems[code] = stem
    return stems


@attrs.frozen(eq=False)
class SiteContext:
    """The inputs of the pages.

    Attributes:
        year: The year's draws.
        results: Its results (only published ones appear), or None.
        policy: One of `INSPECTOR_POLICIES`.
        organ: The inspecting authority named on the results notice, or None (each visit's
            leading task's executing department).
        stems: Task code → file name stem.
        items: Item code → the check item, for every item the year's tasks name.
    """

    year: PlanRun
    results: ResultBook | None
    policy: str
    organ: str | None
    stems: Mapping[str, str]
    items: Mapping[str, CheckItem]

    @classmethod
    def of(cls, year: PlanRun, results: ResultBook | None, policy: str, organ: str | None
           ) -> SiteContext:
        items = {i.code: i for run in year.runs for i in run.policy.items}
        return cls(year, results, policy, organ,
                   file_stems([r.task.code for r in year.runs]), items)

    @property
    def site_name(self) -> str:
        return self.year.plan.name

    @property
    def directory(self) -> TargetDirectory:
        return self.year.runs[0].sample.directory

    @property
    def inspectors(self) -> InspectorDirectory:
        return self.year.runs[0].inspectors

    @property
    def published_results(self) -> int:
        if self.results is None:
            return 0
        return sum(r.state is ReviewState.PUBLISHED for r in self.results)

    def record_path(self, code: str) -> str:
        return f"records/{self.stems[code]}.json"

    def page_path(self, code: str) -> str:
        return f"tasks/{self.stems[code]}.html"

    def published_record(self, run: TaskRun) -> AuditRecord:
        """The record as published: with its teams under the ``names`` policy; otherwise the
        target draw alone (the record as it was before teams were drawn: canonical, with its
        own digest, verifiable from the directory alone), so no inspector id is published."""
        if self.policy == "names":
            return run.record
        return attrs.evolve(run.record, teams=None)

    def nav(self) -> list[tuple[str, Html]]:
        links = [("index.html", bi("首页", "Home")), ("plan.html", bi("计划公告", "Plan notice"))]
        if self.published_results:
            links.append(("results.html", bi("结果公告", "Results notice")))
        links.append(("index.html#data", bi("数据文件", "Data files")))
        return links
