"""Stock on hand and sales by product: rows, filters, sorting, pages and their CSV twins."""

import csv
import datetime
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import staff_user
from dashboard.reports import SalesByProductView
from products.models import StockLevel
from products.tests.factories import ProductFactory, TaxRateFactory
from purchases.tests.factories import make_purchase, receive
from sales.services import sale_void
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def frozen_today(settings, monkeypatch):
    settings.TIME_ZONE = "Pacific/Auckland"
    real_localdate = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def ordered(rows, key, descending=False):
    """Rows sorted like ``order_by(("-" if descending else "") + key, "pk")``."""
    by_pk = sorted(rows, key=lambda row: row["pk"])
    return sorted(by_pk, key=lambda row: row[key], reverse=descending)


# Stock on hand ------------------------------------------------------------------------------

STOCK_URL = reverse("reports:stock")


@pytest.fixture
def stock():
    """Three stores × eighteen products at known costs; one level sold out (not listed)."""
    stores = [StoreFactory(name=name) for name in ("Alder", "Birch", "Cedar")]
    products = [
        ProductFactory(name=f"Item {chr(65 + n)}", cost_price=D("1.25") + D("0.50") * (n % 5))
        for n in range(18)
    ]
    on_hand = {}
    for s, store in enumerate(stores):
        lines = []
        for p, product in enumerate(products):
            quantity = (p * 7 + s * 3) % 11 + 1  # with ties, to test the tiebreak
            lines.append((product, quantity, product.cost_price))
            on_hand[(store, product)] = quantity
        make_purchase(store=store, lines=lines)
    make_sale(store=stores[0], lines=[(products[0], on_hand[(stores[0], products[0])])])
    on_hand[(stores[0], products[0])] = 0
    levels = {(level.store_id, level.product_id): level.pk for level in StockLevel.objects.all()}
    rows = [
        {
            "pk": levels[(store.pk, product.pk)],
            "product_id": product.pk,
            "store_id": store.pk,
            "store": store.name,
            "sku": product.sku,
            "product": product.name,
            "quantity": quantity,
            # Each product was only ever bought at its cost price: that is its average.
            "average_cost": product.cost_price,
            "value": quantity * product.cost_price,
        }
        for (store, product), quantity in on_hand.items()
        if quantity > 0
    ]
    return stores, products, rows


def stock_ordered(rows, key, descending=False):
    """Stock rows in the report's order: ``key``, then product and store. By product name
    or SKU the stores follow in order; by the other columns the ties run in the sort's
    direction when it is descending and against it when ascending (the stock report's
    ``order``: so the ``stock_level_value`` index serves both value sorts)."""
    if key in ("product", "sku"):
        by_store = sorted(rows, key=lambda row: row["store_id"])
        return sorted(by_store, key=lambda row: row[key], reverse=descending)
    tied = sorted(
        rows, key=lambda row: (row["product_id"], row["store_id"]), reverse=not descending
    )
    return sorted(tied, key=lambda row: row[key], reverse=descending)


def page_rows(response) -> list[int]:
    return [level.pk for level in response.context["object_list"]]


def test_stock_report_lists_every_level_on_hand_with_its_value(manager_client, stock, settings):
    stores, _, rows = stock

    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(STOCK_URL, {"page": 1})

    assert response.status_code == 200
    assert response.context["paginator"].count == len(rows) == 53
    # Counted by the stock engine as stock moves (StoreStock), not over the stock rows.
    assert not [
        q for q in queries.captured_queries if "COUNT(" in q["sql"] and "stocklevel" in q["sql"]
    ]
    listed = {level.pk: level for level in response.context["object_list"]}
    for row in rows:
        if row["pk"] in listed:
            assert listed[row["pk"]].quantity == row["quantity"]
            assert listed[row["pk"]].value == row["value"]
    by_store = {row["store_name"]: row["value"] for row in response.context["by_store"]}
    for store in stores:
        assert by_store[store.name] == sum(r["value"] for r in rows if r["store"] == store.name)
    html = response.content.decode()
    first = stock_ordered(rows, "product")[0]
    assert f"{settings.CURRENCY_SYMBOL}{first['value']:,.2f}" in html


