"""SPDX licence expressions: parse, normalise, list their ids, decide against an allow list.

All of it is license-expression (aboutcode), which knows every SPDX id and the deprecated
spellings (`GPL-2.0+` -> `GPL-2.0-or-later`, `GPL-2.0` -> `GPL-2.0-only`), so one licence
has one spelling in our shards whichever metadata file it came from. The OR/AND/WITH rule
is shared with the filter stage's licence policy (filters/licence/spdx_expression.py).
"""

from __future__ import annotations

from functools import lru_cache

from filters.licence.spdx_expression import first_failing, spdx_licensing

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


def first_disallowed(expression: str, allow: set[str] | None) -> str | None:
    """None when `expression` is allowed under `allow` (None = any licence), else the first
    licence id that makes it fail.

    `A OR B` passes when either side passes (the user may pick), `A AND B` needs both,
    `A WITH exception` is judged by A (an exception only adds permissions).
    """
    if allow is None:
        return None
    parsed = spdx_licensing().parse(expression, validate=False)
    return first_failing(parsed, lambda key: key.lower() in allow)


def normalize_allow_list(allow: list[str] | None) -> set[str] | None:
    """Lower-cased canonical ids, so `GPL-2.0+` in a manifest means `GPL-2.0-or-later`."""
    if allow is None:
        return None
    out = set()
    for item in allow:
        canonical = normalize(item, allow_unknown_keys=True) or item
        out.add(canonical.lower())
    return out
