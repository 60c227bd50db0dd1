"""Confidence intervals for a proportion estimated from a survey: normal (Wald), Wilson with
the effective sample size, Clopper–Pearson, and Korn–Graubard (extra ``analysis``).

Every function is vectorised: arguments broadcast as numpy arrays, and the bounds come back
as a ``(low, high)`` pair of float arrays, clipped to [0, 1].

References:
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22(158), 209–212.
    Clopper, C. J., Pearson, E. S. (1934). The use of confidence or fiducial limits
    illustrated in the case of the binomial. *Biometrika* 26(4), 404–413.
    Korn, E. L., Graubard, B. I. (1998). Confidence intervals for proportions with small
    expected number of positive counts estimated from survey data. *Survey Methodology*
    24(2), 193–201.
    Parker, J. D. et al. (2017). National Center for Health Statistics data presentation
    standards for proportions. *Vital Health Stat* 2(175) — the domain degrees of freedom.
    Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
    comparison of seven methods. *Statistics in Medicine* 17, 857–872 — published values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidValueError
from ._extra import stats

__all__ = ["clopper_pearson_interval", "effective_sample_size", "korn_graubard_interval",
           "normal_interval", "wilson_interval"]

Bounds = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


def _level(level: float, where: str) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise InvalidValueError(where, "level", level, "is not a confidence level in (0, 1)",
                                "give e.g. 0.95 for a 95% interval")
    return float(level)


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def _floats(value: Any) -> npt.NDArray[np.float64]:
    return np.asarray(value, dtype=np.float64)


def _clip(low: npt.NDArray[np.float64], high: npt.NDArray[np.float64]) -> Bounds:
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def normal_interval(p: Any, se: Any, *, level: float = 0.95) -> Bounds:
    """The normal (Wald) interval p̂ ± z·SE, clipped to [0, 1] — for comparison only: it
    under-covers for rare events and small domains (an estimate of 0 has SE 0, so the
    interval is the single point 0)."""
    z = _z(_level(level, "normal_interval"))
    p, se = _floats(p), _floats(se)
    return _clip(p - z * se, p + z * se)


def wilson_interval(p: Any, n: Any, *, level: float = 0.95) -> Bounds:
    """Wilson's score interval (Wilson 1927) for a proportion p̂ from n observations.

    ::

        (p̂ + z²/2n) / (1 + z²/n)  ±  z / (1 + z²/n) · √( p̂(1 − p̂)/n + z²/4n² )

    For a complex design give the effective sample size as ``n``
    (`effective_sample_size`). ``n`` may be fractional; an infinite ``n`` (no sampling
    error, e.g. a census) gives the point p̂.

    Example:
        >>> low, high = wilson_interval(81 / 263, 263)   # Newcombe (1998): 0.2553–0.3662
        >>> print(f"{float(low):.4f} {float(high):.4f}")
        0.2553 0.3662
    """
    z = _z(_level(level, "wilson_interval"))
    p, n = _floats(p), _floats(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(np.isinf(n), 0.0, z * z / n)
        centre = (p + k / 2) / (1 + k)
        half = z / (1 + k) * np.sqrt(np.where(np.isinf(n), 0.0,
                                              p * (1 - p) / n + k / (4 * n)))
    low, high = _clip(centre - half, centre + half)
    return np.where(p <= 0, 0.0, low), np.where(p >= 1, 1.0, high)  # not 1e-17 off by rounding


def clopper_pearson_interval(x: Any, n: Any, *, level: float = 0.95) -> Bounds:
    """The Clopper–Pearson ("exact") interval for x successes in n trials, through the beta
    distribution: ``[B(α/2; x, n−x+1), B(1−α/2; x+1, n−x)]``, with 0 for x = 0 and 1 for
    x = n. ``x`` and ``n`` may be fractional (the Korn–Graubard use).

    Example:
        >>> low, high = clopper_pearson_interval(15, 148)   # Newcombe (1998): 0.0578–0.1617
        >>> print(f"{float(low):.4f} {float(high):.4f}")
        0.0578 0.1617
    """
    alpha = 1 - _level(level, "clopper_pearson_interval")
    x, n = _floats(x), _floats(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, stats.beta.ppf(alpha / 2, np.maximum(x, 1e-300),
                                             np.maximum(n - x + 1, 1e-300)), 0.0)
        high = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1,
                                              np.maximum(n - x, 1e-300)), 1.0)
    return _clip(_floats(low), _floats(high))


def effective_sample_size(p: Any, variance: Any, n: Any) -> npt.NDArray[np.float64]:
    """Kish's effective sample size of an estimated proportion: n_eff = p̂(1−p̂)/v(p̂).

    When p̂ is 0 or 1 the design variance is 0 and says nothing: n_eff is then the domain's
    sample size ``n`` (Korn & Graubard 1998). When 0 < p̂ < 1 and v = 0 (every stratum of
    the domain was taken whole), n_eff is infinite: there is no sampling error.
    """
    p, v, n = _floats(p), _floats(variance), _floats(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(v > 0, p * (1 - p) / v, np.inf)
    return np.where((p <= 0) | (p >= 1) | np.isnan(v), n, n_eff)


def korn_graubard_interval(p: Any, variance: Any, n: Any, df: Any, *, level: float = 0.95
                           ) -> Bounds:
    """Korn & Graubard's (1998) interval: Clopper–Pearson at the degrees-of-freedom
    adjusted effective sample size.

    ::

        n* = p̂(1 − p̂) / v(p̂) · ( t(n−1, 1−α/2) / t(df, 1−α/2) )²,    x* = n* p̂

    then ``clopper_pearson_interval(x*, n*)``. ``n`` is the domain's sample size (n* = n
    when p̂ is 0 or 1, see `effective_sample_size`); ``df`` the design degrees of freedom,
    for a domain of a stratified element sample (units − strata with units in the domain,
    Parker et al. 2017). With v = p̂(1−p̂)/n and df = n − 1 it is Clopper–Pearson.
    """
    alpha = 1 - _level(level, "korn_graubard_interval")
    p, n, df = _floats(p), _floats(n), _floats(df)
    n_eff = effective_sample_size(p, variance, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where((n > 1) & (df >= 1),
                         stats.t.ppf(1 - alpha / 2, np.maximum(n - 1, 1))
                         / stats.t.ppf(1 - alpha / 2, np.maximum(df, 1)), 1.0)
    n_star = n_eff * ratio ** 2
    finite = np.isfinite(n_star)
    low, high = clopper_pearson_interval(np.where(finite, n_star * p, 0.0),
                                         np.where(finite, n_star, 1.0), level=level)
    return np.where(finite, low, p), np.where(finite, high, p)