@pytest.mark.parametrize("sort", ["store", "sku", "product", "quantity", "value"])
@pytest.mark.parametrize("descending", [False, True])
def test_stock_report_sorts_each_column_both_ways_on_page_and_csv(
    manager_client, stock, sort, descending
):
    *_, rows = stock
    expected = stock_ordered(rows, sort, descending)
    query = {"sort": f"-{sort}" if descending else sort}

    first = manager_client.get(STOCK_URL, query)
    second = manager_client.get(STOCK_URL, {**query, "page": 2})
    exported = csv_rows(manager_client.get(STOCK_URL, {**query, "format": "csv"}))

    assert first.context["current_sort"] == query["sort"]
    assert page_rows(first) == [row["pk"] for row in expected[:50]]
    assert page_rows(second) == [row["pk"] for row in expected[50:]]
    assert exported[0] == ["Store", "SKU", "Product", "On hand", "Average cost", "Value"]
    assert exported[1:] == [
        [
            row["store"],
            row["sku"],
            row["product"],
            str(row["quantity"]),
            f"{row['average_cost']:.4f}",
            f"{row['value']:.4f}",
        ]
        for row in expected
    ]


@pytest.mark.parametrize("sort", ["product", "-product", "sku", "-sku"])
def test_stock_report_by_product_orders_by_the_products_own_id(manager_client, stock, sort):
    # Not the stock row's foreign key: only then does SQLite walk the products' index
    # and stop after the page (see StockReportView.order).
    response = manager_client.get(STOCK_URL, {"sort": sort})

    sql = str(response.context["paginator"].object_list.query)
    order_by = sql.rsplit("ORDER BY", 1)[1]
    assert '"products_product"."id"' in order_by.replace("`", '"')
    assert "product_id" not in order_by


def test_stock_report_sort_headers_toggle_direction(manager_client, stock):
    html = manager_client.get(STOCK_URL, {"sort": "value"}).content.decode()

    assert 'href="?sort=-value" class="sort-link">Value ▲' in html
    assert 'href="?sort=quantity" class="sort-link">On hand<' in html


@pytest.mark.parametrize("sort", ["bogus", "--value", "-", "pk", "product__average_cost"])
def test_stock_report_unknown_sort_uses_the_default(manager_client, stock, sort):
    *_, rows = stock

    response = manager_client.get(STOCK_URL, {"sort": sort})

    assert response.status_code == 200
    assert response.context["current_sort"] == "product"
    assert page_rows(response) == [row["pk"] for row in stock_ordered(rows, "product")[:50]]


def test_stock_report_filters_by_store_and_search_on_page_and_csv(manager_client, stock):
    stores, products, rows = stock
    birch = stores[1]
    # "Item B" by name and the SKU of Item C, both case-insensitively.
    for term, wanted in [("item b", {"Item B"}), (products[2].sku.lower(), {"Item C"})]:
        expected = [r for r in stock_ordered(rows, "product") if r["store"] == "Birch"]
        expected = [r for r in expected if r["product"] in wanted]

        query = {"store": birch.pk, "q": term}
        response = manager_client.get(STOCK_URL, query)
        exported = csv_rows(manager_client.get(STOCK_URL, {**query, "format": "csv"}))

        assert page_rows(response) == [row["pk"] for row in expected] != []
        assert [line[:3] for line in exported[1:]] == [
            ["Birch", row["sku"], row["product"]] for row in expected
        ]


def test_stock_report_store_filter_alone(manager_client, stock):
    stores, _, rows = stock

    response = manager_client.get(STOCK_URL, {"store": stores[0].pk})

    expected = [row["pk"] for row in stock_ordered(rows, "product") if row["store"] == "Alder"]
    assert page_rows(response) == expected
    assert len(expected) == response.context["paginator"].count == 17  # Item A sold out there


@pytest.mark.parametrize("store", ["abc", "999999", "-1", "1.5"])
def test_stock_report_invalid_store_is_ignored_but_search_applies(manager_client, stock, store):
    *_, rows = stock

    response = manager_client.get(STOCK_URL, {"store": store, "q": "Item D"})
    exported = csv_rows(manager_client.get(STOCK_URL, {"store": store, "format": "csv"}))

    assert response.status_code == 200
    assert {level.product.name for level in response.context["object_list"]} == {"Item D"}
    assert len(response.context["object_list"]) == 3
    assert len(exported) == 1 + len(rows)


@pytest.mark.parametrize(("page", "shown"), [("2", 2), ("999", 2), ("abc", 1), ("last", 2)])
def test_stock_report_pages_out_of_range_show_the_nearest(manager_client, stock, page, shown):
    response = manager_client.get(STOCK_URL, {"page": page})

    assert response.status_code == 200
    assert response.context["page_obj"].number == shown


