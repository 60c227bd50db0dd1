"""Verification of recorded draws; audit records and their canonical JSON; the journal's
format and the seed ceremony's rules (spec §16, §17) as pure functions — the workspace that
keeps them is `random_inspection.store`.

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
from ._ceremony import CeremonyState, check_contribution, contribution_commitment
from ._folder import FolderReport, verify_folder
from ._journal import ChainReport, Entry, check_chain, read_jsonl, write_jsonl
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
    "CeremonyState",
    "ChainReport",
    "Check",
    "Entry",
    "FolderReport",
    "RecordFormatError",
    "StratumDraw",
    "Verdict",
    "VerificationReport",
    "canonical_digest",
    "canonical_json",
    "check_chain",
    "check_contribution",
    "contribution_commitment",
    "needed_inputs",
    "read_jsonl",
    "record_schema",
    "verify",
    "verify_file",
    "verify_folder",
    "write_jsonl",
]
