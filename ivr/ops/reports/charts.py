"""Server-rendered SVG charts (no JavaScript, no CDN): stacked bars per day, horizontal bars.

Only presentation attributes are used (no inline `style`), so the strict Content-Security-Policy
of the dashboard needs no exception. Every label is escaped.
"""
from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return value


def stacked_bars(days: list[str], series: dict[str, list[int]], title: str, width: int = 760,
                 height: int = 240) -> Markup:
    left, top, bottom, legend_h = 40, 24, 34, 22
    plot_w, plot_h = width - left - 10, height - top - bottom - legend_h
    totals = [sum(vals[i] for vals in series.values()) for i in range(len(days))]
    peak = _nice_max(max(totals or [0]) or 1)
    slot = plot_w / max(1, len(days))
    bar = max(2.0, slot * 0.7)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for tick in range(5):
        y = top + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{peak * tick // 4}</text>')
    label_every = max(1, len(days) // 10)
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        for n, (name, vals) in enumerate(series.items()):
            h = plot_h * vals[i] / peak
            if h:
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                             f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(day)} {escape(name)}: '
                             f'{vals[i]}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                         f'font-size="11">{escape(day[5:])}</text>')
    lx = left
    for n, name in enumerate(series):
        parts.append(f'<rect x="{lx}" y="{height - 16}" width="10" height="10" fill="{PALETTE[n % len(PALETTE)]}"/>'
                     f'<text x="{lx + 14}" y="{height - 7}" font-size="11">{escape(name)}</text>')
        lx += 24 + 8 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def hbars(items: list[tuple[str, int]], title: str, width: int = 760, row: int = 34) -> Markup:
    """One bar per item, its whole label on a line above it (long prompt labels are not clipped:
    the text wraps nowhere in SVG, so the label gets the full width and the chart scales down)."""
    right = 50
    height = max(1, len(items)) * row + 10
    peak = max([v for _, v in items] or [1]) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = max(1.0, (width - right) * value / peak)
        short = label if len(label) <= 110 else label[:109] + "…"
        parts.append(f'<text x="0" y="{y + 12}" font-size="12">{escape(short)}<title>{escape(label)}</title></text>'
                     f'<rect x="0" y="{y + 16}" width="{w:.1f}" height="{row - 20}" fill="{PALETTE[0]}"/>'
                     f'<text x="{w + 4:.1f}" y="{y + 27}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
