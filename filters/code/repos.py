"""Local source trees and git checkouts: which files make up which repository.

The CLI hands an ingest stage a flat file list (a directory input is already expanded
into its files). A licence belongs to a repository, so the files are grouped again: a
file's repository root is the nearest folder above it that holds a LICENSE/COPYING file,
package metadata or a `.git` folder, never climbing above the folder the inputs share.
Files with no such folder above them form one repository per top-level folder.

Archives and parquet files given as inputs are units of their own, unless they sit
inside a repository (a test fixture `tests/data/x.tar.gz` is a file of its repo, not
another repo to ingest).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from filters.code.archives import is_archive
from filters.code.licence_detection import is_licence_file

ROOT_MARKERS = frozenset({
    ".git", "PKG-INFO", "pyproject.toml", "setup.py", "setup.cfg", "package.json", "Cargo.toml",
    "go.mod", "pom.xml", "build.gradle", "build.gradle.kts", "composer.json", "Gemfile", "CMakeLists.txt",
})


def is_vcs_internal(relpath: str) -> bool:
    """Files inside `.git/` (objects, refs, hooks) are the repository's history, not its code."""
    return ".git" in relpath.split("/")[:-1] or relpath == ".git"


def _has_marker(directory: str, cache: dict[str, bool]) -> bool:
    """Does `directory` hold a root marker? (a licence *file*; `licensed/` is just a folder)"""
    if directory not in cache:
        try:
            with os.scandir(directory) as entries:
                cache[directory] = any(
                    e.name in ROOT_MARKERS or (is_licence_file(e.name) and e.is_file(follow_symlinks=False))
                    for e in entries
                )
        except OSError:
            cache[directory] = False
    return cache[directory]


@dataclass
class RepoDir:
    root: str
    dataset: str
    files: list[str] = field(default_factory=list)
    vcs_internal: int = 0  # files under .git/, not read as documents

    @property
    def name(self) -> str:
        return os.path.basename(self.root.rstrip(os.sep)) or "repo"


@dataclass
class Plan:
    """The reading units of one input list: repository folders, archives, parquet files."""

    repos: dict[str, RepoDir] = field(default_factory=dict)
    archives: dict[str, str] = field(default_factory=dict)  # path -> dataset
    parquets: dict[str, str] = field(default_factory=dict)  # path -> dataset


def _floor(files: list[str]) -> str:
    dirs = [os.path.dirname(f) for f in files]
    return os.path.commonpath(dirs) if dirs else os.sep


def _root_of(path: str, floor: str, cache: dict[str, bool]) -> tuple[str, bool]:
    """(repository root, found by a marker) for one file."""
    directory = os.path.dirname(path)
    while True:
        if _has_marker(directory, cache):
            return directory, True
        if directory == floor or len(directory) <= len(floor) or directory == os.path.dirname(directory):
            break
        directory = os.path.dirname(directory)
    rel = os.path.relpath(os.path.dirname(path), floor)
    top = rel.split(os.sep, 1)[0]
    return (floor if top in (".", "") else os.path.join(floor, top)), False


def plan_units(groups: list[tuple[str, list[str]]]) -> Plan:
    """Group each dataset's input files (`[(dataset, files)]`) into reading units."""
    plan = Plan()
    cache: dict[str, bool] = {}
    for dataset, files in groups:
        files = [os.path.abspath(f) for f in files]
        floor = _floor(files)
        for path in files:
            rel = os.path.relpath(path, floor).replace(os.sep, "/")
            if is_vcs_internal(rel):
                # history, not code: counted on the repository that owns the .git folder
                parts = rel.split("/")
                git_root = os.path.join(floor, *parts[: parts.index(".git")])
                plan.repos.setdefault(git_root, RepoDir(git_root, dataset)).vcs_internal += 1
                continue
            root, by_marker = _root_of(path, floor, cache)
            if is_archive(path) and not by_marker:
                plan.archives.setdefault(path, dataset)
            elif path.lower().endswith(".parquet") and not by_marker:
                plan.parquets.setdefault(path, dataset)
            else:
                plan.repos.setdefault(root, RepoDir(root, dataset)).files.append(path)
    return plan

