"""Licence declarations in package metadata: PKG-INFO, pyproject.toml, setup.cfg,
package.json, Cargo.toml.

Metadata says what the authors declared; the LICENSE text says what they shipped. The
detector (`licence_detection.py`) weighs both. Here we only read the declarations:
a valid SPDX expression is a `declared` finding; free text (`License: MIT License`) or a
Trove classifier is a `hint`, used to refine a text match (a GPL-2.0 text cannot say
"or later"; the classifier `GPLv2+` can) or, with low confidence, when there is no text.
"""

from __future__ import annotations

import configparser
import json
import re
from dataclasses import dataclass
from email.parser import Parser

from filters.licence.spdx import normalize

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pyproject.toml and Cargo.toml are then not read
    tomllib = None


@dataclass(frozen=True)
class Finding:
    """One licence statement found in one file."""

    expression: str  # canonical SPDX expression
    file: str  # path relative to the repository root
    method: str  # which field said it, e.g. `License-Expression`, `classifier`
    declared: bool  # a valid SPDX expression the authors wrote (vs a hint we mapped)


METADATA_FILES = ("PKG-INFO", "pyproject.toml", "setup.cfg", "package.json", "Cargo.toml")

# PyPI Trove licence classifiers (pypi/trove-classifiers) -> SPDX. Classifiers that do not
# name one licence ("BSD License", "Other/Proprietary License") are left out on purpose.
# Unversioned GPL/LGPL follow SPDX's reading of "no version given": version 1.0 or later.
CLASSIFIERS: dict[str, str] = {
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC",
    "The Unlicense (Unlicense)": "Unlicense",
    "zlib/libpng License": "Zlib",
    "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "Python Software Foundation License": "PSF-2.0",
    "Universal Permissive License (UPL)": "UPL-1.0",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "GNU General Public License (GPL)": "GPL-1.0-or-later",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Library or Lesser General Public License (LGPL)": "LGPL-2.0-or-later",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
}

_LICENCE_WORD = re.compile(r"(?i)[\s,-]*\b(?:the\s+)?(?:licen[cs]e|software licen[cs]e)\b[\s,.]*$")


def from_free_text(text: str | None) -> str | None:
    """`MIT`, `MIT License`, `Apache-2.0 OR MIT` -> SPDX; `BSD`, `GPL`, `see LICENSE` -> None."""
    if not text or len(text) > 200 or "\n" in text.strip():
        return None  # a whole licence text pasted into the field: leave it to the text matcher
    text = text.strip()
    found = normalize(text)
    if found:
        return found
    stripped = _LICENCE_WORD.sub("", text)
    return normalize(stripped) if stripped and stripped != text else None


def from_classifiers(classifiers: list[str], file: str) -> list[Finding]:
    out = []
    for classifier in classifiers:
        parts = [p.strip() for p in classifier.split("::")]
        if parts and parts[0] == "License" and parts[-1] in CLASSIFIERS:
            out.append(Finding(CLASSIFIERS[parts[-1]], file, "classifier", declared=False))
    return out


def _text_finding(value: str | None, file: str, method: str, spdx_field: bool) -> list[Finding]:
    """A field that holds an SPDX expression by specification (`spdx_field`: PEP 639,
    npm, Cargo), which makes a valid value a declaration, or free text (core metadata
    `License`, setup.cfg), which is only ever a hint even when it happens to parse."""
    if not value:
        return []
    exact = normalize(value.strip()) if spdx_field and len(value) <= 200 else None
    if exact:
        return [Finding(exact, file, method, declared=True)]
    mapped = from_free_text(value)
    return [Finding(mapped, file, method, declared=False)] if mapped else []


def read_pkg_info(text: str, file: str = "PKG-INFO") -> list[Finding]:
    """Core metadata (PEP 639: `License-Expression`; older: `License`, classifiers)."""
    msg = Parser().parsestr(text, headersonly=True)
    out = []
    expression = msg.get("License-Expression")
    if expression and (found := normalize(expression.strip())):
        out.append(Finding(found, file, "License-Expression", declared=True))
    out += _text_finding(msg.get("License"), file, "License", spdx_field=False)
    out += from_classifiers(msg.get_all("Classifier") or [], file)
    return out


def read_pyproject(text: str, file: str = "pyproject.toml") -> list[Finding]:
    """[project] license: a string is PEP 639 SPDX; a table `{text = ...}` is free text."""
    if tomllib is None:
        return []
    project = tomllib.loads(text).get("project") or {}
    licence = project.get("license")
    out = []
    if isinstance(licence, str):
        out += _text_finding(licence, file, "project.license", spdx_field=True)
    elif isinstance(licence, dict) and isinstance(licence.get("text"), str):
        out += _text_finding(licence["text"], file, "project.license.text", spdx_field=False)
    classifiers = project.get("classifiers")
    if isinstance(classifiers, list):
        out += from_classifiers([c for c in classifiers if isinstance(c, str)], file)
    return out


def read_setup_cfg(text: str, file: str = "setup.cfg") -> list[Finding]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    if not parser.has_section("metadata"):
        return []
    meta = parser["metadata"]
    out = _text_finding(meta.get("license"), file, "metadata.license", spdx_field=False)
    classifiers = [line.strip() for line in (meta.get("classifiers") or "").splitlines() if line.strip()]
    return out + from_classifiers(classifiers, file)


def read_package_json(text: str, file: str = "package.json") -> list[Finding]:
    """npm: `license` is SPDX; the deprecated `licenses: [{type}]` list means any of them."""
    data = json.loads(text)
    if not isinstance(data, dict):
        return []
    licence = data.get("license")
    if isinstance(licence, dict):
        licence = licence.get("type")
    if isinstance(licence, str):
        return _text_finding(licence, file, "license", spdx_field=True)
    legacy = data.get("licenses")
    if isinstance(legacy, list):
        types = [x.get("type") if isinstance(x, dict) else x for x in legacy]
        types = [t for t in types if isinstance(t, str)]
        if types:
            return _text_finding(" OR ".join(types), file, "licenses", spdx_field=True)
    return []


def read_cargo_toml(text: str, file: str = "Cargo.toml") -> list[Finding]:
    """Cargo: `license` is SPDX; old crates write `MIT/Apache-2.0`, which Cargo reads as OR."""
    if tomllib is None:
        return []
    package = tomllib.loads(text).get("package") or {}
    licence = package.get("license")
    if not isinstance(licence, str):
        return []
    return _text_finding(licence.replace("/", " OR "), file, "package.license", spdx_field=True)


READERS = {
    "PKG-INFO": read_pkg_info,
    "pyproject.toml": read_pyproject,
    "setup.cfg": read_setup_cfg,
    "package.json": read_package_json,
    "Cargo.toml": read_cargo_toml,
}


def read_metadata(name: str, text: str) -> list[Finding]:
    """Findings of one metadata file; a file we cannot parse says nothing (no crash)."""
    reader = READERS.get(name.rsplit("/", 1)[-1])
    if reader is None:
        return []
    try:
        return reader(text, name)
    except (ValueError, KeyError, TypeError, configparser.Error):  # TOMLDecodeError is a ValueError
        return []
