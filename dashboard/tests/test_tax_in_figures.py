"""The dashboard and the sales report count sales net of tax; Refunded is the money given back.

A drill taxed 20 % sells at 10.00: the customer pays 12.00, of which the shop's
sale is 10.00 and 2.00 is tax it collects for the state.
"""

import csv
import datetime
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from dashboard.forms import PeriodForm
from dashboard.selectors import dashboard_summary
from products.tests.factories import ProductFactory, TaxRateFactory
from purchases.tests.factories import receive
from sales.returns import ReturnLineInput, sale_return
from sales.tests.factories import make_sale

pytestmark = pytest.mark.django_db

D = Decimal
SALE_DAY = datetime.date(2026, 3, 2)
RETURN_DAY = datetime.date(2026, 3, 5)
MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def drill(store):
    drill = ProductFactory(
        name="Drill", sku="DRL-1", sale_price=D("10.00"), tax_rate=TaxRateFactory(percent=D("20"))
    )
    receive(drill, store, 10, unit_cost=D("4.00"))
    return drill


def shown(response, name: str) -> str:
    """The figure on the dashboard's stat card ``name`` (its test id without "stat-")."""
    match = re.search(rf'data-testid="stat-{name}">([^<]*)<', response.content.decode())
    return unescape(match[1]).strip()


def money(value: Decimal, settings) -> str:
    return f"{settings.CURRENCY_SYMBOL}{value:,.2f}"


def test_dashboard_sales_value_is_net_of_tax(manager_client, store, drill, settings):
    make_sale(store=store, lines=[(drill, 1)], date=SALE_DAY)

    response = manager_client.get(reverse("dashboard:index"), MARCH)

    summary = response.context["summary"]
    assert summary["sold"]["value"] == D("10.00")  # not 12.00
    assert summary["sold"]["profit"] == D("6.00")
    assert [row["value"] for row in summary["top_products"]] == [D("10.00")]
    day = next(point for point in summary["chart"]["points"] if point["bucket"] == SALE_DAY)
    assert day["sales"] == D("10.00")
    assert shown(response, "sales-value") == money(D("10.00"), settings)
    html = response.content.decode()
    assert "Sales (net)" in html
    assert "Values are net of tax." in html


def test_sales_report_is_net_of_tax_and_its_csv_has_the_tax(manager_client, store, drill):
    make_sale(store=store, lines=[(drill, 2)], date=SALE_DAY)
    url = reverse("reports:sales-by-product")

    page = manager_client.get(url, MARCH)
    exported = manager_client.get(url, {**MARCH, "format": "csv"})

    (row,) = page.context["object_list"]
    assert (row["value"], row["cost"], row["profit"]) == (D("20.00"), D("8"), D("12"))
    assert page.context["totals"]["value"] == D("20.00")
    content = b"".join(exported.streaming_content).decode("utf-8-sig")
    header, line = csv.reader(io.StringIO(content))
    assert dict(zip(header, line, strict=True)) == {
        "SKU": "DRL-1",
        "Product": "Drill",
        "Units sold": "2",
        "Sales (net)": "20.00",
        "Tax": "4.00",
        "Sales (gross)": "24.00",
        "Cost": "8.0000",
        "Gross profit": "12.0000",
    }


def test_sales_report_takes_the_tax_of_returned_units_off(manager_client, store, drill, manager):
    sale = make_sale(store=store, lines=[(drill, 3)], date=SALE_DAY)
    sale_return(
        sale=sale, lines=[ReturnLineInput(sale.lines.get(), D("1"))], user=manager, date=RETURN_DAY
    )
    url = reverse("reports:sales-by-product")

    exported = manager_client.get(url, {**MARCH, "format": "csv"})

    content = b"".join(exported.streaming_content).decode("utf-8-sig")
    _, line = csv.reader(io.StringIO(content))
    assert line[2:6] == ["2", "20.00", "4.00", "24.00"]


def test_dashboard_refunded_is_the_money_given_back(
    manager_client, store, drill, manager, settings
):
    # Given three drills sold for 36.00 with their tax; one comes back in March and the
    # shop keeps 1.00 of the 12.00 paid for it; another comes back in April.
    sale = make_sale(store=store, lines=[(drill, 3)], date=SALE_DAY)
    line = sale.lines.get()
    sale_return(
        sale=sale,
        lines=[ReturnLineInput(line, D("1"))],
        user=manager,
        date=RETURN_DAY,
        refund=D("11.00"),
    )
    sale_return(
        sale=sale,
        lines=[ReturnLineInput(line, D("1"))],
        user=manager,
        date=datetime.date(2026, 4, 1),
    )

    # When
    response = manager_client.get(reverse("dashboard:index"), MARCH)

    # Then: the sales lose the unit's net value; the money refunded is what was given back.
    summary = response.context["summary"]
    assert summary["returns"]["value"] == D("10.00")
    assert summary["returns"]["refunded"] == D("11.00")  # not 12.00 paid, not 10.00 net
    assert summary["sold"]["value"] == D("20.00")
    assert shown(response, "refunded") == money(D("11.00"), settings)
    assert shown(response, "sales-value") == money(D("20.00"), settings)


def test_refunded_without_returns_is_zero(drill):
    summary = dashboard_summary(PeriodForm(MARCH).get_period())

    assert summary["returns"]["refunded"] == D("0")
