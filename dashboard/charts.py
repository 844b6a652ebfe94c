"""Geometry for the dashboard's server-rendered SVG charts.

The template draws what these functions compute, so the charts need no
JavaScript library and look the same in a screenshot, a browser, or print.
"""

import math
from decimal import Decimal

WIDTH = 720
HEIGHT = 240
LEFT = 64  # room for the y-axis labels
BOTTOM = 28  # room for the x-axis labels
TOP = 12
MAX_X_LABELS = 10
# strftime formats per bucket step: (axis label, tooltip and table).
BUCKET_FORMATS = {
    "day": ("%d %b", "%d %b %Y"),
    "month": ("%b %Y", "%B %Y"),
    "year": ("%Y", "%Y"),
}


def nice_ceiling(value: Decimal) -> Decimal:
    """A round number at or above ``value`` for the top of the y axis (1, 2, 2.5 or 5 × 10ⁿ)."""
    if value <= 0:
        return Decimal("1")
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = Decimal(str(step)) * Decimal(10) ** exponent
        if candidate >= value:
            return candidate
    return Decimal(10) ** (exponent + 1)


def value_bars(points: list[dict], step: str) -> dict:
    """Paired bars (sales, purchases) per bucket, with axis ticks and labels."""
    plot_width = WIDTH - LEFT - 8
    plot_height = HEIGHT - TOP - BOTTOM
    top_value = nice_ceiling(max([max(p["sales"], p["purchases"]) for p in points] or [0]))
    slot = plot_width / max(len(points), 1)
    # At least a pixel wide while two bars still fit in their slot.
    bar = min(max(slot * 0.4, 1), slot / 2, 24)

    def y(value):
        return TOP + plot_height - float(value / top_value) * plot_height

    label_every = max(1, math.ceil(len(points) / MAX_X_LABELS))
    label_format, title_format = BUCKET_FORMATS[step]
    bars = []
    for index, point in enumerate(points):
        x = LEFT + index * slot + (slot - 2 * bar) / 2
        bars.append(
            {
                "title": point["bucket"].strftime(title_format),
                "label": point["bucket"].strftime(label_format) if index % label_every == 0 else "",
                "label_x": round(LEFT + index * slot + slot / 2, 1),
                "sales": point["sales"],
                "purchases": point["purchases"],
                "sales_x": round(x, 1),
                "sales_y": round(y(point["sales"]), 1),
                "sales_height": round(TOP + plot_height - y(point["sales"]), 1),
                "purchases_x": round(x + bar, 1),
                "purchases_y": round(y(point["purchases"]), 1),
                "purchases_height": round(TOP + plot_height - y(point["purchases"]), 1),
            }
        )
    # Whole numbers on the axis unless the quarters of a small top need cents.
    tick_places = 0 if top_value >= 4 else 2
    ticks = [
        {"value": top_value * n / 4, "y": round(y(top_value * n / 4), 1), "places": tick_places}
        for n in range(5)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - 8,
        "baseline": TOP + plot_height,
        "label_y": HEIGHT - 8,
        "bar_width": round(bar, 1),
        "bars": bars,
        "ticks": ticks,
    }


def ranking_bars(rows: list[dict], width: int = WIDTH, row_height: int = 26) -> dict:
    """Horizontal bars for a top-N list, longest first."""
    label_width = 220
    top_value = max([row["value"] for row in rows] or [Decimal("1")]) or Decimal("1")
    available = width - label_width - 90
    return {
        "width": width,
        "height": max(len(rows), 1) * row_height + 4,
        "label_width": label_width,
        "rows": [
            {
                **row,
                "y": index * row_height + 2,
                "text_y": index * row_height + row_height / 2 + 6,
                "bar_width": round(max(float(row["value"] / top_value) * available, 1), 1),
                "value_x": round(
                    label_width + max(float(row["value"] / top_value) * available, 1) + 6, 1
                ),
            }
            for index, row in enumerate(rows)
        ],
        "bar_height": row_height - 8,
    }
