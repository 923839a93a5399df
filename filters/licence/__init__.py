"""Licence policy over documents that carry their licence (docs/pii.md#licence-policy-licence)."""

from filters.licence.policy import LicenceOptions, LicencePolicyFilter

__all__ = ["LicenceOptions", "LicencePolicyFilter"]
