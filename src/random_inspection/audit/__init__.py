"""Verification of recorded draws; audit records and their canonical JSON.

`AuditRecord` is produced by the sampling stage (``draw_targets``) and re-exported here.
"""

from .._canonical import canonical_digest, canonical_json
from ..sampling._record import (
    SPEC_VERSION,
    SPEC_VERSIONS,
    AuditRecord,
    RecordFormatError,
    StratumDraw,
    record_schema,
)
from ._folder import FolderReport, verify_folder
from ._verify import (
    Check,
    Verdict,
    VerificationReport,
    needed_inputs,
    verify,
    verify_file,
)

__all__ = [
    "SPEC_VERSION",
    "SPEC_VERSIONS",
    "AuditRecord",
    "Check",
    "FolderReport",
    "RecordFormatError",
    "StratumDraw",
    "Verdict",
    "VerificationReport",
    "canonical_digest",
    "canonical_json",
    "needed_inputs",
    "record_schema",
    "verify",
    "verify_file",
    "verify_folder",
]
