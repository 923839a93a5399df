"""SPDX expressions, as code ingest canonicalises them and the licence policy reads them
(license-expression underneath)."""

from __future__ import annotations

import pytest

from filters.licence.spdx import canonical_id, first_not_allowed, licence_ids, normalize, or_later_variant, satisfied

ALLOWED = {"MIT", "Apache-2.0", "BSD-2-Clause", "Zlib"}.__contains__
URL = "https://creativecommons.org/licenses/by/4.0/"


def ids_asked(expression: str) -> list[str]:
    """The ids the policy is asked about, in order (every one, as all are allowed here)."""
    asked: list[str] = []
    assert satisfied(expression, lambda licence_id: asked.append(licence_id) is None)
    return asked


def test_or_binds_looser_than_and():
    # MIT OR (Apache-2.0 AND GPL-3.0-only): MIT alone suffices; read the other way it would not
    assert satisfied("MIT OR Apache-2.0 AND GPL-3.0-only", {"MIT"}.__contains__)
    assert not satisfied("MIT OR Apache-2.0 AND GPL-3.0-only", {"Apache-2.0"}.__contains__)
    assert satisfied("MIT OR Apache-2.0 AND GPL-3.0-only", {"Apache-2.0", "GPL-3.0-only"}.__contains__)


@pytest.mark.parametrize("expression, ok", [
    ("MIT", True), ("GPL-3.0-only", False),
    ("Apache-2.0 OR BSD-2-Clause", True), ("GPL-2.0-only OR MIT", True), ("GPL-2.0-only OR LGPL-2.1-only", False),
    ("MIT AND Zlib", True), ("MIT AND GPL-3.0-only", False),
    ("(GPL-3.0-only OR MIT) AND (Zlib OR GPL-2.0-only)", True),
    ("Apache-2.0 WITH LLVM-exception", True), ("GPL-2.0-only WITH Classpath-exception-2.0", False),
    ("mit or gpl-3.0-only", False),  # operators in any case; ids are compared by the caller
    ("MIT/Apache-2.0", True), ("GPL-3.0-only, MIT", True),
    ("MIT AND(Zlib)", True), ("(GPL-3.0-only)AND MIT", False),
])
def test_expression_is_satisfied_by_the_allowed_ids(expression, ok):
    assert satisfied(expression, ALLOWED) is ok


@pytest.mark.parametrize("broken", [
    "MIT OR", "(MIT", "AND MIT", "MIT WITH", "MIT )", "MIT License", "()",
    # license-expression alone would accept these, guessing an operator or dropping an id
    "(GPL-3.0-only) MIT OR", "((MIT AND Zlib) GPL-3.0-only)", "MIT OR Zlib OR", "MIT/Zlib/",
])
def test_malformed_expression_is_judged_as_one_id(broken):
    assert ids_asked(broken) == [broken.strip()]
    assert satisfied(broken, lambda licence_id: licence_id == broken.strip())
    assert not satisfied(broken, ALLOWED)


def test_url_licence_is_one_id_alone_and_in_an_expression():
    assert ids_asked(URL) == [URL]
    assert ids_asked(f"({URL} OR MIT) AND Zlib") == [URL, "MIT", "Zlib"]
    assert satisfied(f"GPL-3.0-only OR {URL}", {URL}.__contains__)
    assert not satisfied(f"{URL} AND GPL-3.0-only", {URL}.__contains__)


def test_ids_reach_the_policy_as_written():
    # not canonicalised (GPL-2.0+ stays GPL-2.0+): the policy's patterns are written against these spellings
    assert ids_asked("gpl-2.0+ or MIT") == ["gpl-2.0+", "MIT"]
    assert ids_asked("CC-BY-NC-SA-2.1-JP/CC-BY-4.0") == ["CC-BY-NC-SA-2.1-JP", "CC-BY-4.0"]
    assert ids_asked("public-domain OR 著作権フリー") == ["public-domain", "著作権フリー"]
    # characters license-expression refuses in a key do not stop the rest being read
    assert ids_asked("a&b OR MIT;Zlib AND Zlib") == ["a&b", "MIT;Zlib", "Zlib"]


def test_licence_ids_lists_every_id_and_no_exception():
    assert ids_asked("(MIT OR Apache-2.0) AND Zlib WITH X") == ["MIT", "Apache-2.0", "Zlib"]
    assert not satisfied("Zlib WITH X", {"X"}.__contains__)


def test_first_not_allowed_names_the_id_that_fails_as_written():
    assert first_not_allowed("MIT AND gpl-3.0-only", ALLOWED) == "gpl-3.0-only"
    assert first_not_allowed("GPL-3.0-only OR LGPL-2.1-only", ALLOWED) == "GPL-3.0-only"  # an OR: its first side
    assert first_not_allowed("(GPL-3.0-only OR MIT) AND Zlib", ALLOWED) is None
    assert first_not_allowed("MIT OR", ALLOWED) == "MIT OR"  # not an expression: the whole text


def test_normalize_gives_the_spdx_lists_spelling_or_none():
    assert normalize("GPL-2.0") == "GPL-2.0-only"
    assert normalize("gpl-2.0+ or mit") == "GPL-2.0-or-later OR MIT"
    assert normalize("MIT License") is None
    assert normalize("LicenseRef-acme") == "LicenseRef-acme"
    assert normalize("Acme-Licence") is None
    assert normalize("Acme-Licence", allow_unknown_keys=True) == "Acme-Licence"


def test_canonical_id_spells_known_ids_as_the_list_and_keeps_the_rest():
    assert canonical_id("gpl-2.0+") == "GPL-2.0-or-later"
    assert canonical_id("cc-by-sa-4.0") == "CC-BY-SA-4.0"
    assert canonical_id("public-domain") == "public-domain"
    assert canonical_id(URL) == URL
    assert canonical_id("著作権フリー") == "著作権フリー"


def test_licence_ids_and_the_or_later_variant():
    assert licence_ids("(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0") == [
        "MIT", "Apache-2.0", "GPL-2.0-only"]
    assert or_later_variant("GPL-2.0-only") == "GPL-2.0-or-later"
    assert or_later_variant("MIT") is None