def test_stock_report_export_link_keeps_filters_and_sort_but_not_the_page(manager_client, stock):
    stores, *_ = stock

    response = manager_client.get(STOCK_URL, {"store": stores[1].pk, "sort": "-value", "page": 2})

    link = re.search(r'href="\?([^"]+)" data-testid="export-csv"', response.content.decode())
    assert link
    query = unescape(link[1])
    assert set(query.split("&")) == {f"store={stores[1].pk}", "sort=-value", "format=csv"}


def test_stock_report_excludes_nothing_on_hand_and_csv_is_named(manager_client):
    product, store = ProductFactory(), StoreFactory()
    receive(product, store, 2)
    make_sale(store=store, lines=[(product, 2)])

    page = manager_client.get(STOCK_URL)
    response = manager_client.get(STOCK_URL, {"format": "csv"})

    assert page.context["paginator"].count == 0
    assert "No stock on hand." in page.content.decode()
    assert response["Content-Disposition"] == (
        f'attachment; filename="stock-on-hand-{TODAY.isoformat()}.csv"'
    )
    assert csv_rows(response) == [["Store", "SKU", "Product", "On hand", "Average cost", "Value"]]


# Sales by product ---------------------------------------------------------------------------

SALES_URL = reverse("reports:sales-by-product")


@pytest.fixture
def sales():
    """Sales of five products (three taxed 20 %) at two stores on days around the default
    period, one voided."""
    north, south = StoreFactory(name="North"), StoreFactory(name="South")
    vat = TaxRateFactory(percent=D("20"))
    products = [
        ProductFactory(
            name=f"Ware {chr(65 + n)}", cost_price=D("2.00") + n, tax_rate=vat if n % 2 else None
        )
        for n in range(5)
    ]
    for store in (north, south):
        make_purchase(store=store, lines=[(product, 500) for product in products])
    # (date, store, product, quantity, net amount, tax, unit cost, voided)
    recorded = []
    days = [
        TODAY,
        TODAY - datetime.timedelta(days=29),  # first day of the last 30
        TODAY - datetime.timedelta(days=30),  # the day before
        TODAY - datetime.timedelta(days=3),
        TODAY + datetime.timedelta(days=1),  # post-dated
    ]
    for index, day in enumerate(days):
        for n, product in enumerate(products):
            if (index + n) % 3 == 0:
                continue
            store = north if (index + n) % 2 else south
            quantity, price = 1 + (index * n) % 4, D("5.00") + D("1.50") * n + index
            line = make_sale(store=store, lines=[(product, quantity, price)], date=day).lines.get()
            amounts = (line.net_amount, line.tax_amount, product.cost_price)
            recorded.append((day, store, product, quantity, *amounts, False))
    voided = make_sale(store=north, lines=[(products[1], 9, D("99.00"))], date=TODAY)
    sale_void(sale=voided, user=staff_user(), reason="test")
    line = voided.lines.get()
    recorded.append((TODAY, north, products[1], 9, line.net_amount, line.tax_amount, None, True))
    return north, south, products, recorded


def expected_by_product(recorded, start=None, end=None, store=None, names=None) -> list[dict]:
    rows = {}
    for day, sale_store, product, quantity, net, tax, unit_cost, voided in recorded:
        if voided or (start and day < start) or (end and day > end):
            continue
        if (store and sale_store != store) or (names and product.name not in names):
            continue
        row = rows.setdefault(
            product.pk,
            {
                "pk": product.pk,
                "product": product.name,
                "sku": product.sku,
                "units": 0,
                "value": D("0"),
                "tax": D("0"),
                "cost": D("0"),
            },
        )
        row["units"] += quantity
        row["value"] += net  # net of tax: the line's net_amount
        row["tax"] += tax
        row["cost"] += quantity * unit_cost
    for row in rows.values():
        row["profit"] = row["value"] - row["cost"]
    return list(rows.values())


def report_rows(response) -> list[tuple]:
    return [
        (row["product_id"], row["units"], row["value"], row["cost"], row["profit"])
        for row in response.context["object_list"]
    ]


