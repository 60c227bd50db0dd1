"""Write the example notebooks (without outputs) from the cells below.

Run from the repository root: ``python docs/notebooks/make_notebooks.py``. The test suite
executes the notebooks (``tests/test_notebooks.py``); keep this script and the ``.ipynb``
files in step (a test checks that too).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

SETUP = """\
import os
import warnings
from pathlib import Path

# Figures go to $NOTEBOOK_FIGURES when set (the test suite sets it), else ./figures.
FIGURES = Path(os.environ.get("NOTEBOOK_FIGURES", "figures"))
FIGURES.mkdir(parents=True, exist_ok=True)
# Without a CJK font the plots warn once and fall back to English labels.
warnings.filterwarnings("ignore", message="no font with Chinese glyphs")"""

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "audit_published_draw": [
        ("md", """\
# Auditing a published draw (核查一次已公布的抽取)

A bureau published a draw: its **audit record** and the **target directory** it was drawn
from (and, for the teams, the inspector directory). An auditor — or a journalist, or a firm
that was drawn — wants to know three things:

1. does the record **replay** exactly from the published files (nobody chose by hand)?
2. what were each firm's **chances** (exact inclusion probabilities)?
3. is the draw's **spread** across counties and risk classes, and the officers' load,
   plausible under the published design — or does something look steered?

