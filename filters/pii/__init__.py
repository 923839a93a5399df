"""Japanese PII on presidio: recognizers, the detector, and the masking steps (docs/pii.md)."""

from filters.pii.masking import PIIDensityFilter, PIIMasker
from filters.pii.options import PIIOptions

__all__ = ["PIIDensityFilter", "PIIMasker", "PIIOptions"]
