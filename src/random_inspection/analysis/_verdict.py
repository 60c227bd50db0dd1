"""Results of fairness tests: each test's statistic and p-value, a verdict over all of them
at a stated level (Bonferroni), and the tables behind them."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

import attrs
import pandas as pd

from .._errors import InvalidValueError, UnknownIdError

__all__ = ["FairnessReport", "TestResult", "Verdict", "check_level"]


def check_level(level: object, where: str) -> float:
    """A significance level in (0, 1)."""
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise InvalidValueError(where, "level", level, "is not a probability in (0, 1)",
                                "state the false-alarm rate you accept, e.g. level=0.05")
    return float(level)


@attrs.frozen
class TestResult:
    """One test: its statistic and p-value, and how the p-value was obtained.

    Attributes:
        name: What is tested, e.g. ``"区县 (county): χ²"``.
        statistic: The statistic's value.
        df: Degrees of freedom for a χ² test, else None.
        p_value: The p-value (for a family of comparisons: already adjusted, see method).
        method: How the p-value was found (the null distribution, the adjustment).
    """

    __test__ = False  # not a pytest test class

    name: str
    statistic: float
    df: float | None
    p_value: float
    method: str

    def __str__(self) -> str:
        df = f", df={self.df:g}" if self.df is not None else ""
        return f"{self.name}: {self.statistic:.4g}{df}, p={self.p_value:.4g} ({self.method})"


@attrs.frozen(repr=False)
class Verdict:
    """The verdict of several tests at one stated level.

    The family of k tests is combined by Bonferroni: the overall p-value is
    min(1, k · min_t p_t), so the chance that a fair procedure is called unfair is at most
    ``level`` whatever the dependence between the tests.

    Attributes:
        level: The stated false-alarm rate (α).
        tests: Each test (`TestResult`).
    """

    level: float
    tests: tuple[TestResult, ...]

    @property
    def p_value(self) -> float:
        """Bonferroni over the tests: min(1, k · smallest p)."""
        if not self.tests:
            return 1.0
        return min(1.0, len(self.tests) * min(t.p_value for t in self.tests))

    @property
    def rejected(self) -> bool:
        """Whether the procedure is called unfair at ``level`` (p < level)."""
        return self.p_value < self.level

    def table(self) -> pd.DataFrame:
        """One row per test: statistic, df, p-value, method, and whether it alone rejects
        at the Bonferroni share of the level (level / k)."""
        share = self.level / max(len(self.tests), 1)
        return pd.DataFrame({
            "statistic": [t.statistic for t in self.tests],
            "df": [t.df for t in self.tests],
            "p_value": [t.p_value for t in self.tests],
            "rejects": [t.p_value < share for t in self.tests],
            "method": [t.method for t in self.tests],
        }, index=pd.Index([t.name for t in self.tests], name="test"))

    def __repr__(self) -> str:
        word = "REJECTED: not consistent with the design" if self.rejected else \
            "consistent with the design"
        lines = [f"<Verdict at level {self.level:g} (Bonferroni over {len(self.tests)} "
                 f"test(s)): p={self.p_value:.4g}, {word}>"]
        lines += [f"  {t}" for t in self.tests]
        return "\n".join(lines)


@attrs.frozen(repr=False)
class FairnessReport(Mapping[str, pd.DataFrame]):
    """A fairness check: its `Verdict` and the tables behind it (``report["county"]``).

    Attributes:
        verdict: The tests and the verdict at the stated level.
        tables: Name → DataFrame (per target, per domain, per officer, …).
        notes: What the reader should know (e.g. targets drawn that the design cannot draw).
    """

    verdict: Verdict
    tables: Mapping[str, pd.DataFrame]
    notes: tuple[str, ...] = ()

    @property
    def rejected(self) -> bool:
        """`Verdict.rejected`."""
        return self.verdict.rejected

    @property
    def p_value(self) -> float:
        """`Verdict.p_value`."""
        return self.verdict.p_value

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise UnknownIdError("FairnessReport", [name],
                                 "Fix: use one of the tables: " + ", ".join(self.tables))
        return self.tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    def __repr__(self) -> str:
        lines = [repr(self.verdict)]
        lines += [f"  note: {n}" for n in self.notes]
        lines.append("  tables: " + ", ".join(
            f"{name} ({len(table)} rows)" for name, table in self.tables.items()))
        return "\n".join(lines)


def bonferroni(p_values: Sequence[float]) -> float:
    """min(1, m · min p) over m p-values (1 for none)."""
    return min(1.0, len(p_values) * min(p_values)) if len(p_values) else 1.0


def finite(value: float) -> float:
    """``value``, with NaN read as 0 (a statistic over nothing)."""
    return 0.0 if math.isnan(value) else value
