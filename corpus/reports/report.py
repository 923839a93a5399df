"""Terminal view of stage reports: a funnel across the run, then each stage's details."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from corpus.config import STAGE_ORDER
from corpus.reports.terminal_text import json_safe, markup_safe


def load_reports(run_dir: Path) -> dict[str, dict]:
    reports = {}
    for name in STAGE_ORDER:
        path = run_dir / name / "report.json"
        if path.is_file():
            reports[name] = json.loads(path.read_text())
    return reports


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def funnel_table(reports: dict[str, dict]) -> Table:
    table = Table(title="documents per stage (in = kept + excluded)")
    for col in ("stage", "in", "kept", "excluded", "kept %", "balanced", "time s"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for name, r in reports.items():
        d = r["documents"]
        ok = d["in"] == d["kept"] + d["excluded"]
        table.add_row(markup_safe(name), str(d["in"]), str(d["kept"]), str(d["excluded"]), _pct(d["kept"], d["in"]),
                      "yes" if ok else "[red]NO[/red]", f"{r.get('elapsed_s', 0):.1f}")
    return table


def _counter_table(title: str, counts: dict, total: int | None = None, limit: int = 12) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("key")
    table.add_column("count", justify="right")
    if total:
        table.add_column("share", justify="right")
    for key, value in list(counts.items())[:limit]:
        row = [markup_safe(key), markup_safe(value)] + ([_pct(value, total)] if total else [])
        table.add_row(*row)
    if len(counts) > limit:
        table.add_row(f"... {len(counts) - limit} more", "", *([""] if total else []))
    return table


def print_stage(console: Console, name: str, r: dict) -> None:
    d = r["documents"]
    console.rule(f"[bold]{markup_safe(name)}[/bold]  in {d['in']}  kept {d['kept']}  excluded {d['excluded']}")
    kept = r.get("kept", {})
    excluded = r.get("excluded", {})
    if kept.get("characters") is not None:
        console.print(f"kept: {kept.get('characters', 0):,} characters, {kept.get('bytes', 0):,} bytes"
                      + (f"; excluded: {excluded.get('characters', 0):,} characters, {excluded.get('bytes', 0):,} bytes"
                         if excluded else ""))
        out_bytes = kept.get("bytes", 0) + excluded.get("bytes", 0)
        if r.get("elapsed_s"):
            console.print(f"time: {r['elapsed_s']:.1f} s; {d['in'] / r['elapsed_s']:,.1f} documents/s, "
                          f"{out_bytes / r['elapsed_s'] / 1e6:.2f} MB/s of text out")
    tokens = kept.get("tokens_by_source")
    if isinstance(tokens, dict) and tokens:
        console.print(_counter_table("tokens by source", tokens))
    if r.get("excluded_by_reason"):
        console.print(_counter_table("excluded by reason", r["excluded_by_reason"], d["in"]))
    for key, title in (("by_source", "kept by source"), ("licences", "kept by licence"), ("pii", "PII masked (spans)")):
        if kept.get(key):
            console.print(_counter_table(title, kept[key]))
    figures = r.get("figures")
    if figures:
        print_figures(console, figures)


def _scalar(value) -> str:
    """A figure as a table cell (markup-escaped, controls visible: figures can hold names from the data)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return markup_safe(text if len(text) <= 80 else text[:77] + "...")
    return markup_safe(value)


def print_figures(console: Console, figures: dict, title: str = "figures") -> None:
    """A stage's own figures: scalars in one table, each nested mapping in its own, lists of
    records (example pairs, ...) as a few rows."""
    flat = {k: v for k, v in figures.items() if not isinstance(v, (dict, list))}
    if flat:
        table = Table(title=title, title_justify="left")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for k, v in flat.items():
            table.add_row(markup_safe(k), _scalar(v))
        console.print(table)
    for key, value in figures.items():
        if isinstance(value, dict) and value:
            table = Table(title=markup_safe(key), title_justify="left")
            table.add_column("key")
            table.add_column("value", justify="right")
            for k, v in list(value.items())[:15]:
                table.add_row(markup_safe(k), _scalar(v))
            if len(value) > 15:
                table.add_row(f"... {len(value) - 15} more", "")
            console.print(table)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            cols = list(value[0].keys())[:6]
            table = Table(title=markup_safe(key), title_justify="left")
            for c in cols:
                table.add_column(markup_safe(c))
            for row in value[:5]:
                table.add_row(*(_scalar(row.get(c)) for c in cols))
            console.print(table)


def print_run_report(run_dir: Path, stage: str | None = None, as_json: bool = False) -> None:
    reports = load_reports(run_dir)
    if stage:
        reports = {k: v for k, v in reports.items() if k == stage}
    if as_json:
        print(json_safe(json.dumps(reports, indent=2, ensure_ascii=False)))
        return
    console = Console()
    if not reports:
        console.print(f"no stage reports under {markup_safe(run_dir)}")
        return
    console.print(funnel_table(reports))
    for name, r in reports.items():
        print_stage(console, name, r)


def print_stage_report(stage_dir: Path, as_json: bool = False) -> None:
    r = json.loads((stage_dir / "report.json").read_text())
    if as_json:
        print(json_safe(json.dumps(r, indent=2, ensure_ascii=False)))
        return
    console = Console()
    console.print(funnel_table({r.get("stage", stage_dir.name): r}))
    print_stage(console, r.get("stage", stage_dir.name), r)
