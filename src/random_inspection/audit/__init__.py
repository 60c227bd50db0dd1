"""Verification of recorded draws; audit records and their canonical JSON.

`AuditRecord` is produced by the sampling stage (``draw_targets``) and re-exported here.
"""

from .._canonical import canonical_digest, canonical_json
from ..sampling._record import SPEC_VERSION, AuditRecord, StratumDraw
from ._verify import Check, VerificationReport, verify

__all__ = [
    "SPEC_VERSION",
    "AuditRecord",
    "Check",
    "StratumDraw",
    "VerificationReport",
    "canonical_digest",
    "canonical_json",
    "verify",
]
