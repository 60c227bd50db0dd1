"""Benchmark fixtures: synthetic directories as raw columns, built once per session."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from random_inspection.registry._identifiers import USCC_ALPHABET, complete_usccs

REGIONS = np.array(["140902", "140921", "140922", "140923", "140924", "140981"])
CLASSES = np.array(["A", "B", "C", "D", "U"])


def raw_columns(n: int, seed: int = 1) -> dict[str, Any]:
    """``n`` valid enterprise rows as numpy columns (vectorised USCC generation)."""
    rng = np.random.default_rng(seed)
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    region = rng.integers(0, len(REGIONS), size=n)
    head = np.frombuffer(("".join("91" + r for r in REGIONS)).encode(), np.uint8).reshape(-1, 8)
    body = alphabet[rng.integers(0, 31, size=(n, 9))]
    ids = complete_usccs(np.concatenate([head[region], body], axis=1))
    ids = np.unique(ids)  # random 9-character bodies almost never collide; drop any that do
    n = len(ids)
    names = [f"企业{i}有限公司" for i in range(n)]
    return {
        "ids": ids, "names": names, "entity_types": ["enterprise"] * n,
        "regions": REGIONS[rng.integers(0, len(REGIONS), size=n)].tolist(),
        "risk_classes": CLASSES[rng.choice(5, size=n, p=[0.4, 0.45, 0.1, 0.03, 0.02])].tolist(),
        "industries": np.array(["C13", "F52", "H62"])[rng.integers(0, 3, size=n)].tolist(),
    }


@pytest.fixture(scope="session")
def columns_1e6() -> dict[str, Any]:
    """A million rows of raw columns."""
    return raw_columns(10**6)


@pytest.fixture(scope="session")
def columns_1e7() -> dict[str, Any]:
    """Ten million rows of raw columns."""
    return raw_columns(10**7)


@pytest.fixture(scope="session")
def columns_1e5() -> dict[str, Any]:
    """A hundred thousand rows of raw columns."""
    return raw_columns(10**5)
