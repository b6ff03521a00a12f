"""Small server-side SVG charts (no JavaScript, no CDN); each has a title and description for screen readers."""

from __future__ import annotations

import itertools
from html import escape

from markupsafe import Markup

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_ids = itertools.count()


def bar_chart(
    title: str, rows: list[tuple[str, float]], *, empty: str, percent: bool = False, width: int = 560
) -> Markup:
    """Horizontal bars, labelled with their values; empty data gives the short note `empty` instead of a frame."""
    if not rows:
        return Markup(f'<p class="empty">{escape(empty)}</p>')
    label_width, bar_space, row_height = 190, width - 190 - 60, 24
    height = row_height * len(rows) + 8
    biggest = max(value for _, value in rows) or 1
    uid = next(_ids)
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="c{uid}t c{uid}d" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="c{uid}t">{escape(title)}</title>',
        f'<desc id="c{uid}d">{escape(_describe(rows, percent))}</desc>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_height
        length = max(1.0, bar_space * value / biggest)
        shown = f"{value:.0%}" if percent else f"{value:g}"
        parts += [
            f'<text x="{label_width - 6}" y="{y + 16}" text-anchor="end">{escape(_short(label))}</text>',
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row_height - 8}" fill="{PALETTE[0]}"/>',
            f'<text x="{label_width + length + 4:.1f}" y="{y + 16}">{shown}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    title: str,
    series: dict[str, dict[str, float]],
    *,
    empty: str,
    total: str = "{name}: {total} in total",
    width: int = 560,
    height: int = 220,
) -> Markup:
    """One line per series over the sorted union of their periods, with a legend; `total` (with {name} and
    {total}) words each series' sum in the description for screen readers."""
    periods = sorted({period for points in series.values() for period in points})
    if not periods:
        return Markup(f'<p class="empty">{escape(empty)}</p>')
    left, bottom, top, right = 40, 40, 10, 110
    plot_w, plot_h = width - left - right, height - top - bottom
    biggest = max(max(points.values()) for points in series.values()) or 1
    step = plot_w / max(1, len(periods) - 1)
    uid = next(_ids)
    summary = "; ".join(total.format(name=name, total=f"{sum(points.values()):g}") for name, points in series.items())
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="c{uid}t c{uid}d" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="c{uid}t">{escape(title)}</title><desc id="c{uid}d">{escape(summary)}</desc>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>',
        f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{biggest:g}</text>',
        f'<text x="{left}" y="{height - 8}">{escape(periods[0])}</text>',
        f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end">{escape(periods[-1])}</text>',
    ]
    for n, (name, points) in enumerate(sorted(series.items())):
        colour = PALETTE[n % len(PALETTE)]
        xy = " ".join(
            f"{left + i * step:.1f},{top + plot_h - plot_h * points.get(period, 0) / biggest:.1f}"
            for i, period in enumerate(periods)
        )
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{xy}"/>')
        parts += [
            f'<circle cx="{point.split(",")[0]}" cy="{point.split(",")[1]}" r="3" fill="{colour}"/>'
            for point in xy.split()
        ]
        parts.append(f'<rect x="{width - right + 10}" y="{top + n * 18}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{width - right + 28}" y="{top + n * 18 + 11}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _describe(rows: list[tuple[str, float]], percent: bool) -> str:
    return "; ".join(f"{label}: {value:.0%}" if percent else f"{label}: {value:g}" for label, value in rows)


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
