"""`jacorpus report RUN --html`: one self-contained HTML file a person can read offline.

The figures come from the stage reports; the distributions and samples come from the
shards themselves (per-rule values live in each document's `metadata.figures`), so the
page shows what the data is, not only what the steps said.
"""

from __future__ import annotations

import json
from collections import defaultdict
from html import escape
from pathlib import Path

import pyarrow.compute as pc

from corpus.reports.report import load_reports
from corpus.formats.schema import row_to_document
from corpus.formats.shard_files import iter_batches, parquet_files
from corpus.reports.svg_charts import bins_for, funnel, hbar, histogram

MAX_ROWS = 20000
SAMPLES_PER_REASON = 3

CSS = """
body{font-family:system-ui,-apple-system,'Hiragino Sans','Noto Sans CJK JP',sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{font-size:24px} h2{font-size:20px;border-bottom:2px solid #3b6ea8;padding-bottom:4px;margin-top:36px}
h3{font-size:15px;margin:18px 0 6px}
table.t{border-collapse:collapse;margin:8px 0} table.t td,table.t th{border:1px solid #ccc;padding:3px 8px;text-align:right}
table.t td:first-child,table.t th:first-child{text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
svg.chart{font-size:12px;background:#fafafa;border:1px solid #eee;padding:4px} svg .title{font-weight:600;font-size:13px}
details{margin:4px 0 4px 8px} summary{cursor:pointer} pre{white-space:pre-wrap;background:#f4f4f4;padding:8px;font-size:12px;max-height:240px;overflow:auto}
.bad{color:#b0413e} .ok{color:#4f9a5b} .meta{font-size:12px;color:#555}
"""