`random_inspection.analysis.audit_draw` answers all three in one call. Here the bureau's side
is the demo city (synthetic data); the auditor's side only reads the published files."""),
        ("code", SETUP),
        ("code", """\
import datetime as dt
import tempfile

from random_inspection.assignment import TeamPolicy, assign_inspectors
from random_inspection.demo import demo_city
from random_inspection.sampling import StratifiedByRisk, draw_targets

# --- the bureau's side: draw and publish ---------------------------------------------
city = demo_city(n_targets=50_000, n_officers=300)
design = StratifiedByRisk.from_preset("henan-2021", floor="3%",
                                      scope={"entity_types": ["enterprise"]})
sample = draw_targets(city.targets, design, seed="31415926535897932384",
                      purpose="2024/忻州市/demo-task-01")
policy = TeamPolicy(check_date=dt.date(2024, 6, 3), mode="by_region",
                    items=city.check_items.require(["SJ05", "SJ07"]))
published = Path(tempfile.mkdtemp())
(published / "record.json").write_text(assign_inspectors(sample, city.inspectors,
                                                         policy).record.to_json(),
                                       encoding="utf-8")
city.targets.to_csv(published / "directory.csv")
city.inspectors.to_csv(published / "inspectors.csv")
sorted(p.name for p in published.iterdir())"""),
        ("md", """\
## The auditor's side

Read the published files (nothing from the bureau's memory) and audit the draw. The
simulations use their own random numbers (`rng`), never the draw's published seed."""),
        ("code", """\
from random_inspection.analysis import audit_draw
from random_inspection.registry import InspectorDirectory, TargetDirectory
from random_inspection.sampling import AuditRecord

record = AuditRecord.read(published / "record.json")
directory = TargetDirectory.from_csv(published / "directory.csv")
inspectors = InspectorDirectory.from_csv(published / "inspectors.csv")
audit = audit_draw(record, directory, inspectors=inspectors, policy=policy,
                   simulations=999, team_replays=199, rng=2024)
print(audit)"""),
        ("md", "The exact chances per risk class (π is the same for every firm of a class):"),
        ("code", "audit.strata"),
        ("md", """\
The spread across counties: observed against the design's expectation, with the 95% band of
999 simulated draws of the same design. A county far outside its band would be a finding."""),
        ("code", """\
audit.fairness["county"][["label", "targets", "expected", "observed", "band_low", "band_high",
                          "outside"]]"""),
        ("code", "audit.fairness.verdict.table()"),
        ("md", "The team draw against 199 replays of the same procedure, and the recusals:"),
        ("code", "audit.teams.verdict.table()"),
        ("code", "audit.recusal"),
        ("code", """\
for k, (name, figure) in enumerate(audit.figures.items()):
    figure.savefig(FIGURES / f"audit_published_draw_{k + 1}.png", dpi=100,
                   bbox_inches="tight")
audit.to_html(FIGURES / "audit_published_draw.html", overwrite=True)
assert audit.verification.ok and audit.ok
print("audit verdict:", "no finding" if audit.ok else "FINDINGS")"""),
    ],
    "audit_procedure_replays": [
        ("md", """\
# Auditing the procedure over replays (用重复抽取检验抽取程序)

A single draw can be unlucky; a **procedure** that favours some counties shows up over many
draws. Replay the real draw spec (the same allocation, streams and Rivest's sampler) over
2,000 seeds and compare every county's and class's selection frequency with its exact
expectation. The tests state their false-alarm level (5% here, Bonferroni over the tests)."""),
        ("code", SETUP),
        ("code", """\
from random_inspection.analysis import plot_selection_rates, replay_draws, target_fairness
from random_inspection.demo import demo_city
from random_inspection.sampling import StratifiedByRisk

city = demo_city(n_targets=50_000, n_officers=300)
design = StratifiedByRisk.from_preset("henan-2021", floor="3%",
                                      scope={"entity_types": ["enterprise"]})
replays = replay_draws(design, city.targets, replays=2_000, rng=7, workers=2)
replays"""),
        ("code", """\
report = target_fairness(replays, by=("county", "risk_class"))
report"""),
        ("code", "report.verdict.table()"),
        ("code", """\
county = report["county"]
rates = county.assign(domain=county["label"],
                      band_low=county["band_low"] / county["targets"],
                      band_high=county["band_high"] / county["targets"])
rates[["domain", "targets", "expected_rate", "observed_rate", "band_low", "band_high"]]"""),
        ("code", """\
figure = plot_selection_rates(rates)
figure.savefig(FIGURES / "audit_procedure_replays.png", dpi=100, bbox_inches="tight")
assert not report.rejected
print(f"procedure verdict at 5%: p = {report.p_value:.3f}, no finding")"""),
    ],
    "estimate_violation_rates": [
        ("md", """\
# Estimating violation rates from the year's results (由抽查结果推断违法违规发现率)

The results of a year's random checks are a **probability sample** of the businesses: each
task drew stratified by risk class, with exact inclusion probabilities in its record. So
they estimate the violation rate of the whole population — by class, county or item — with
design-based standard errors (Horvitz–Thompson and Hájek, stratified, finite-population
corrected) and intervals that hold up for small domains and rare events (Wilson,
Korn–Graubard)."""),
        ("code", SETUP),
        ("code", """\
from random_inspection.analysis import estimate_rates, plot_estimates
from random_inspection.demo import demo_city, demo_plan, demo_results
from random_inspection.planning import run_plan

city = demo_city(n_targets=60_000, n_officers=400)
year = run_plan(demo_plan(), city.targets, city.inspectors, city.check_items,
                seed="31415926535897932384")
book, ledger = demo_results(year)
print(f"{len(book)} results of {len(year.visits)} visits")"""),
        ("md", "Per task and risk class (each target with the π of the task that drew it):"),
        ("code", """\
by_class = estimate_rates(book, by="class")
by_class[["task", "class", "n", "violations", "rate", "rate_se", "kg_low", "kg_high"]]"""),
        ("md", "Pooled over the year's checks, by class (strata are (task, class)):"),
        ("code", """\
pooled = estimate_rates(book, by="class", per="year")
pooled[["class", "n", "violations", "rate", "rate_se", "wilson_low", "wilson_high",
        "kg_low", "kg_high"]]"""),
        ("code", """\
figure = plot_estimates(pooled)
figure.savefig(FIGURES / "estimate_violation_rates.png", dpi=100, bbox_inches="tight")
rates = pooled.set_index("class")["rate"]
assert ((pooled["kg_low"] <= pooled["rate"]) & (pooled["rate"] <= pooled["kg_high"])).all()
print("pooled rates by class:", {k: round(float(v), 3) for k, v in rates.items()})"""),
    ],
}


def build(name: str) -> nbformat.NotebookNode:
    cells = [new_markdown_cell(text) if kind == "md" else new_code_cell(text)
             for kind, text in NOTEBOOKS[name]]
    for k, cell in enumerate(cells):
        cell.id = f"{name.replace('_', '-')}-{k + 1}"  # stable ids: the files stay the same
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})


def main() -> int:
    for name in NOTEBOOKS:
        nbformat.write(build(name), HERE / f"{name}.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
