"""SPDX expression parsing and evaluation used by the licence policy."""

from __future__ import annotations

import pytest

from filters.licence.spdx_expression import (
    ExpressionError,
    licence_ids,
    parse,
    satisfied,
)

ALLOWED = {"MIT", "Apache-2.0", "BSD-2-Clause", "Zlib"}.__contains__


def test_or_binds_looser_than_and():
    assert parse("MIT OR Apache-2.0 AND GPL-3.0-only") == (
        "OR", [("ID", "MIT"), ("AND", [("ID", "Apache-2.0"), ("ID", "GPL-3.0-only")])])


@pytest.mark.parametrize("expression, ok", [
    ("MIT", True), ("GPL-3.0-only", False),
    ("Apache-2.0 OR BSD-2-Clause", True), ("GPL-2.0-only OR MIT", True), ("GPL-2.0-only OR LGPL-2.1-only", False),
    ("MIT AND Zlib", True), ("MIT AND GPL-3.0-only", False),
    ("(GPL-3.0-only OR MIT) AND (Zlib OR GPL-2.0-only)", True),
    ("Apache-2.0 WITH LLVM-exception", True), ("GPL-2.0-only WITH Classpath-exception-2.0", False),
    ("mit or gpl-3.0-only", False),  # operators in any case; ids are compared by the caller
    ("MIT/Apache-2.0", True), ("GPL-3.0-only, MIT", True),
])
def test_expression_is_satisfied_by_the_allowed_ids(expression, ok):
    assert satisfied(expression, ALLOWED) is ok


@pytest.mark.parametrize("broken", ["MIT OR", "(MIT", "AND MIT", "MIT WITH", "MIT )"])
def test_malformed_expression_raises_and_is_judged_as_one_id(broken):
    with pytest.raises(ExpressionError):
        parse(broken)
    assert satisfied(broken, lambda i: i == broken.strip())
    assert licence_ids(broken) == [broken.strip()]


def test_url_licence_is_one_token():
    url = "https://creativecommons.org/licenses/by/4.0/"
    assert licence_ids(url) == [url]


def test_licence_ids_lists_every_id():
    assert licence_ids("(MIT OR Apache-2.0) AND Zlib WITH X") == ["MIT", "Apache-2.0", "Zlib"]
