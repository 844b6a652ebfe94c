"""Pages and exports that read customer returns run the same queries for one line or row as
for many: the return page, the returns list (filtered) and its CSV, the sale lines' CSV and
the sales-by-product report (page and CSV) when returns are in the data.

Every sale here has returns, partial and whole, to the shelf and written off, so a read per
return line or per sale line would show as a count that grows with the rows.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from people.tests.factories import CustomerFactory
from products.models import Unit
from products.tests.factories import ProductFactory, stock_up
from sales.models import SaleReturn, SaleReturnLine
from sales.returns import ReturnLineInput, sale_return
from sales.tests.factories import make_sale

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

RETURNS_CSV = reverse("returns:lines-csv")
RETURNS_LIST = reverse("returns:list")
SALE_LINES_CSV = reverse("reports:sale-lines-csv")
SALES_BY_PRODUCT = reverse("reports:sales-by-product")


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def sale_with_returns(store, customer, products, *, date=None):
    """A sale of 5 of each product (a metre product gets 2.5 m); of each line one unit
    back on the shelf and one written off on two returns, the last line wholly back."""
    sale = make_sale(
        store=store,
        customer=customer,
        lines=[
            (product, Decimal("2.5") if product.unit.symbol == "m" else 5) for product in products
        ],
        date=date or days_ago(3),
    )
    lines = list(sale.lines.order_by("pk"))
    sale_return(
        sale=sale,
        lines=[ReturnLineInput(line, Decimal(1), True, "Wrong size") for line in lines],
        user=sale.created_by,
        date=days_ago(2),
    )
    sale_return(
        sale=sale,
        lines=[ReturnLineInput(line, Decimal(1), False, "Damaged") for line in lines[:-1]]
        + [ReturnLineInput(lines[-1], lines[-1].quantity - 1, False, "Damaged")],
        user=sale.created_by,
        date=days_ago(1),
    )
    return sale


def products_in_stock(store, count: int) -> list:
    """``count`` products with stock at ``store``, every third one sold by the metre."""
    metre = Unit.objects.standard()["m"]
    products = [
        ProductFactory(unit=metre) if n % 3 == 2 else ProductFactory() for n in range(count)
    ]
    for product in products:
        stock_up(product, store, 200, unit_cost=Decimal("2.00"))
    return products


def query_count(client, url, query=None) -> int:
    """The queries of one GET, a streamed response read to its end."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query or {})
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def get_all(client, url, query=None) -> tuple:
    """GET ``url``: the response, and its text read to the end (inside the caller's
    query count when streamed)."""
    response = client.get(url, query or {})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content.decode("utf-8-sig")


# The return page

# Session, user, permissions (group + user), the sale with its customer and store, its
# lines with their products, units and what came back of each, the user's profile (the
# stores they act in: accounts.access).
RETURN_PAGE_QUERIES = 7


@pytest.mark.parametrize("count", [1, 7])
def test_the_return_page_runs_the_same_queries_for_one_line_or_many(
    manager_client, django_assert_num_queries, store, count
):
    products = products_in_stock(store, count)
    sale = make_sale(
        store=store, customer=CustomerFactory(), lines=[(product, 5) for product in products]
    )
    lines = list(sale.lines.order_by("pk"))
    # Part of every line came back, one line wholly (it is shown disabled).
    sale_return(
        sale=sale,
        lines=[ReturnLineInput(line, Decimal(1)) for line in lines]
        + [ReturnLineInput(lines[0], Decimal(4), False)],
        user=sale.created_by,
    )

    with django_assert_num_queries(RETURN_PAGE_QUERIES):
        response = manager_client.get(reverse("sales:return", args=[sale.pk]))

    rows = response.context["form"].rows
    assert len(rows) == count
    assert [returnable for _, returnable, *_ in rows] == [0] + [4] * (count - 1)


# The returns list, filtered