def as_tuples(rows) -> list[tuple]:
    return [(r["pk"], r["units"], r["value"], r["cost"], r["profit"]) for r in rows]


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        ({}, TODAY - datetime.timedelta(days=29), TODAY),
        ({"period": "7d"}, TODAY - datetime.timedelta(days=6), TODAY),
        ({"period": "today"}, TODAY, TODAY),
        ({"period": "all"}, None, None),
        (
            {"period": "custom", "start": "2026-02-08", "end": "2026-03-07"},
            datetime.date(2026, 2, 8),
            datetime.date(2026, 3, 7),
        ),
    ],
)
def test_sales_by_product_sums_each_product_for_the_period(
    manager_client, sales, query, start, end
):
    *_, recorded = sales
    expected = ordered(expected_by_product(recorded, start, end), "value", descending=True)

    response = manager_client.get(SALES_URL, query)

    assert response.status_code == 200
    assert report_rows(response) == as_tuples(expected) != []
    totals = response.context["totals"]
    assert totals["units"] == sum(row["units"] for row in expected)
    assert totals["value"] == sum(row["value"] for row in expected)
    assert totals["profit"] == sum(row["profit"] for row in expected)


def test_sales_by_product_filters_by_store_and_search(manager_client, sales):
    _, south, _, recorded = sales

    response = manager_client.get(SALES_URL, {"period": "all", "store": south.pk, "q": "ware b"})

    expected = expected_by_product(recorded, store=south, names={"Ware B"})
    assert report_rows(response) == as_tuples(expected) != []


@pytest.mark.parametrize("filtered", ["store", "search"])
def test_sales_by_product_totals_are_the_filtered_rows_totals(manager_client, sales, filtered):
    # Unfiltered, the totals come from the days' running totals; filtered, from the lines.
    _, south, _, recorded = sales
    query = {"store": south.pk} if filtered == "store" else {"q": "ware b"}

    response = manager_client.get(SALES_URL, {"period": "all", **query})

    expected = ordered(
        expected_by_product(
            recorded, **({"store": south} if filtered == "store" else {"names": {"Ware B"}})
        ),
        "value",
        descending=True,
    )
    totals = response.context["totals"]
    assert report_rows(response) == as_tuples(expected) != []
    assert totals["units"] == sum(row["units"] for row in expected)
    assert totals["value"] == sum(row["value"] for row in expected)
    assert totals["profit"] == sum(row["profit"] for row in expected)
    all_stores = manager_client.get(SALES_URL, {"period": "all"}).context["totals"]
    assert totals["value"] < all_stores["value"]


def test_sales_by_product_invalid_store_is_ignored_but_search_applies(manager_client, sales):
    *_, recorded = sales

    response = manager_client.get(SALES_URL, {"period": "all", "store": "x", "q": "Ware C"})

    assert response.status_code == 200
    assert report_rows(response) == as_tuples(expected_by_product(recorded, names={"Ware C"}))


@pytest.mark.parametrize("sort", ["product", "units", "value", "profit"])
@pytest.mark.parametrize("descending", [False, True])
def test_sales_by_product_sorts_each_column_both_ways_on_page_and_csv(
    manager_client, sales, sort, descending
):
    *_, recorded = sales
    expected = ordered(expected_by_product(recorded), sort, descending)
    query = {"period": "all", "sort": f"-{sort}" if descending else sort}

    response = manager_client.get(SALES_URL, query)
    exported = csv_rows(manager_client.get(SALES_URL, {**query, "format": "csv"}))

    assert report_rows(response) == as_tuples(expected)
    assert [line[1] for line in exported[1:]] == [row["product"] for row in expected]


def test_sales_by_product_csv_matches_the_page_and_its_totals(manager_client, sales, settings):
    north, *_, recorded = sales
    query = {"period": "30d", "store": north.pk}
    start = TODAY - datetime.timedelta(days=29)
    expected = ordered(expected_by_product(recorded, start, TODAY, north), "value", True)

    page = manager_client.get(SALES_URL, query)
    exported = csv_rows(manager_client.get(SALES_URL, {**query, "format": "csv"}))

    header, *lines = exported
    assert header == [
        "SKU",
        "Product",
        "Units sold",
        "Sales (net)",
        "Tax",
        "Sales (gross)",
        "Cost",
        "Gross profit",
    ]
    assert lines == [
        [
            row["sku"],
            row["product"],
            str(row["units"]),
            f"{row['value']:.2f}",
            f"{row['tax']:.2f}",
            f"{row['value'] + row['tax']:.2f}",
            f"{row['cost']:.4f}",
            f"{row['profit']:.4f}",
        ]
        for row in expected
    ]
    assert any(D(line[4]) for line in lines)  # some are taxed
    totals = page.context["totals"]
    assert sum(int(line[2]) for line in lines) == totals["units"]
    assert sum(D(line[3]) for line in lines) == totals["value"]
    assert sum(D(line[6]) for line in lines) == totals["cost"]
    assert sum(D(line[7]) for line in lines) == totals["profit"]
    footer = page.content.decode().split('data-testid="report-totals"', 1)[1].split("</tr>")[0]
    assert f"{settings.CURRENCY_SYMBOL}{totals['value']:,.2f}" in footer
    assert f"{settings.CURRENCY_SYMBOL}{totals['profit']:,.2f}" in footer


