"""Statistical helpers shared by the frequency tests (not a test module)."""

from __future__ import annotations

import math

Z_999 = 3.090232306167813  # standard normal 0.999 quantile


def chi2_quantile_999(df: int) -> float:
    """Wilson–Hilferty approximation of the χ² 0.999 quantile (accurate to <1 % for df ≥ 5)."""
    return df * (1 - 2 / (9 * df) + Z_999 * math.sqrt(2 / (9 * df))) ** 3


def corrected_statistic(counts: list[int], probabilities: list[float], runs: int) -> float:
    """Σ (c − Rπ)² / (Rπ(1 − π)) scaled by (N − 1)/N for one stratum whose total is fixed;
    compare with χ² on N − 1 degrees of freedom."""
    n = len(counts)
    total = sum((c - runs * p) ** 2 / (runs * p * (1 - p))
                for c, p in zip(counts, probabilities, strict=True))
    return total * (n - 1) / n