@pytest.mark.parametrize("query", [{}, {"date_from": "2020-01-01", "q": "CN-"}, "store"])
def test_the_returns_list_runs_the_same_queries_for_one_return_or_many(
    manager_client, django_assert_num_queries, store, query
):
    if query == "store":
        query = {"store": store.pk, "customer": "Dana Buyer"}
    customer = CustomerFactory(name="Dana Buyer")
    products = products_in_stock(store, 4)
    sale_with_returns(store, customer, products[:1])
    manager_client.get(RETURNS_LIST, query)  # warm caches (content types, permissions)
    small = query_count(manager_client, RETURNS_LIST, query)
    for _ in range(12):
        sale_with_returns(store, customer, products)

    with django_assert_num_queries(small):
        response = manager_client.get(RETURNS_LIST, query)

    assert len(response.context["object_list"]) == 25  # a full page of 26 returns
    assert max(row.line_count for row in response.context["object_list"]) == 4


# The returns CSV

# Session, user, permissions (group + user), the return lines (one chunk), the user's
# permissions again for the cost columns (products.costs reads them from the cache).
RETURNS_CSV_QUERIES = 5


@pytest.mark.parametrize("sales", [1, 12])
@pytest.mark.parametrize("query", [{}, {"q": "damaged", "date_from": "2020-01-01"}])
def test_the_returns_csv_runs_the_same_queries_for_one_line_or_many(
    manager_client, django_assert_num_queries, store, sales, query
):
    customer = CustomerFactory(name="Dana Buyer")
    products = products_in_stock(store, 3)
    for _ in range(sales):
        sale_with_returns(store, customer, products)

    with django_assert_num_queries(RETURNS_CSV_QUERIES):
        response, text = get_all(manager_client, RETURNS_CSV, query)

    assert response.streaming
    rows = text.splitlines()
    if query:  # the returns with a damaged line: the second of each sale
        assert len(rows) == 1 + sales * 3
    else:
        assert len(rows) == 1 + sales * 6
    assert rows[0].endswith("Unit cost,Cost")
    assert SaleReturnLine.objects.count() == sales * 6
    assert SaleReturn.objects.count() == sales * 2


# The sale lines' CSV


@pytest.mark.parametrize("query", [{}, {"status": "valid", "date_from": "2020-01-01"}])
def test_the_sale_lines_csv_with_returns_runs_the_same_queries_for_one_line_or_many(
    manager_client, django_assert_num_queries, store, query
):
    customer = CustomerFactory(name="Dana Buyer")
    products = products_in_stock(store, 4)
    sale_with_returns(store, customer, products[:1])
    manager_client.get(SALE_LINES_CSV, query)  # warm caches (content types, permissions)
    small = query_count(manager_client, SALE_LINES_CSV, query)
    for _ in range(8):
        sale_with_returns(store, customer, products)

    with django_assert_num_queries(small):
        response, text = get_all(manager_client, SALE_LINES_CSV, query)

    assert response.streaming  # not sent to a background job
    header, *rows = text.splitlines()
    assert header.endswith("Returned,Returned (net)")
    assert len(rows) == 1 + 8 * 4
    # Two units of each line came back, all five of each sale's last line.
    assert {row.split(",")[-2] for row in rows} == {"2", "5"}


# The sales-by-product report


@pytest.mark.parametrize(
    "query",
    [
        {"period": "all"},
        {"period": "30d", "sort": "-profit"},
        {"period": "all", "format": "csv"},
        {"period": "30d", "q": "product", "sort": "units", "format": "csv"},
        "store",
    ],
)
def test_the_sales_by_product_report_with_returns_runs_the_same_queries_for_few_or_many(
    manager_client, django_assert_num_queries, store, query
):
    if query == "store":
        query = {"period": "all", "store": store.pk}
    customer = CustomerFactory()
    products = products_in_stock(store, 2)
    sale_with_returns(store, customer, products)
    manager_client.get(SALES_BY_PRODUCT, query)  # warm caches (content types, permissions)
    small = query_count(manager_client, SALES_BY_PRODUCT, query)
    more = products_in_stock(store, 10)
    for _ in range(3):
        sale_with_returns(store, customer, products + more)

    with django_assert_num_queries(small):
        response, text = get_all(manager_client, SALES_BY_PRODUCT, query)

    if response.streaming:
        assert len(text.splitlines()) > 1
    else:
        rows = response.context["object_list"]
        assert len(rows) > 2
        # Net of the returns: of each line one unit (or the rest of it) is still sold.
        assert all(row["units"] < row["sold_units"] for row in rows)
