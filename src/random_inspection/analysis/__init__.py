"""The fairness and estimation toolkit for auditors' notebooks (needs the ``analysis`` extra).

Exact inclusion probabilities of every design, first and second order
(`inclusion_probabilities`); the real draw procedure replayed over many seeds, in parallel
(`replay_draws`, `replay_teams`); fairness tests of the target draw and of the inspector
draw, over replays and for a single published draw, each with its level stated. Every
function takes the library's values and returns pandas DataFrames or small values with a
readable ``repr``. Simulations take ``rng`` (a numpy Generator or seed, SPEC 7) and never use
a draw's published seed.
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

# --- probabilities, replays and fairness (this part of issue 15) -------------------------
from ._domains import DOMAIN_FIELDS
from ._inspector_fairness import (
    OFFICER_FIELDS,
    TeamReplays,
    inspector_fairness,
    recusal_impact,
    replay_teams,
)
from ._probabilities import InclusionProbabilities, SizeOutcome, inclusion_probabilities
from ._replay import Replays, replay_draws, replay_selection
from ._target_fairness import DEFAULT_DOMAINS, draw_fairness, target_fairness
from ._verdict import FairnessReport, TestResult, Verdict

# --- estimation from results and plots (analysis/_estimate.py, analysis/_plots.py) -------
# Reserved for the other part of issue 15: import its public names here and add them to
# __all__ below (kept sorted).
# --- end of the reserved block ------------------------------------------------------------

__all__ = [
    "DEFAULT_DOMAINS",
    "DOMAIN_FIELDS",
    "OFFICER_FIELDS",
    "FairnessReport",
    "InclusionProbabilities",
    "Replays",
    "SizeOutcome",
    "TeamReplays",
    "TestResult",
    "Verdict",
    "draw_fairness",
    "inclusion_probabilities",
    "inspector_fairness",
    "recusal_impact",
    "replay_draws",
    "replay_selection",
    "replay_teams",
    "target_fairness",
]
