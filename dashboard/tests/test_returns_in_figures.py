"""The dashboard and the sales report are net of customer returns.

Five sold at 10.00 that cost 4.00; two come back on a later day, one back on
the shelf and one damaged. Net: 3 units, 30.00, and a cost of 20.00 less the
4.00 restocked (the damaged unit's cost stays a cost): 16.00, so 14.00 profit.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.forms import PeriodForm
from dashboard.selectors import dashboard_summary, top_products
from products.models import Product
from products.tests.factories import ProductFactory
from purchases.returns import PurchaseReturnLineInput, purchase_return
from purchases.tests.factories import receive
from sales.returns import ReturnLineInput, sale_return
from sales.tests.factories import make_sale

pytestmark = pytest.mark.django_db

D = Decimal
SALE_DAY = datetime.date(2026, 3, 2)
RETURN_DAY = datetime.date(2026, 3, 5)


@pytest.fixture
def widget(store, manager):
    widget = ProductFactory(name="Widget", sku="W-1", sale_price=D("10.00"))
    other = ProductFactory(name="Other", sku="O-1", sale_price=D("7.00"))
    receive(widget, store, 10, unit_cost=D("4.00"))
    receive(other, store, 10, unit_cost=D("1.00"))
    sale = make_sale(store=store, lines=[(widget, 5, D("10.00"))], date=SALE_DAY)
    # Sold for 28.00: above the widget's 30.00 net, below its 50.00 before the return.
    make_sale(store=store, lines=[(other, 4, D("7.00"))], date=SALE_DAY)
    line = sale.lines.get()
    sale_return(
        sale=sale,
        lines=[ReturnLineInput(line, D("1"), True), ReturnLineInput(line, D("1"), False)],
        user=manager,
        date=RETURN_DAY,
    )
    return widget


def period(**query):
    return PeriodForm(query).get_period()


@pytest.mark.parametrize(
    "query",
    [
        {"period": "all"},
        {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"},
    ],
)
def test_the_dashboard_shows_sales_net_of_returns_and_the_returns(widget, query):
    summary = dashboard_summary(period(**query))

    sold, returns = summary["sold"], summary["returns"]
    assert (sold["documents"], sold["units"], sold["value"], sold["cost"]) == (
        2,
        D("7"),
        D("58"),
        D("20"),  # 16.00 for the widgets, 4.00 for the others
    )
    assert sold["profit"] == D("38")
    assert (returns["documents"], returns["units"], returns["value"], returns["written_off"]) == (
        1,
        D("2"),
        D("20"),
        D("4"),
    )
    assert returns["refunded"] == D("20")  # what was paid for the two: untaxed, no fee kept
    top = [(row["product__name"], row["units"], row["value"]) for row in summary["top_products"]]
    assert top == [("Widget", D("3"), D("30")), ("Other", D("4"), D("28"))]


def test_a_period_with_the_sale_but_not_the_return_shows_the_sale_whole(widget):
    summary = dashboard_summary(period(period="custom", start="2026-03-01", end="2026-03-03"))

    assert (summary["sold"]["units"], summary["sold"]["value"]) == (D("9"), D("78"))
    assert summary["returns"]["documents"] == 0
    assert summary["top_products"][0]["product__name"] == "Widget"
    assert summary["top_products"][0]["value"] == D("50")


def test_the_sales_report_is_net_of_returns(widget, manager_client):
    url = reverse("reports:sales-by-product")
    query = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}

    response = manager_client.get(url, query)

    rows = {row["product__name"]: row for row in response.context["object_list"]}
    widget_row = rows["Widget"]
    assert (widget_row["units"], widget_row["value"], widget_row["cost"]) == (
        D("3"),
        D("30"),
        D("16"),
    )
    assert widget_row["profit"] == D("14")
    totals = response.context["totals"]
    assert (totals["units"], totals["value"], totals["cost"], totals["profit"]) == (
        D("7"),
        D("58"),
        D("20"),
        D("38"),
    )
    # Sorted by net value: the widget's 30.00 comes before the other's 28.00.
    assert [row["product__name"] for row in response.context["object_list"]] == [
        "Widget",
        "Other",
    ]

    csv = manager_client.get(url, {**query, "format": "csv"})
    content = b"".join(csv.streaming_content).decode("utf-8-sig")
    # Untaxed: no tax, and the gross is the net.
    assert "W-1,Widget,3,30.00,0.00,30.00,16.0000,14.0000" in io.StringIO(content).read()


def _outer_grouping_terms(sql: str) -> list[str]:
    # The subqueries of the select list come first: the last GROUP BY is the query's own.
    grouped = sql.rsplit(" GROUP BY ", 1)[1].split(" ORDER BY ")[0]
    return [term.strip() for term in grouped.split(",")]


@pytest.mark.parametrize("view", ["dashboard", "report"])
def test_a_period_that_is_not_all_of_history_is_net_of_its_returns(
    widget, store, manager_client, view
):
    # A sale after the period, so both read the period's lines, not the all-time totals.
    other = Product.objects.get(sku="O-1")
    make_sale(store=store, lines=[(other, 1, D("7.00"))], date=datetime.date(2026, 4, 10))
    query = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
    url = reverse("dashboard:index" if view == "dashboard" else "reports:sales-by-product")
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(url, query)

    assert response.status_code == 200
    rows = (
        response.context["summary"]["top_products"]
        if view == "dashboard"
        else response.context["object_list"]
    )
    assert [(row["product__name"], row["units"], row["value"]) for row in rows] == [
        ("Widget", D("3"), D("30")),
        ("Other", D("4"), D("28")),
    ]
    # What came back is read once per product's row (OncePerGroup): as grouping terms
    # the database computed its subqueries for every sale line.
    [per_product] = [q["sql"] for q in queries.captured_queries if "sold_units" in q["sql"]]
    assert "sales_salereturnline" in per_product
    assert len(_outer_grouping_terms(per_product)) == 1
    # The period's lines by their own copy of the sale's date and state (the index
    # sale_line_period), not joined to a sale row each.
    lines_read = per_product.split(" FROM ")[-1]
    quoted = connection.ops.quote_name
    assert quoted("sales_saleline") in lines_read and quoted("sales_sale") not in lines_read


def test_the_top_products_are_ranked_by_what_they_kept(store, manager):
    # Two shown. The best seller kept least of it; the third best seller ranks second
    # once the returns are out; the fourth came back whole and is left out.
    names = ["Best", "Second", "Third", "Gone"]
    products = {name: ProductFactory(name=name) for name in names}
    for product in products.values():
        receive(product, store, 100, unit_cost=D("1.00"))
    sold = {"Best": 100, "Second": 50, "Third": 40, "Gone": 5}
    sales = {
        name: make_sale(store=store, lines=[(products[name], sold[name], D("1.00"))], date=SALE_DAY)
        for name in names
    }
    for name, back in (("Best", 95), ("Gone", 5)):
        line = sales[name].lines.get()
        sale_return(
            sale=sales[name],
            lines=[ReturnLineInput(line, D(back), True)],
            user=manager,
            date=RETURN_DAY,
        )
    # A sale after the period: the period is not all of history.
    make_sale(
        store=store, lines=[(products["Third"], 1, D("1.00"))], date=datetime.date(2026, 4, 1)
    )

    rows = top_products(period(period="custom", start="2026-03-01", end="2026-03-31"), limit=2)

    assert [(row["product__name"], row["units"], row["value"]) for row in rows] == [
        ("Second", D("50"), D("50")),
        ("Third", D("40"), D("40")),
    ]


def test_the_dashboard_shows_purchases_net_of_returns_to_suppliers(store, manager):
    bolt = ProductFactory(name="Bolt")
    purchase = receive(bolt, store, 10, unit_cost=D("3.00"))
    purchase_return(
        purchase=purchase,
        lines=[PurchaseReturnLineInput(purchase.lines.get(), D("4"), "Wrong thread")],
        user=manager,
    )

    summary = dashboard_summary(period(period="all"))

    assert summary["purchased"] == {"documents": 1, "units": D("6"), "value": D("18")}
    assert (summary["sent_back"]["documents"], summary["sent_back"]["value"]) == (1, D("12"))
