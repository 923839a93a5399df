"""Licence policy: allow lists, dual licences, exceptions, unknown licences."""

from __future__ import annotations

import pytest
from datatrove.data import Document

from filters.code.licence_policy import LicencePolicyFilter, Policy
from filters.code.spdx import first_disallowed, normalize, normalize_allow_list


@pytest.mark.parametrize("licence,reason", [
    ("MIT", None),
    ("Apache-2.0 OR BSD-2-Clause", None),
    ("GPL-3.0-only OR MIT", None),
    ("MIT AND GPL-3.0-only", "licence:GPL-3.0-only"),
    ("GPL-2.0-or-later", "licence:GPL-2.0-or-later"),
    ("GPL-2.0+", "licence:GPL-2.0-or-later"),
    ("Apache-2.0 WITH LLVM-exception", None),
    ("GPL-2.0-only WITH Classpath-exception-2.0", "licence:GPL-2.0-only"),
    ("LicenseRef-proprietary", "licence:LicenseRef-proprietary"),
    ("unknown", "licence:unknown"),
    (None, "licence:unknown"),
])
def test_default_policy_keeps_permissive_licences_only(licence, reason):
    assert Policy().decide(licence) == reason


def test_unknown_can_be_kept_and_null_allow_keeps_any_known_licence():
    assert Policy(unknown="keep").decide("unknown") is None
    assert Policy(allow=None).decide("GPL-3.0-only") is None
    assert Policy(allow=None).decide("unknown") == "licence:unknown"


def test_allow_list_spellings_are_normalised():
    assert Policy(allow=("gpl-2.0+",)).decide("GPL-2.0-or-later") is None
    assert normalize_allow_list(["GPL-2.0+", "mit"]) == {"gpl-2.0-or-later", "mit"}


def test_bad_unknown_setting_is_refused():
    with pytest.raises(ValueError):
        Policy(unknown="maybe")


def test_filter_uses_the_policy_of_the_documents_dataset():
    step = LicencePolicyFilter(Policy(), {"lenient": Policy(allow=None, unknown="keep")})
    strict_doc = Document(text="x", id="a", metadata={"dataset": "strict", "licence": "GPL-3.0-only"})
    lenient_doc = Document(text="x", id="b", metadata={"dataset": "lenient", "licence": "GPL-3.0-only"})
    assert step.filter(strict_doc) == (False, "licence:GPL-3.0-only")
    assert step.filter(lenient_doc) is True


def test_spdx_helpers():
    assert normalize("MIT License") is None
    assert normalize("GPL-2.0") == "GPL-2.0-only"
    assert first_disallowed("(MIT AND GPL-3.0-only) OR ISC", {"mit", "isc"}) is None