def test_sales_by_product_totals_link_to_the_same_sales(manager_client, sales):
    north, *_, recorded = sales
    start = TODAY - datetime.timedelta(days=29)
    counted = {
        (day, store.pk, product.pk)
        for day, store, product, *_, voided in recorded
        if not voided and store == north and start <= day <= TODAY
    }

    page = manager_client.get(SALES_URL, {"store": north.pk})
    link = re.search(r'href="([^"]+)" data-testid="report-sales-link"', page.content.decode())
    listed = manager_client.get(unescape(link[1]))

    assert page.context["totals"]["documents"] == len(counted)  # one product per sale
    assert listed.context["paginator"].count == len(counted)
    assert (
        sum(sale.total_value for sale in listed.context["object_list"])
        == (page.context["totals"]["value"])
    )


@pytest.mark.parametrize(
    "query",
    [
        {"period": "custom"},
        {"period": "custom", "start": "2026-03-09", "end": "2026-03-01"},
        {"period": "nonsense"},
        {"period": "custom", "start": "2025-13-01", "end": "2026-01-31"},
    ],
)
def test_sales_by_product_invalid_period_falls_back_to_default(manager_client, sales, query):
    *_, recorded = sales
    default = expected_by_product(recorded, TODAY - datetime.timedelta(days=29), TODAY)

    response = manager_client.get(SALES_URL, query)
    exported = csv_rows(manager_client.get(SALES_URL, {**query, "format": "csv"}))

    assert response.status_code == 200
    assert response.context["period"].key == "30d"
    assert sorted(report_rows(response)) == sorted(as_tuples(default))
    assert 'data-testid="period-errors"' in response.content.decode()
    assert len(exported) == 1 + len(default)


@pytest.mark.parametrize(
    ("page", "shown"), [("1", 1), ("2", 2), ("3", 3), ("999", 3), ("abc", 1), ("last", 3)]
)
def test_sales_by_product_pages_count_every_product_and_show_the_nearest(
    manager_client, sales, monkeypatch, page, shown
):
    monkeypatch.setattr(SalesByProductView, "paginate_by", 2)
    *_, recorded = sales
    expected = as_tuples(ordered(expected_by_product(recorded), "value", descending=True))

    response = manager_client.get(SALES_URL, {"period": "all", "page": page})

    assert response.context["page_obj"].number == shown
    assert response.context["paginator"].count == len(expected) == 5
    assert report_rows(response) == expected[(shown - 1) * 2 : shown * 2]


def test_a_sales_by_product_page_with_rows_counts_them_in_its_own_query(manager_client, sales):
    """The page's rows carry the count of all rows (a window count): no query apart counts
    the products sold."""
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(SALES_URL, {"period": "all"})

    assert response.context["paginator"].count == 5
    [page_query] = [q["sql"] for q in queries if "sold_units" in q["sql"]]
    assert "OVER" in page_query
    assert not [q for q in queries if "DISTINCT" in q["sql"]]


def test_sales_by_product_empty_period_says_so(manager_client):
    response = manager_client.get(SALES_URL, {"period": "today"})

    assert response.status_code == 200
    assert response.context["paginator"].count == 0
    assert "No sales in this period." in response.content.decode()
    assert 'data-testid="report-totals"' not in response.content.decode()


# Who may see them ---------------------------------------------------------------------------

REPORT_URLS = [
    STOCK_URL,
    f"{STOCK_URL}?format=csv",
    SALES_URL,
    f"{SALES_URL}?format=csv",
]


@pytest.mark.parametrize("url", REPORT_URLS)
def test_reports_visitor_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url", REPORT_URLS)
def test_reports_user_without_permission_is_refused(user_client, url):
    assert user_client.get(url).status_code == 403


def test_reports_each_needs_its_own_view_permission(user, client):
    user.user_permissions.add(Permission.objects.get(codename="view_stocklevel"))
    client.force_login(user)

    assert client.get(STOCK_URL).status_code == 200
    assert client.get(SALES_URL).status_code == 403
    assert client.get(SALES_URL, {"format": "csv"}).status_code == 403
