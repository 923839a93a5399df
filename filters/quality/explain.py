"""Why a document was kept or excluded: every quality figure, its threshold, and the deciding rule.

`jacorpus quality explain RUN/filter DOC_ID` (and `jacorpus inspect RUN/filter --explain
DOC_ID`) finds the document among the stage's kept and excluded shards and prints, for
every rule the run applied, the measured value, the threshold and whether it fires, plus
the clean-up's removals and the model scores. The thresholds come from the stage's
`report.json` (what that run used); figures the run did not record (with
`record_all_figures: false` a page stops at its first failing rule) are measured again on
the stored text and marked as such.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from corpus.config import ConfigError
from filters.quality.rules import Check

CLEANUP_FIGURES = ("boilerplate_lines_removed", "boilerplate_chars_removed")
MODEL_FIGURES = ("quality_score", "lm_perplexity")


def find_document(stage_dir: Path, doc_id: str) -> tuple[dict, bool]:
    """(row as a dict, whether it was excluded) for `doc_id` in the stage's shards."""
    from corpus.formats.shard_files import find_row

    for excluded, folder in ((False, "shards"), (True, "excluded")):
        found = find_row(stage_dir / folder, doc_id)
        if found is not None:
            return found[1], excluded
    raise ConfigError(f"{doc_id}: not found in {stage_dir}/shards or {stage_dir}/excluded")


def _rules_of(stage_dir: Path) -> list[dict]:
    """The rules the run applied (report.json's figures.quality.rules), or the defaults."""
    report = stage_dir / "report.json"
    if report.exists():
        rules = json.loads(report.read_text(encoding="utf-8")).get("figures", {}).get("quality", {}).get("rules")
        if rules:
            return rules
    from filters.quality.chain import quality_checks
    from filters.quality.options import QualityOptions

    return [{"family": f, "rule": c.reason, "figure": c.figure, "threshold": c.threshold, "drop_if": c.drop_if}
            for f, c in quality_checks(QualityOptions())]


def _remeasure(text: str) -> dict[str, float]:
    """Every default rule's figure on `text` (for figures the run did not record)."""
    from datatrove.data import Document

    from filters.quality.chain import quality_filters
    from filters.quality.options import QualityOptions

    doc = Document(text=text, id="explain", metadata={"source": "web"})
    for family in quality_filters(QualityOptions()):
        family.measure(doc)
    return doc.metadata["figures"]


def explain(stage_dir: str | Path, doc_id: str) -> dict:
    """The decision and every figure of one document, as a dict (what `print_explanation` shows)."""
    stage_dir = Path(stage_dir)
    row, excluded = find_document(stage_dir, doc_id)
    metadata = row.get("metadata") or {}
    figures = dict(metadata.get("figures") or [])
    rules = _rules_of(stage_dir)
    remeasured: dict[str, float] = {}
    if any(rule["figure"] not in figures for rule in rules) and metadata.get("source") == "web":
        remeasured = {k: v for k, v in _remeasure(row["text"]).items() if k not in figures}
    lines = []
    for rule in rules:
        value = figures.get(rule["figure"], remeasured.get(rule["figure"]))
        check = Check(rule["rule"], rule["figure"], lambda a: 0.0, float(rule["threshold"]), rule["drop_if"])
        lines.append({**{k: rule[k] for k in ("family", "rule", "figure", "threshold", "drop_if")}, "value": value,
                      "fires": None if value is None else check.fails(value),
                      "recomputed": rule["figure"] in remeasured})
    return {
        "id": doc_id,
        "source": metadata.get("source"),
        "decision": "excluded" if excluded else "kept",
        "excluded_by": metadata.get("excluded_by"),
        "reason": metadata.get("reason"),
        "characters": len(row.get("text") or ""),
        "cleanup": {k: figures[k] for k in CLEANUP_FIGURES if k in figures},
        "models": {k: figures[k] for k in MODEL_FIGURES if k in figures},
        "rules": lines,
        "other_figures": {k: v for k, v in figures.items()
                          if k not in {r["figure"] for r in rules} | set(CLEANUP_FIGURES) | set(MODEL_FIGURES)},
    }


def print_explanation(info: dict, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    decided = f"excluded by {info['excluded_by']}: {info['reason']}" if info["decision"] == "excluded" else "kept"
    print(f"{info['id']}  ({info['source']}, {info['characters']} characters)  {decided}", file=out)
    if info["cleanup"]:
        print("clean-up: " + ", ".join(f"{k} {v:g}" for k, v in info["cleanup"].items()), file=out)
    if info["models"]:
        print("models: " + ", ".join(f"{k} {v:.4g}" for k, v in info["models"].items()), file=out)
    print(f"{'family':<15} {'rule':<30} {'value':>12} {'drop if':>10} {'threshold':>10}  result", file=out)
    for r in info["rules"]:
        value = "-" if r["value"] is None else f"{r['value']:.4g}" + ("*" if r["recomputed"] else "")
        mark = "-" if r["fires"] is None else ("FIRES" if r["fires"] else "ok")
        if info["decision"] == "excluded" and r["rule"] == info["reason"]:
            mark += "  <- decided"
        print(f"{r['family']:<15} {r['rule']:<30} {value:>12} {r['drop_if']:>10} {r['threshold']:>10.4g}  {mark}", file=out)
    if any(r["recomputed"] for r in info["rules"]):
        print("* measured again on the stored text (the run stopped at the first rule that fired)", file=out)
    for name, value in sorted(info["other_figures"].items()):
        print(f"{name}: {value:g}", file=out)
