"""Who may import whom: the product never imports benchmarks or tests, benchmarks never import
tests (tests may import the evaluation sets and harness of benchmarks/)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("corpus", "pipelines", "filters", "tokenizer", "training", "data_manifests")
TEST_MODULES = {p.stem for p in (ROOT / "tests").glob("*.py")}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_product_imports_neither_benchmarks_nor_tests():
    bad = {str(p.relative_to(ROOT)): sorted(n for n in imported(p) if n.split(".")[0] in ("benchmarks", "tests"))
           for package in PRODUCT for p in (ROOT / package).rglob("*.py")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_benchmarks_import_nothing_from_tests():
    bad = {}
    for p in (ROOT / "benchmarks").rglob("*.py"):
        names = imported(p)
        wrong = sorted(n for n in names if n.split(".")[0] == "tests" or n.split(".")[0] in TEST_MODULES)
        if wrong or '"tests"' in p.read_text(encoding="utf-8").replace("'tests'", '"tests"'):
            bad[str(p.relative_to(ROOT))] = wrong or ["tests/ on a path"]
    assert bad == {}
