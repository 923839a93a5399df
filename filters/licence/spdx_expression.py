"""SPDX licence expressions (`Apache-2.0 OR BSD-2-Clause`, `(MIT AND Zlib)`, `GPL-2.0 WITH X`).

The policy decides per licence id, but packages declare expressions: `A OR B` lets the
user pick either (allowed when any side is), `A AND B` binds both (allowed when every
side is), and `A WITH exception` is A with an extra permission (judged as A). This is the
grammar of SPDX spec 2.3 annex D, small enough to evaluate here without a dependency;
`/` and `,` between ids, as older PKG-INFO and Cargo files write dual licences, read
as OR.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_OR_SEPARATORS = re.compile(r"\s*[/,]\s*")


class ExpressionError(ValueError):
    """Not a well-formed expression; the caller then treats the text as one id."""


def tokens(expression: str) -> list[str]:
    expression = expression.strip()
    if "://" not in expression:  # a URL given as licence stays one token
        expression = _OR_SEPARATORS.sub(" OR ", expression)
    return _TOKEN.findall(expression)


def _parse(toks: list[str], i: int) -> tuple[tuple, int]:
    """or_expr := and_expr (OR and_expr)*"""
    left, i = _parse_and(toks, i)
    parts = [left]
    while i < len(toks) and toks[i].upper() == "OR":
        right, i = _parse_and(toks, i + 1)
        parts.append(right)
    return (("OR", parts) if len(parts) > 1 else left), i


def _parse_and(toks: list[str], i: int) -> tuple[tuple, int]:
    left, i = _parse_atom(toks, i)
    parts = [left]
    while i < len(toks) and toks[i].upper() == "AND":
        right, i = _parse_atom(toks, i + 1)
        parts.append(right)
    return (("AND", parts) if len(parts) > 1 else left), i


def _parse_atom(toks: list[str], i: int) -> tuple[tuple, int]:
    if i >= len(toks):
        raise ExpressionError("expression ends early")
    tok = toks[i]
    if tok == "(":
        inner, i = _parse(toks, i + 1)
        if i >= len(toks) or toks[i] != ")":
            raise ExpressionError("missing )")
        return inner, i + 1
    if tok == ")" or tok.upper() in ("AND", "OR", "WITH"):
        raise ExpressionError(f"unexpected {tok!r}")
    i += 1
    if i < len(toks) and toks[i].upper() == "WITH":
        if i + 1 >= len(toks):
            raise ExpressionError("WITH without an exception")
        i += 2  # the exception only adds permissions: judge the licence itself
    return ("ID", tok), i


def parse(expression: str) -> tuple:
    """Expression tree: ("ID", id) | ("OR", [trees]) | ("AND", [trees])."""
    toks = tokens(expression)
    if not toks:
        raise ExpressionError("empty expression")
    tree, i = _parse(toks, 0)
    if i != len(toks):
        raise ExpressionError(f"unexpected {toks[i]!r}")
    return tree


def licence_ids(expression: str) -> list[str]:
    """Every licence id named in the expression (the text itself when it does not parse)."""
    try:
        tree = parse(expression)
    except ExpressionError:
        return [expression.strip()]
    out: list[str] = []

    def walk(node: tuple) -> None:
        if node[0] == "ID":
            out.append(node[1])
        else:
            for child in node[1]:
                walk(child)

    walk(tree)
    return out


def satisfied(expression: str, allowed: Callable[[str], bool]) -> bool:
    """True when the expression can be complied with using only ids `allowed` accepts."""
    try:
        tree = parse(expression)
    except ExpressionError:
        return allowed(expression.strip())

    def ok(node: tuple) -> bool:
        if node[0] == "ID":
            return allowed(node[1])
        if node[0] == "OR":
            return any(ok(child) for child in node[1])
        return all(ok(child) for child in node[1])

    return ok(tree)
