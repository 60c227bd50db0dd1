"""The optional dependencies of `random_inspection.analysis` (extra ``analysis``), imported
once with an `ImportError` that says how to install them."""

from __future__ import annotations

INSTALL = "pip install 'random-inspection[analysis]'"

try:
    import matplotlib
    import pandas as pd
    from scipy import stats
except ImportError as error:  # pragma: no cover  (the test environment has the extra)
    raise ImportError(
        f"random_inspection.analysis needs scipy, pandas and matplotlib ({error.name} is "
        f"missing): {INSTALL}") from error

__all__ = ["INSTALL", "matplotlib", "pd", "stats"]
