"""Seeds, the draw spec's sampler, allocation, designs and `draw_targets`."""

from ._allocation import Adjustment, Allocation, StratumAllocation
from ._designs import ClassWeighted, Design, Frame, StratifiedByRisk, design_from_dict
from ._draw import Sample, draw_targets
from ._rates import PRESETS, ClassTable, parse_rate
from ._record import SPEC_VERSION, SPEC_VERSIONS, AuditRecord, RecordFormatError, StratumDraw
from ._rivest import HASHES, rivest_integer, rivest_sample
from ._seed import Seed, stratum_seed_string

__all__ = [
    "HASHES",
    "PRESETS",
    "SPEC_VERSION",
    "SPEC_VERSIONS",
    "Adjustment",
    "Allocation",
    "AuditRecord",
    "ClassTable",
    "ClassWeighted",
    "Design",
    "Frame",
    "RecordFormatError",
    "Sample",
    "Seed",
    "StratifiedByRisk",
    "StratumAllocation",
    "StratumDraw",
    "design_from_dict",
    "draw_targets",
    "parse_rate",
    "rivest_integer",
    "rivest_sample",
    "stratum_seed_string",
]
