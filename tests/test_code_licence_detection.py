"""Licence per repository: texts matched to SPDX ids, metadata declarations, how they combine."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from filters.code.licence_detection import (
    detect_licence, is_evidence_file, is_licence_file, match_licence_text, spdx_header,
)
from filters.code.licence_metadata import read_cargo_toml, read_metadata, read_package_json, read_pkg_info

EXPECTED = {
    "jaconv-0.5.0": "MIT",
    "six-1.17.0": "MIT",
    "idna-3.20": "BSD-3-Clause",
    "packaging-26.3": "Apache-2.0 OR BSD-2-Clause",
    "Unidecode-1.4.0": "GPL-2.0-or-later",
}


def evidence_of(archive: Path) -> dict[str, str]:
    out = {}
    with tarfile.open(archive) as tf:
        for member in tf:
            rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
            if member.isfile() and is_evidence_file(rel):
                out[rel] = tf.extractfile(member).read().decode("utf-8", "replace")
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_sdists_get_their_spdx_licence(shared_data: Path, name):
    result = detect_licence(evidence_of(shared_data / "code" / f"{name}.tar.gz"))
    assert result.licence == EXPECTED[name]
    assert result.confidence >= 0.95
    assert "text:licenseclassifier" in result.evidence


def test_licence_texts_alone_are_matched_without_metadata(shared_data: Path):
    """The matcher, not the metadata, must know the texts: drop PKG-INFO and friends."""
    got = {}
    for name in EXPECTED:
        texts = {k: v for k, v in evidence_of(shared_data / "code" / f"{name}.tar.gz").items()
                 if k.upper().startswith(("LICEN", "COPYING"))}
        got[name] = detect_licence(texts).licence
    assert got["jaconv-0.5.0"] == got["six-1.17.0"] == "MIT"
    assert got["idna-3.20"] == "BSD-3-Clause"
    # packaging's LICENSE says "either of the licenses found in LICENSE.APACHE or LICENSE.BSD"
    assert got["packaging-26.3"] == "Apache-2.0 OR BSD-2-Clause"
    # a GPL-2.0 text cannot say "or later"; without the classifier it is GPL-2.0-only
    assert got["Unidecode-1.4.0"] == "GPL-2.0-only"


def test_declared_expression_wins_over_texts_and_lowers_confidence_on_conflict(shared_data: Path):
    mit = evidence_of(shared_data / "code" / "six-1.17.0.tar.gz")["LICENSE"]
    result = detect_licence({"LICENSE": mit, "package.json": '{"license": "Apache-2.0"}'})
    assert result.licence == "Apache-2.0"
    assert result.confidence == 0.6
    assert result.evidence.startswith("package.json#license")


def test_separate_licence_texts_without_a_choice_all_apply(shared_data: Path):
    texts = evidence_of(shared_data / "code" / "packaging-26.3.tar.gz")
    both = {"LICENSE-APACHE": texts["LICENSE.APACHE"], "LICENSE-BSD": texts["LICENSE.BSD"]}
    assert detect_licence(both).licence == "Apache-2.0 AND BSD-2-Clause"


def test_no_evidence_is_unknown_and_manifest_licence_is_the_fallback():
    assert detect_licence({}).licence == "unknown"
    assert detect_licence({}).confidence == 0.0
    fallback = detect_licence({"README.md": "hello"}, fallback="MIT")
    assert (fallback.licence, fallback.evidence) == ("MIT", "source manifest#licence")


def test_a_readme_mentioning_mit_is_not_a_licence_text():
    assert match_licence_text("This project is released under the MIT license. See the docs.").ids == ()


def test_reuse_licences_folder_names_the_ids():
    result = detect_licence({"LICENSES/MIT.txt": "whatever", "LICENSES/CC0-1.0.txt": "x"})
    assert result.licence == "CC0-1.0 AND MIT"


def test_classifier_alone_is_a_low_confidence_hint():
    pkg = "Metadata-Version: 2.1\nName: x\nClassifier: License :: OSI Approved :: ISC License (ISCL)\n"
    result = detect_licence({"PKG-INFO": pkg})
    assert (result.licence, result.confidence) == ("ISC", 0.5)


def test_metadata_readers_tell_declarations_from_hints():
    pkg = read_pkg_info("Metadata-Version: 2.4\nName: x\nLicense-Expression: MIT OR Apache-2.0\nLicense: MIT License\n")
    assert [(f.expression, f.declared) for f in pkg] == [("MIT OR Apache-2.0", True), ("MIT", False)]
    legacy = read_package_json('{"licenses": [{"type": "MIT"}, {"type": "Apache-2.0"}]}')
    assert legacy[0].expression == "MIT OR Apache-2.0"
    assert read_cargo_toml('[package]\nlicense = "MIT/Apache-2.0"\n')[0].expression == "MIT OR Apache-2.0"
    pyproject = read_metadata("pyproject.toml", '[project]\nlicense = {text = "BSD-3-Clause"}\n')
    assert [(f.expression, f.declared) for f in pyproject] == [("BSD-3-Clause", False)]


def test_broken_metadata_says_nothing_instead_of_crashing():
    assert read_metadata("package.json", "{not json") == []
    assert read_metadata("pyproject.toml", "[project\nlicense=") == []
    assert read_metadata("setup.cfg", "[metadata\nlicense = MIT") == []


def test_licence_file_names():
    for name in ("LICENSE", "LICENCE.md", "COPYING.LESSER", "LICENSE-MIT", "MIT-LICENSE.txt", "NOTICE", "UNLICENSE"):
        assert is_licence_file(name), name
    for name in ("licenses.py", "license_check.sh", "README.md", "setup.py"):
        assert not is_licence_file(name), name


def test_spdx_header_in_a_source_file():
    assert spdx_header("# SPDX-License-Identifier: GPL-2.0+\nimport os\n") == "GPL-2.0-or-later"
    assert spdx_header("/* SPDX-License-Identifier: MIT OR Apache-2.0 */\nint x;") == "MIT OR Apache-2.0"
    assert spdx_header("print('no header')\n") is None
