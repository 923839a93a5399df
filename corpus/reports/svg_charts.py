"""Small inline SVG charts, so an HTML report opens offline with no JavaScript or CDN."""

from __future__ import annotations

from html import escape

PALETTE = ("#3b6ea8", "#d9822b", "#4f9a5b", "#b0413e", "#7d5ba6", "#8c6d31", "#3d8a8a", "#a63d7d")


def hbar(items: list[tuple[str, float]], title: str, width: int = 520, unit: str = "", max_items: int = 15) -> str:
    """Horizontal bars, labels left, values right; long tails are cut to max_items."""
    items = items[:max_items]
    if not items:
        return ""
    label_w, row_h, pad = 220, 22, 6
    height = row_h * len(items) + 34
    top = max(v for _, v in items) or 1
    bar_w = width - label_w - 90
    parts = [f'<svg class="chart" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f'<text x="0" y="16" class="title">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 28 + i * row_h
        w = max(1.0, bar_w * value / top)
        short = label if len(label) <= 32 else label[:31] + "…"
        parts.append(f'<text x="{label_w - pad}" y="{y + 14}" text-anchor="end">{escape(short)}<title>{escape(label)}</title></text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{label_w + w + pad:.1f}" y="{y + 14}">{value:,.0f}{unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


def funnel(stages: list[tuple[str, int, int]], width: int = 640) -> str:
    """Per stage: documents in (light) with kept (dark) over it."""
    if not stages:
        return ""
    label_w, row_h = 110, 26
    height = row_h * len(stages) + 40
    top = max(n for _, n, _ in stages) or 1
    bar_w = width - label_w - 150
    parts = [f'<svg class="chart" width="{width}" height="{height}" role="img" aria-label="funnel">',
             '<text x="0" y="16" class="title">documents in and kept, per stage</text>']
    for i, (name, n_in, kept) in enumerate(stages):
        y = 30 + i * row_h
        w_in, w_kept = bar_w * n_in / top, bar_w * kept / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{max(w_in, 1):.1f}" height="{row_h - 6}" fill="#c9d6e8"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{max(w_kept, 1):.1f}" height="{row_h - 6}" fill="#3b6ea8"/>')
        parts.append(f'<text x="{label_w + max(w_in, 1) + 6:.1f}" y="{y + 15}">{kept:,} / {n_in:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(edges: list[float], counts: list[int], title: str, threshold: float | list[float] | None = None,
              width: int = 420, height: int = 180) -> str:
    """Bars between edges; dashed red line(s) at the threshold a rule applies."""
    if not counts or len(edges) != len(counts) + 1:
        return ""
    left, bottom, top_pad = 40, 30, 26
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    lo, hi = edges[0], edges[-1]
    span = (hi - lo) or 1
    peak = max(counts) or 1
    x = lambda v: left + plot_w * (v - lo) / span  # noqa: E731
    parts = [f'<svg class="chart" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f'<text x="0" y="16" class="title">{escape(title)}</text>']
    for i, c in enumerate(counts):
        x0, x1 = x(edges[i]), x(edges[i + 1])
        h = plot_h * c / peak
        parts.append(f'<rect x="{x0:.1f}" y="{top_pad + plot_h - h:.1f}" width="{max(x1 - x0 - 1, 1):.1f}" '
                     f'height="{h:.1f}" fill="#3b6ea8"><title>{edges[i]:.3g}–{edges[i + 1]:.3g}: {c}</title></rect>')
    parts.append(f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#555"/>')
    parts.append(f'<text x="{left}" y="{height - 8}">{lo:.3g}</text>')
    parts.append(f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end">{hi:.3g}</text>')
    parts.append(f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end">{peak}</text>')
    for t in ([threshold] if isinstance(threshold, (int, float)) else (threshold or [])):
        if lo <= t <= hi:
            parts.append(f'<line x1="{x(t):.1f}" y1="{top_pad - 4}" x2="{x(t):.1f}" y2="{top_pad + plot_h}" '
                         f'stroke="#c0392b" stroke-width="2" stroke-dasharray="4 3"><title>threshold {t}</title></line>')
    parts.append("</svg>")
    return "".join(parts)


def bins_for(values: list[float], n: int = 20) -> tuple[list[float], list[int]]:
    if not values:
        return [], []
    lo, hi = min(values), max(values)
    if hi == lo:
        hi = lo + 1
    step = (hi - lo) / n
    edges = [lo + i * step for i in range(n + 1)]
    counts = [0] * n
    for v in values:
        counts[min(int((v - lo) / step), n - 1)] += 1
    return edges, counts
