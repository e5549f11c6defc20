"""Charts drawn on the server as inline SVG: no script, no chart library, nothing
for the strict content security policy to allow. Pure functions of their numbers.

Every bar is a link (an SVG `<a>`) to the admin list behind it, and carries a
`<title>` so a pointer or a screen reader gets the exact figure."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    href: str = ""
    short: str = ""  # an axis label; the full label goes in the bar's title


def bar_chart(
    bars: Sequence[Bar], *, title: str, width: int = 640, height: int = 180, unit: str = ""
) -> SafeString:
    """A vertical bar chart scaled to its largest bar (an empty chart when all are zero)."""
    top, bottom, left = 16, 28, 4
    plot_h = height - top - bottom
    peak = max((bar.value for bar in bars), default=Decimal(0))
    slot = (width - left) / max(len(bars), 1)
    gap = min(slot * 0.2, 6)
    label_every = max(1, len(bars) // 12)
    parts = []
    for i, bar in enumerate(bars):
        h = 0.0 if peak <= 0 else float(bar.value / peak) * plot_h
        x = left + i * slot + gap / 2
        y = top + plot_h - h
        rect = format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" class="bar"><title>{}: {}{}</title></rect>',
            f"{x:.1f}",
            f"{y:.1f}",
            f"{max(slot - gap, 1):.1f}",
            f"{max(h, 0.5 if bar.value else 0):.1f}",
            bar.label,
            bar.value,
            unit,
        )
        if bar.href:
            rect = format_html('<a href="{}">{}</a>', bar.href, rect)
        parts.append(rect)
        if bar.short and i % label_every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" class="axis">{}</text>',
                    f"{x:.1f}",
                    height - 8,
                    bar.short,
                )
            )
    body = mark_safe("".join(parts))  # noqa: S308 - every part was escaped by format_html
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'class="chart" aria-label="{}"><text x="4" y="12" class="caption">{} (peak {}{})</text>'
        "{}</svg>",
        width,
        height,
        title,
        title,
        peak,
        unit,
        body,
    )


def legend(bars: Sequence[Bar]) -> SafeString:
    """The chart's figures as a list of links, for reading the exact numbers."""
    return format_html_join(
        "", '<li><a href="{}">{}</a>: {}</li>', ((b.href, b.label, b.value) for b in bars)
    )
