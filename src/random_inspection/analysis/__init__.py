"""The fairness and estimation toolkit for auditors' notebooks (needs the ``analysis`` extra).

Exact inclusion probabilities of every design, first and second order
(`inclusion_probabilities`); the real draw procedure replayed over many seeds, in parallel
(`replay_draws`, `replay_teams`); fairness tests of the target draw and of the inspector
draw, over replays and for a single published draw, each with its level stated;
Horvitz–Thompson and Hájek estimates of violation rates from the results, with
design-based variances and Wilson and Korn–Graubard intervals (`estimate_rates`); plots for
notebooks with Chinese labels when a CJK font is installed; and `audit_draw`, one call that
audits a published draw and writes itself as HTML. Every function takes the library's
values and returns pandas DataFrames or small values with a readable ``repr``. Simulations
take ``rng`` (a numpy Generator or seed, SPEC 7) and never use a draw's published seed.
"""

from __future__ import annotations

try:
    import pandas as _pandas  # noqa: F401
    import scipy as _scipy  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "random_inspection.analysis needs scipy and pandas (and matplotlib for plots): "
        "pip install 'random-inspection[analysis]'"
    ) from error

from ._audit import DrawAudit, audit_draw
from ._domains import DOMAIN_FIELDS
from ._estimate import (
    DIRECTORY_DOMAINS,
    POOLED,
    RESULT_FIELDS,
    estimate_rates,
    estimation_frame,
)
from ._fonts import CJK_FAMILIES, CJK_PACKAGE, Labels, find_cjk_font
from ._inspector_fairness import (
    OFFICER_FIELDS,
    TeamReplays,
    inspector_fairness,
    recusal_impact,
    replay_teams,
)
from ._intervals import (
    clopper_pearson_interval,
    effective_sample_size,
    korn_graubard_interval,
    normal_interval,
    wilson_interval,
)
from ._plots import (
    officer_loads,
    plot_coverage_by_county,
    plot_estimates,
    plot_officer_loads,
    plot_selection_rates,
)
from ._probabilities import InclusionProbabilities, SizeOutcome, inclusion_probabilities
from ._replay import Replays, replay_draws, replay_selection
from ._target_fairness import DEFAULT_DOMAINS, draw_fairness, target_fairness
from ._verdict import FairnessReport, TestResult, Verdict

__all__ = [
    "CJK_FAMILIES",
    "CJK_PACKAGE",
    "DEFAULT_DOMAINS",
    "DIRECTORY_DOMAINS",
    "DOMAIN_FIELDS",
    "OFFICER_FIELDS",
    "POOLED",
    "RESULT_FIELDS",
    "DrawAudit",
    "FairnessReport",
    "InclusionProbabilities",
    "Labels",
    "Replays",
    "SizeOutcome",
    "TeamReplays",
    "TestResult",
    "Verdict",
    "audit_draw",
    "clopper_pearson_interval",
    "draw_fairness",
    "effective_sample_size",
    "estimate_rates",
    "estimation_frame",
    "find_cjk_font",
    "inclusion_probabilities",
    "inspector_fairness",
    "korn_graubard_interval",
    "normal_interval",
    "officer_loads",
    "plot_coverage_by_county",
    "plot_estimates",
    "plot_officer_loads",
    "plot_selection_rates",
    "recusal_impact",
    "replay_draws",
    "replay_selection",
    "replay_teams",
    "target_fairness",
    "wilson_interval",
]