def _table(rows: list[list], header: list[str]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="t"><tr>{head}</tr>{body}</table>'


def _find_thresholds(figures: dict) -> dict[str, float]:
    """Thresholds a stage published in its figures (`thresholds: {rule: x}` or `{rule: {threshold: x}}`)."""
    found: dict[str, float] = {}
    for key, value in (figures or {}).items():
        if key == "thresholds" and isinstance(value, dict):
            found.update({k: v for k, v in value.items() if isinstance(v, (int, float))})
        elif isinstance(value, dict):
            for rule, entry in value.items():
                if isinstance(entry, dict) and isinstance(entry.get("threshold"), (int, float)):
                    found[rule] = entry["threshold"]
            if isinstance(value.get("threshold"), (int, float)):
                found[key] = value["threshold"]
    return found


def _shard_profile(stage_dir: Path) -> dict:
    """Per-rule values, document lengths, and sample documents from a stage's shards."""
    figures: dict[str, list[float]] = defaultdict(list)
    lengths: list[int] = []
    samples: dict[str, list] = defaultdict(list)
    kept_samples: list = []
    seen = 0
    for kind in ("shards", "excluded"):
        for path in parquet_files(stage_dir / kind):
            for table in iter_batches(path, ["text", "id", "metadata"]):
                if table.num_rows == 0:
                    continue
                if kind == "shards":
                    lengths.extend(pc.utf8_length(table.column("text")).to_pylist())
                for row in table.slice(0, max(0, MAX_ROWS - seen)).to_pylist():
                    seen += 1
                    meta = row["metadata"] or {}
                    for key, value in meta.get("figures") or []:
                        if value is not None:
                            figures[key].append(value)
                    reason = meta.get("reason")
                    if kind == "excluded" and reason and len(samples[reason]) < SAMPLES_PER_REASON:
                        samples[reason].append(row_to_document(row))
                    elif kind == "shards" and len(kept_samples) < SAMPLES_PER_REASON:
                        kept_samples.append(row_to_document(row))
    return {"figures": figures, "lengths": lengths, "samples": samples, "kept_samples": kept_samples}


def _doc_html(doc) -> str:
    meta = {k: v for k, v in doc.metadata.items() if k not in ("extra",)}
    snippet = doc.text[:400] + ("…" if len(doc.text) > 400 else "")
    return (f'<details><summary>{escape(doc.id)} <span class="meta">({len(doc.text)} chars)</span></summary>'
            f'<div class="meta">{escape(json.dumps(meta, ensure_ascii=False, default=str))}</div>'
            f"<pre>{escape(snippet)}</pre></details>")


def stage_section(name: str, report: dict, stage_dir: Path) -> str:
    d = report["documents"]
    out = [f'<h2 id="{escape(name)}">{escape(name)}</h2>',
           _table([[d["in"], d["kept"], d["excluded"], f"{report.get('elapsed_s', 0):.1f}"]],
                  ["documents in", "kept", "excluded", "seconds"])]
    charts = []
    if report.get("excluded_by_reason"):
        charts.append(hbar(sorted(report["excluded_by_reason"].items(), key=lambda kv: -kv[1]), "excluded by reason"))
    kept = report.get("kept", {})
    for key, title in (("by_source", "kept by source"), ("licences", "kept by licence"), ("pii", "PII spans masked, by type")):
        if kept.get(key):
            charts.append(hbar(sorted(kept[key].items(), key=lambda kv: -kv[1]), title))
    token_counts = (report.get("figures") or {}).get("tokens_by_source")
    if isinstance(token_counts, dict):
        charts.append(hbar(sorted(token_counts.items(), key=lambda kv: -kv[1]), "tokens by source"))
    cluster_sizes = (report.get("figures") or {}).get("cluster_size_histogram")
    if isinstance(cluster_sizes, dict) and cluster_sizes:
        charts.append(hbar(sorted(((str(k), v) for k, v in cluster_sizes.items()), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0),
                           "MinHash cluster sizes"))
    host_boilerplate = (report.get("figures") or {}).get("host_boilerplate")
    if isinstance(host_boilerplate, list) and host_boilerplate:  # ingest_web: template text removed per host
        charts.append(hbar([(str(r.get("host")), 100 * float(r.get("share", 0))) for r in host_boilerplate],
                           "boilerplate share per host (% of page text)", unit="%"))
    profile = _shard_profile(stage_dir)
    if profile["lengths"]:
        edges, counts = bins_for([float(x) for x in profile["lengths"]])
        charts.append(histogram(edges, counts, "kept document length (characters)"))
    thresholds = _find_thresholds(report.get("figures") or {})
    for rule, values in sorted(profile["figures"].items()):
        edges, counts = bins_for(values)
        charts.append(histogram(edges, counts, f"{rule} (all documents)", thresholds.get(rule)))
    out.append('<div class="grid">' + "".join(c for c in charts if c) + "</div>")
    if profile["samples"] or profile["kept_samples"]:
        out.append("<h3>samples</h3>")
        for reason, docs in sorted(profile["samples"].items()):
            out.append(f'<div><b class="bad">excluded: {escape(reason)}</b>' + "".join(_doc_html(doc) for doc in docs) + "</div>")
        if profile["kept_samples"]:
            out.append('<div><b class="ok">kept</b>' + "".join(_doc_html(doc) for doc in profile["kept_samples"]) + "</div>")
    return "\n".join(out)


def _reports_and_dirs(path: Path) -> tuple[dict[str, dict], dict[str, Path], Path]:
    """The reports to show, each stage's directory, and where the run manifest would be:
    `path` is a run directory, or one stage directory (its own report.json)."""
    if (path / "report.json").is_file():
        report = json.loads((path / "report.json").read_text())
        name = report.get("stage", path.name)
        return {name: report}, {name: path}, path.parent
    reports = load_reports(path)
    return reports, {name: path / name for name in reports}, path


def write_html_report(run_dir: Path, out_path: Path | None = None) -> Path:
    """One HTML file for a run directory, or for one stage directory (the same section a
    run's page has for it: charts, histograms from its shards, samples)."""
    reports, stage_dirs, manifest_dir = _reports_and_dirs(run_dir)
    out_path = out_path or run_dir / "report.html"
    stages = [(name, r["documents"]["in"], r["documents"]["kept"]) for name, r in reports.items()]
    manifest_path = manifest_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    nav = " · ".join(f'<a href="#{escape(n)}">{escape(n)}</a>' for n in reports)
    body = [f"<h1>jacorpus report: {escape(str(run_dir))}</h1>",
            f'<p class="meta">code {escape(str(manifest.get("code_version", "?")))} · '
            f'{len(manifest.get("inputs", {}))} input files · {nav}</p>',
            funnel(stages),
            _table([[n, r["documents"]["in"], r["documents"]["kept"], r["documents"]["excluded"],
                     "yes" if r["documents"]["in"] == r["documents"]["kept"] + r["documents"]["excluded"] else "NO"]
                    for n, r in reports.items()], ["stage", "in", "kept", "excluded", "in = kept + excluded"])]
    for name, report in reports.items():
        body.append(stage_section(name, report, stage_dirs[name]))
    html = (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>jacorpus report</title>'
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>")
    out_path.write_text(html, encoding="utf-8")
    return out_path
