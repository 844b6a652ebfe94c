"""Chart geometry: round axis tops, bars inside the drawing, heights in proportion."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.charts import (
    HEIGHT,
    LEFT,
    MAX_X_LABELS,
    TOP,
    WIDTH,
    nice_ceiling,
    ranking_bars,
    ranking_chart_svg,
    value_bars,
    value_chart_svg,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0"), D("1")),
        (D("-5"), D("1")),
        (D("1"), D("1")),
        (D("1.01"), D("2")),
        (D("2.2"), D("2.5")),
        (D("3"), D("5")),
        (D("7"), D("10")),
        (D("10"), D("10")),
        (D("11"), D("20")),
        (D("23"), D("25")),
        (D("0.3"), D("0.5")),
        (D("999.99"), D("1000")),
        (D("123456.78"), D("200000")),
    ],
)
def test_nice_ceiling_rounds_up_to_1_2_2_5_or_5(value, expected):
    assert nice_ceiling(value) == expected


@given(st.decimals(min_value=D("0.01"), max_value=D("1e12"), places=2))
def test_nice_ceiling_is_at_least_the_value_and_at_most_twice_it(value):
    ceiling = nice_ceiling(value)

    assert value <= ceiling <= 2 * value


def points(values, start=datetime.date(2026, 3, 1)):
    """Daily chart points from (sales, purchases) pairs."""
    return [
        {"bucket": start + datetime.timedelta(days=n), "sales": D(s), "purchases": D(p)}
        for n, (s, p) in enumerate(values)
    ]


def assert_inside(chart):
    baseline = chart["baseline"]
    for bar in chart["bars"]:
        for series in ("sales", "purchases"):
            x, y, height = bar[f"{series}_x"], bar[f"{series}_y"], bar[f"{series}_height"]
            assert height >= 0
            assert TOP - 0.1 <= y <= baseline
            assert y + height == pytest.approx(baseline, abs=0.11)
            assert x >= LEFT - 0.1 and x + chart["bar_width"] <= chart["right"] + 0.1
    assert chart["width"] == WIDTH and chart["height"] == HEIGHT
    assert 0 < chart["baseline"] < HEIGHT


def test_value_bars_heights_are_in_proportion_to_values():
    chart = value_bars(points([("100", "50"), ("25", "0"), ("0", "75")]), "day")

    sales = [bar["sales_height"] for bar in chart["bars"]]
    purchases = [bar["purchases_height"] for bar in chart["bars"]]
    plot_height = chart["baseline"] - TOP
    # The axis top is nice_ceiling(100) = 100, so 100 fills the plot.
    assert sales == pytest.approx([plot_height, plot_height / 4, 0], abs=0.1)
    assert purchases == pytest.approx([plot_height / 2, 0, plot_height * 3 / 4], abs=0.1)
    assert_inside(chart)


def test_value_bars_ticks_run_from_zero_to_the_nice_ceiling():
    chart = value_bars(points([("730", "120")]), "day")

    assert [tick["value"] for tick in chart["ticks"]] == [0, 250, 500, 750, 1000]
    assert chart["ticks"][0]["y"] == chart["baseline"]
    assert chart["ticks"][-1]["y"] == TOP
    assert {tick["places"] for tick in chart["ticks"]} == {0}


def test_value_bars_all_zero_draw_flat_bars_and_distinct_tick_labels():
    chart = value_bars(points([("0", "0")] * 7), "day")

    assert all(bar["sales_height"] == bar["purchases_height"] == 0 for bar in chart["bars"])
    labels = [f"{tick['value']:.{tick['places']}f}" for tick in chart["ticks"]]
    assert labels == ["0.00", "0.25", "0.50", "0.75", "1.00"]
    assert_inside(chart)


def test_value_bars_empty_series_still_draws_axes():
    chart = value_bars([], "day")

    assert chart["bars"] == []
    assert len(chart["ticks"]) == 5


@pytest.mark.parametrize("count", [1, 7, 30, 92, 366])
def test_value_bars_stay_inside_the_view_box_for_any_number_of_points(count):
    values = [(str(n * 37 % 1000), str(n * 53 % 700)) for n in range(count)]

    chart = value_bars(points(values), "day")

    assert len(chart["bars"]) == count
    assert_inside(chart)
    # Bars of neighbouring buckets never overlap (beyond rounding to 0.1).
    for left, right in zip(chart["bars"], chart["bars"][1:], strict=False):
        assert left["purchases_x"] + chart["bar_width"] <= right["sales_x"] + 0.2


@pytest.mark.parametrize("count", [1, 10, 11, 31, 92])
def test_value_bars_label_at_most_ten_buckets(count):
    chart = value_bars(points([("1", "1")] * count), "day")

    labels = [bar["label"] for bar in chart["bars"] if bar["label"]]
    assert 1 <= len(labels) <= MAX_X_LABELS
    assert chart["bars"][0]["label"] == "1 Mar"


@pytest.mark.parametrize(
    ("step", "label", "title"),
    [
        ("day", "1 Mar", "March 1, 2026"),  # the title in the locale's DATE_FORMAT
        ("month", "Mar 2026", "March 2026"),
        ("year", "2026", "2026"),
    ],
)
def test_value_bars_label_buckets_by_step(step, label, title):
    chart = value_bars(points([("5", "5")]), step)

    assert (chart["bars"][0]["label"], chart["bars"][0]["title"]) == (label, title)


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=D("1e9"), places=2),
            st.decimals(min_value=0, max_value=D("1e9"), places=2),
        ),
        min_size=1,
        max_size=120,
    )
)
def test_value_bars_geometry_is_sane_for_any_values(values):
    chart = value_bars(points(values), "day")

    assert_inside(chart)
    top = chart["ticks"][-1]["value"]
    assert top >= max(max(s, p) for s, p in values)


def test_ranking_bars_longest_bar_is_the_top_value_and_all_fit():
    rows = [
        {"product_id": n, "product__name": f"P{n}", "value": D(value), "units": 1}
        for n, value in enumerate(["400", "300", "100", "0.50"])
    ]

    chart = ranking_bars(rows)

    widths = [row["bar_width"] for row in chart["rows"]]
    assert widths == sorted(widths, reverse=True)
    assert widths[1] / widths[0] == pytest.approx(0.75, abs=0.01)
    assert widths[-1] >= 1  # a tiny value is still visible
    for row in chart["rows"]:
        assert chart["label_width"] + row["bar_width"] <= chart["width"]
        assert row["value_x"] < chart["width"]
        assert row["y"] >= 0 and row["y"] + chart["bar_height"] <= chart["height"]


def test_ranking_bars_all_zero_values_do_not_divide_by_zero():
    chart = ranking_bars([{"product__name": "Free", "value": D("0"), "units": 3}])

    assert chart["rows"][0]["bar_width"] == 1


def test_ranking_bars_empty_has_room_for_a_message():
    chart = ranking_bars([])

    assert chart["rows"] == []
    assert chart["height"] > 0


# The markup (built in Python, see dashboard.charts.value_chart_svg) -----------------------


def test_ranking_chart_svg_escapes_product_names_and_shortens_them():
    name = 'Nuts & <b>Bolts</b> "M8" with a very long name indeed'
    rows = [{"product__name": name, "value": D("1234.5"), "units": D("3"), "unit": "pcs"}]

    svg = ranking_chart_svg(ranking_bars(rows))

    assert "<b>" not in svg
    assert "<title>Nuts &amp; &lt;b&gt;Bolts&lt;/b&gt; &quot;M8&quot; with a very long" in svg
    assert ": $1,234.50 (3 pcs sold)</title>" in svg
    # Shortened to 30 characters for a wide screen and PHONE_NAME_CHARS for a phone.
    assert ">Nuts &amp; &lt;b&gt;Bolts&lt;/b&gt; &quot;M8&quot; with…</text>" in svg
    assert ">Nuts &amp; &lt;b&gt;Bol…</text>" in svg
    assert ">$1,235</text>" in svg


def test_value_chart_svg_draws_every_bar_with_its_tooltip_and_numbers_for_svg():
    chart = value_bars(points([("1000.5", "20"), ("0", "0"), ("7", "3.25")]), "day")

    with translation.override("de"):
        svg = value_chart_svg(chart, "day")

    rects = re.findall(r'<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"', svg)
    assert len(rects) == 2 * 3
    assert [float(value) for rect in rects for value in rect]  # SVG numbers, no "195,7"
    assert [
        (float(x), float(y), float(h))
        for x, y, _, h in rects[::2]  # the sales bars
    ] == [(bar["sales_x"], bar["sales_y"], bar["sales_height"]) for bar in chart["bars"]]
    titles = re.findall(r"<g>\s*<title>([^<]*)</title>", svg)
    assert len(titles) == 3
    assert "1.000,50" in titles[0] and "20,00" in titles[0]  # the amounts in German
    assert svg.count("<line ") == len(chart["ticks"]) + 1  # the grid and the baseline
