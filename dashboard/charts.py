"""Geometry for the dashboard's server-rendered SVG charts.

The template draws what these functions compute, so the charts need no
JavaScript library and look the same in a screenshot, a browser, or print.
"""

import math
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from core.money import format_money
from core.quantities import format_quantity

WIDTH = 720
HEIGHT = 240
LEFT = 64  # room for the y-axis labels, at least
BOTTOM = 28  # room for the x-axis labels
TOP = 16  # room for the top tick's label
MAX_X_LABELS = 10
# A chart 720 units wide is drawn about 310 px wide on a 390 px phone (0.43 px a unit), where
# 11-unit labels would be 5 px high: static/css/app.css draws them at PHONE_LABEL_FONT units
# there (about 11 px) and shows at most PHONE_X_LABELS of the x-axis labels; the room kept
# for the labels is measured at that size.
PHONE_LABEL_FONT = 26
PHONE_X_LABELS = 4
DIGIT_WIDTH = 0.64  # of a font size: a digit in DejaVu Sans, the widest of the usual UI fonts
PHONE_NAME_CHARS = 14  # product names are shortened to this on a phone (the ranking's labels)
# Formats per bucket step: (axis label, tooltip and table). The axis has room for short
# labels only; the tooltip and the table under the chart use the locale's formats, as every
# other date on the pages does (core.templatetags.listing.day).
BUCKET_FORMATS = {
    "day": ("j M", "DATE_FORMAT"),
    "month": ("M Y", "YEAR_MONTH_FORMAT"),
    "year": ("Y", "Y"),
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
    top_value = nice_ceiling(max([max(p["sales"], p["purchases"]) for p in points] or [0]))
    # Whole numbers on the axis unless the quarters of a small top need cents.
    tick_places = 0 if top_value >= 4 else 2
    # The y-axis labels end 6 units left of the plot: room for the longest at phone size.
    longest_tick = len(format_money(top_value, tick_places))
    left = max(LEFT, math.ceil(longest_tick * DIGIT_WIDTH * PHONE_LABEL_FONT) + 10)
    plot_width = WIDTH - left - 8
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(points), 1)
    # At least a pixel wide while two bars still fit in their slot.
    bar = min(max(slot * 0.4, 1), slot / 2, 24)

    def y(value):
        return TOP + plot_height - float(value / top_value) * plot_height

    label_every = max(1, math.ceil(len(points) / MAX_X_LABELS))
    # On a phone only every few of those labels, so that the larger ones do not overlap.
    phone_label_every = label_every * math.ceil(
        math.ceil(len(points) / label_every) / PHONE_X_LABELS
    )
    label_format, title_format = BUCKET_FORMATS[step]
    bars = []
    for index, point in enumerate(points):
        x = left + index * slot + (slot - 2 * bar) / 2
        bars.append(
            {
                "title": date_format(point["bucket"], title_format),
                "label": date_format(point["bucket"], label_format)
                if index % label_every == 0
                else "",
                "label_minor": index % phone_label_every != 0,
                "label_x": round(left + index * slot + slot / 2, 1),
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
    ticks = [
        {"value": top_value * n / 4, "y": round(y(top_value * n / 4), 1), "places": tick_places}
        for n in range(5)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": left,
        "right": WIDTH - 8,
        "baseline": TOP + plot_height,
        "label_y": HEIGHT - 8,
        "bar_width": round(bar, 1),
        "bars": bars,
        "ticks": ticks,
    }


def ranking_bars(rows: list[dict], width: int = WIDTH, row_height: int = 32) -> dict:
    """Horizontal bars for a top-N list, longest first.

    Rows are ``row_height`` units apart: room for a label at PHONE_LABEL_FONT between them.
    """
    label_width = 220
    top_value = max([row["value"] for row in rows] or [Decimal("1")]) or Decimal("1")
    # Room after the longest bar for its amount, at phone size.
    value_room = math.ceil(len(format_money(top_value, 0)) * DIGIT_WIDTH * PHONE_LABEL_FONT) + 12
    available = width - label_width - max(value_room, 90)
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
        "phone_name_chars": PHONE_NAME_CHARS,
    }


# The SVG markup of the two charts, built here rather than by template nodes: one
# variable node a coordinate made the 30-day chart 3 ms of the dashboard's render
# (60 bars, each with its tooltip). Geometry is written as SVG reads it (the
# rounded floats and ints as str() writes them: "195.7"), never in the page's
# language, and not escaped: it is numbers computed above. Every text (amounts in
# the language's format, dates, product names) is escaped as a template would.


def translated(message: str, **values) -> str:
    """``message`` (translated) with ``values`` escaped into it: what ``{% blocktranslate
    with … %}`` renders (the message itself is markup the translators wrote)."""
    return message % {name: conditional_escape(value) for name, value in values.items()}


def value_chart_svg(chart: dict, step: str) -> str:
    """The ``<svg>`` of :func:`value_bars`' ``chart``; ``step``: "day", "month" or "year"."""
    left, right = chart["left"], chart["right"]
    ticks = "\n  ".join(
        f'<line x1="{left}" x2="{right}" y1="{tick["y"]}" y2="{tick["y"]}" stroke="#dee2e6"'
        f' stroke-width="1"/>\n  <text x="{left - 6}" y="{tick["y"]}" dy="4" text-anchor="end"'
        f' font-size="11" fill="#6c757d" class="chart-label">'
        f"{escape(format_money(tick['value'], tick['places']))}</text>"
        for tick in chart["ticks"]
    )
    bar_title = gettext("%(title)s: sales %(sales)s, purchases %(purchases)s")
    width, label_y = chart["bar_width"], chart["label_y"]
    bars = []
    for bar in chart["bars"]:
        title = translated(
            bar_title,
            title=bar["title"],
            sales=format_money(bar["sales"]),
            purchases=format_money(bar["purchases"]),
        )
        bars.append(
            f"<g>\n    <title>{title}</title>\n"
            f'    <rect x="{bar["sales_x"]}" y="{bar["sales_y"]}" width="{width}"'
            f' height="{bar["sales_height"]}" fill="#0d6efd"/>\n'
            f'    <rect x="{bar["purchases_x"]}" y="{bar["purchases_y"]}" width="{width}"'
            f' height="{bar["purchases_height"]}" fill="#fd7e14"/>\n  </g>'
        )
        if bar["label"]:
            minor = " chart-label-minor" if bar["label_minor"] else ""
            bars.append(
                f'<text x="{bar["label_x"]}" y="{label_y}" text-anchor="middle" font-size="11"'
                f' fill="#6c757d" class="chart-label{minor}">{escape(bar["label"])}</text>'
            )
    title = translated(gettext("Sales and purchase value per %(step)s"), step=step)
    # The texts are escaped above; the rest is numbers.
    return mark_safe(
        f'<svg class="chart w-100 h-auto" viewBox="0 0 {chart["width"]} {chart["height"]}"'
        ' role="img" aria-labelledby="value-chart-title" data-testid="value-chart">\n'
        f'  <title id="value-chart-title">{title}</title>\n  {ticks}\n  '
        + "\n  ".join(bars)
        + f'\n  <line x1="{left}" x2="{right}" y1="{chart["baseline"]}" y2="{chart["baseline"]}"'
        ' stroke="#adb5bd" stroke-width="1"/>\n</svg>'
    )


def ranking_chart_svg(chart: dict) -> str:
    """The ``<svg>`` of :func:`ranking_bars`' ``chart`` (rows named as ``top_products``'s)."""
    row_title = gettext("%(name)s: %(value)s (%(units)s sold)")
    label_x, label_width = chart["label_width"] - 8, chart["label_width"]
    rows = []
    for row in chart["rows"]:
        title = translated(
            row_title,
            name=row["product__name"],
            value=format_money(row["value"]),
            units=format_quantity(row["units"], row["unit"]),
        )
        name = Truncator(row["product__name"])
        rows.append(
            f"<g>\n    <title>{title}</title>\n"
            f'    <text x="{label_x}" y="{row["text_y"]}" text-anchor="end" font-size="12"'
            ' fill="#212529" class="chart-label chart-label-wide">'
            f"{escape(name.chars(30))}</text>\n"
            f'    <text x="{label_x}" y="{row["text_y"]}" text-anchor="end" font-size="12"'
            ' fill="#212529" class="chart-label chart-label-narrow">'
            f"{escape(name.chars(chart['phone_name_chars']))}</text>\n"
            f'    <rect x="{label_width}" y="{row["y"]}" width="{row["bar_width"]}"'
            f' height="{chart["bar_height"]}" fill="#198754"/>\n'
            f'    <text x="{row["value_x"]}" y="{row["text_y"]}" font-size="12" fill="#212529"'
            f' class="chart-label">{escape(format_money(row["value"], 0))}</text>\n  </g>'
        )
    label = escape(gettext("Top products by sales, net of tax"))
    # The texts are escaped above; the rest is numbers.
    return mark_safe(
        f'<svg class="chart w-100 h-auto" viewBox="0 0 {chart["width"]} {chart["height"]}"'
        f' role="img" aria-label="{label}" data-testid="top-products-chart">\n  '
        + "\n  ".join(rows)
        + "\n</svg>"
    )
