"""Records of draw spec 1: how their sections are written, from a replay in spec 1.1 terms.

Spec 1 drew exactly as spec 1.1 does; its records differ only in form (spec 1.1 §14): human
text where 1.1 has codes with parameters (allocation adjustments, unstaffed reasons, team
exclusion keys), exclusion counts keyed by text, custom exclusions merged over rules, no
check-item digest, and the rate of an empty class-weighted class not capped at 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..assignment._assign import Unstaffed, describe_exclusion
from ..sampling._allocation import Adjustment

__all__ = ["allocation_v1", "eligibility_v1", "teams_v1"]


def eligibility_v1(counts: Mapping[str, Any], design: Mapping[str, Any]) -> dict[str, int]:
    """Spec 1: ``out_of_scope``, ``checked since <date>`` and the reasons, in one object."""
    out = {"out_of_scope": counts["out_of_scope"]}
    if counts["checked_since"] is not None:
        out[f"checked since {design['exclude_checked_since']}"] = counts["checked_since"]
    out.update(counts["excluded_ids"])
    return out


def allocation_v1(allocation: Mapping[str, Any], design: Mapping[str, Any]) -> dict[str, Any]:
    """Spec 1: adjustments as text; class-weighted empty classes at the uncapped c·w."""
    strata = [dict(s) for s in allocation["strata"]]
    if design["kind"] == "class-weighted":
        weights = {c: Fraction(w) for c, w in design["weights"].items()}
        # Spec 1's c: any class with targets, a positive weight and π < 1 has π = c·w; with
        # none left uncapped spec 1 had c = 0.
        c = next((Fraction(s["rate"]) / weights[s["label"]] for s in strata
                  if s["population"] and weights[s["label"]] > 0 and Fraction(s["rate"]) < 1),
                 Fraction(0))
        for s in strata:
            if not s["population"]:
                s["rate"] = s["effective_rate"] = str(c * weights[s["label"]])
    return {**allocation, "strata": strata,
            "adjustments": [Adjustment.from_dict(a).describe() for a in (
                _adjustments_v1(allocation) if design["kind"] == "stratified-by-risk"
                else allocation["adjustments"])]}


def _adjustments_v1(allocation: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Spec 1 noted a certainty stratum where the effective rate is 1 (even if a maximum
    cut it), where 1.1 notes one where the stratum is drawn whole."""
    notes = [a for a in allocation["adjustments"] if a["code"] != "certainty"]
    per_class = [a for a in notes if a["code"] in ("minimum", "maximum")]
    out = [a for a in notes if a["code"] in ("floor_scaled", "total_raised")]
    for s in allocation["strata"]:
        out += [a for a in per_class if a["label"] == s["label"]]
        if s["effective_rate"] == "1" and s["population"]:
            out.append({"code": "certainty", "label": s["label"], "population": s["population"]})
    return out + [a for a in notes if a["code"] in ("rate_zero", "rounded")]


def teams_v1(section: Mapping[str, Any]) -> dict[str, Any]:
    """Spec 1: no item digest, exclusion keys and unstaffed reasons as text, custom
    exclusions merged over rules (target → inspectors)."""
    merged: dict[str, set[str]] = {}
    for by_target in section["custom_exclusions"].values():
        for target, ids in by_target.items():
            merged.setdefault(target, set()).update(ids)
    policy = {k: v for k, v in section["policy"].items() if k != "items_digest"}
    return {**section, "policy": policy,
            "exclusions": {describe_exclusion(k): n for k, n in section["exclusions"].items()},
            "custom_exclusions": {t: sorted(ids) for t, ids in merged.items()},
            "unstaffed": [{"target": u["target"], "reason": Unstaffed.from_dict(u).reason}
                          for u in section["unstaffed"]]}
