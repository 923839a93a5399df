"""SPDX licence expressions, read by license-expression (aboutcode): the one module every
licence check goes through.

Packages and pages declare expressions, while policies decide per licence id: `A OR B`
lets the user pick either (allowed when any side is), `A AND B` binds both (allowed when
every side is), and `A WITH exception` is A with an extra permission (judged as A; SPDX
2.3 annex D). `first_failing` is that rule, once.

Two readings of the same text, for two kinds of input:

- `normalize` parses against the SPDX licence list, which knows every id and its
  deprecated spellings (`GPL-2.0+` -> `GPL-2.0-or-later`, `GPL-2.0` -> `GPL-2.0-only`), so
  a licence detected in code has one spelling in the shards whichever metadata file it
  came from; `canonical_id` does the same for one id and keeps ids the list does not know
  as written (`public-domain`, a creativecommons.org URL).
- `first_not_allowed` / `satisfied` judge whatever a document carries, from any source,
  and read loosely: `/` and `,` between ids are OR (web pages write `MIT/Apache-2.0`,
  older PKG-INFO and Cargo files `MIT, Apache-2.0`); any run of non-space,
  non-parenthesis characters is one id, even one license-expression refuses as a key (a
  URL); text that is not an expression (`MIT OR`, `MIT License`) is judged as one id.
  Ids reach the caller as written; the licence policy spells them with `canonical_id`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from license_expression import (
    AND,
    OR,
    LicenseExpression,
    LicenseWithExceptionSymbol,
    Licensing,
    get_spdx_licensing,
    is_valid_license_key,
)

_TOKEN = re.compile(r"[^\s()]+")
_LEXEME = re.compile(r"\(|\)|[^\s()]+")
_OR_SEPARATORS = re.compile(r"\s*[/,]\s*")
_OPERATORS = {"and", "or", "with"}


@lru_cache(maxsize=1)
def spdx_licensing() -> Licensing:
    """Knows every SPDX id and its deprecated spellings; built once (~20 ms)."""
    return get_spdx_licensing()


@lru_cache(maxsize=1)
def _licensing_as_written() -> Licensing:
    # no known symbols: every id is kept with the spelling and case it was written in
    return Licensing()


UNKNOWN = "unknown"


@lru_cache(maxsize=4096)
def normalize(expression: str | None, allow_unknown_keys: bool = False) -> str | None:
    """The canonical SPDX rendering of `expression`, or None when it is not a valid SPDX
    expression (free text such as `MIT License`, or an unknown id unless allowed).

    `LicenseRef-*` ids are SPDX's way to name a licence outside the list and always pass.
    """
    if not expression or not expression.strip():
        return None
    licensing = spdx_licensing()
    try:
        parsed = licensing.parse(expression.strip(), validate=False, simple=False)
    except Exception:  # noqa: BLE001 - license-expression raises several unrelated types on bad input
        return None
    if parsed is None:
        return None
    unknown = [k for k in licensing.unknown_license_keys(parsed) if not k.startswith("LicenseRef-")]
    if unknown and not allow_unknown_keys:
        return None
    return parsed.render()


@lru_cache(maxsize=4096)
def canonical_id(licence_id: str) -> str:
    """One id in the SPDX list's spelling (`gpl-2.0+` -> `GPL-2.0-or-later`, `mit` -> `MIT`);
    an id the list does not know, or text that is not one id, comes back as written."""
    text = licence_id.strip()
    if not is_valid_license_key(text):
        return text
    try:
        parsed = spdx_licensing().parse(text, validate=False, simple=False)
    except Exception:  # noqa: BLE001 - license-expression raises several unrelated types on bad input
        return text
    if parsed is None or isinstance(parsed, (AND, OR)) or isinstance(parsed, LicenseWithExceptionSymbol):
        return text
    return parsed.render()


def licence_ids(expression: str) -> list[str]:
    """The licence ids an expression names, exceptions left out (`A OR B WITH X` -> [A, B])."""
    licensing = spdx_licensing()
    parsed = licensing.parse(expression, validate=False)
    if parsed is None:
        return []
    symbols = licensing.license_symbols(parsed, unique=True, decompose=True)
    return [s.key for s in symbols if not getattr(s, "is_exception", False)]


def or_later_variant(licence_id: str) -> str | None:
    """`GPL-2.0-only` -> `GPL-2.0-or-later`: the same licence text covers both, so a text
    match alone cannot tell them apart and package metadata may refine it."""
    return licence_id[: -len("-only")] + "-or-later" if licence_id.endswith("-only") else None


def first_failing(expression: LicenseExpression | None, allowed: Callable[[str], bool]) -> str | None:
    """None when `expression` can be complied with using only ids `allowed` accepts, else
    the first id that makes it fail (for an OR, the first side's)."""
    if isinstance(expression, OR):
        fails = [first_failing(arg, allowed) for arg in expression.args]
        return None if any(f is None for f in fails) else fails[0]
    if isinstance(expression, AND):
        for arg in expression.args:
            failed = first_failing(arg, allowed)
            if failed is not None:
                return failed
        return None
    symbol = expression.license_symbol if isinstance(expression, LicenseWithExceptionSymbol) else expression
    key = getattr(symbol, "key", str(symbol))
    return None if allowed(key) else key


def _alternates(lexemes: list[str]) -> bool:
    """Ids and operators alternate, starting and ending with an id (parentheses aside).

    license-expression lets some text that breaks this through, guessing an operator
    (`(A) B OR` reads as `A OR B`, `A OR B OR` as `A OR B`) or dropping an id
    (`((A AND B) C)` reads as `A AND B`); a guessed OR or a lost id could let a document
    through, so such text is judged as one id instead.
    """
    want_id = True
    for lexeme in lexemes:
        if lexeme == "(":
            if not want_id:
                return False
        elif lexeme == ")":
            if want_id:
                return False
        elif lexeme.lower() in _OPERATORS:
            if want_id:
                return False
            want_id = True
        else:
            if not want_id:
                return False
            want_id = False
    return not want_id


@lru_cache(maxsize=4096)
def _parse_as_written(expression: str) -> tuple[LicenseExpression, dict[str, str]] | None:
    """The parsed expression and the stand-in names it uses for ids license-expression
    would refuse as keys (mapped back to the ids); None when the text is not an expression.

    Cached because a corpus repeats a few licence strings over millions of documents.
    """
    text = expression.strip()
    if "://" not in text:  # a URL's own slashes are not OR
        text = _OR_SEPARATORS.sub(" OR ", text)
    stand_ins: dict[str, str] = {}

    def stand_in(match: re.Match) -> str:
        token = match.group(0)
        if token.lower() in _OPERATORS or is_valid_license_key(token):
            return token
        name = f"LicenseRef-jacorpus-stand-in-{len(stand_ins)}"
        stand_ins[name] = token
        return name

    text = _TOKEN.sub(stand_in, text)
    lexemes = _LEXEME.findall(text)
    if not _alternates(lexemes):
        return None
    licensing = _licensing_as_written()
    try:
        parsed = licensing.parse(text, validate=False, simple=True)
    except Exception:  # noqa: BLE001 - license-expression raises several unrelated types on bad input
        return None
    if parsed is None:
        return None
    # and it read every id and exception that was written, in order, as written
    written = [t for t in lexemes if t not in ("(", ")") and t.lower() not in _OPERATORS]
    read = [symbol.key for symbol in licensing.license_symbols(parsed, unique=False, decompose=True)]
    return (parsed, stand_ins) if read == written else None


def first_not_allowed(expression: str, allowed: Callable[[str], bool]) -> str | None:
    """None when the expression can be complied with using only ids `allowed` accepts, else
    the id that makes it fail (for an OR, its first side's), as written; `allowed` sees each
    id as written, and the whole text when it is not an expression."""
    parsed = _parse_as_written(expression)
    if parsed is None:
        whole = expression.strip()
        return None if allowed(whole) else whole
    tree, stand_ins = parsed
    failing = first_failing(tree, lambda key: allowed(stand_ins.get(key, key)))
    return None if failing is None else stand_ins.get(failing, failing)


def satisfied(expression: str, allowed: Callable[[str], bool]) -> bool:
    """True when the expression can be complied with using only ids `allowed` accepts."""
    return first_not_allowed(expression, allowed) is None
