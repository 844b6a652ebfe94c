"""The supplier's tax on purchase lines: copied from the product's rate, rounded per line.

Unit costs are net of tax (stock is valued net, the tax being recoverable);
each line's tax is its rate of its net amount rounded half-up to cents, and a
purchase's totals are the sums of its rounded lines.
"""

import csv
import io
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.tests.factories import SupplierFactory
from products.models import Product, Unit
from products.tests.factories import ProductFactory, TaxRateFactory
from purchases.models import Purchase, PurchaseDay, PurchaseLine
from purchases.orders import ReceiptLineInput, order_receive
from purchases.services import PurchaseLineInput, purchase_record
from purchases.tests.factories import make_order, make_purchase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

PURCHASES_CSV = reverse("reports:purchase-lines-csv")


@pytest.fixture
def vat():
    return TaxRateFactory(name="VAT 20 %", percent=D("20"))


@pytest.fixture
def reduced():
    return TaxRateFactory(name="Reduced 5 %", percent=D("5"))


@pytest.fixture
def widget(vat):
    return ProductFactory(name="Blue Widget", cost_price=D("2.50"), tax_rate=vat)


@pytest.fixture
def nut(reduced):
    return ProductFactory(name="Nut", cost_price=D("0.35"), tax_rate=reduced)


@pytest.fixture
def untaxed():
    return ProductFactory(name="Leaflet", cost_price=D("1.00"), tax_rate=None)


def line_of(purchase: Purchase) -> PurchaseLine:
    [line] = purchase.lines.all()
    return line


# Recording


def test_a_line_carries_its_products_tax_rate_and_the_rounded_tax(store, widget):
    purchase = make_purchase(store=store, lines=[(widget, 3, D("2.50"))])

    line = line_of(purchase)
    assert line.tax_percent == D("20.00")
    assert line.net_amount == D("7.50")
    assert line.tax_amount == D("1.50")
    assert line.gross_amount == D("9.00")


@pytest.mark.parametrize(
    ("quantity", "unit_cost", "percent", "net", "tax"),
    [
        (D("3"), D("0.35"), D("5"), D("1.05"), D("0.05")),  # 0.0525 → 0.05
        (D("1"), D("0.10"), D("25"), D("0.10"), D("0.03")),  # 0.025 → 0.03, half up
        (D("1"), D("0.30"), D("5"), D("0.30"), D("0.02")),  # 0.015 → 0.02
        (D("2.5"), D("1.99"), D("20"), D("4.98"), D("1.00")),  # 4.975 → 4.98, then 0.996
        (D("0.333"), D("1.25"), D("12.5"), D("0.42"), D("0.05")),  # 0.41625 → 0.42; 0.0525
        (D("7"), D("0.01"), D("7.5"), D("0.07"), D("0.01")),  # 0.00525 → 0.01
        (D("1"), D("0.04"), D("10"), D("0.04"), D("0.00")),  # 0.004 → 0.00
    ],
)
def test_each_lines_tax_is_rounded_half_up_from_its_rounded_net(
    store, quantity, unit_cost, percent, net, tax
):
    product = ProductFactory(
        unit=Unit.objects.standard()["m"], tax_rate=TaxRateFactory(percent=percent)
    )

    line = line_of(make_purchase(store=store, lines=[(product, quantity, unit_cost)]))

    assert (line.net_amount, line.tax_amount) == (net, tax)
    assert line.gross_amount == net + tax


def test_a_purchases_totals_are_the_sums_of_its_rounded_lines(store, widget, nut):
    # Three lines whose exact tax is 0.0525 each: 0.05 three times, not 0.1575 → 0.16.
    other_nut = ProductFactory(tax_rate=nut.tax_rate)
    purchase = make_purchase(
        store=store,
        lines=[(nut, 3, D("0.35")), (other_nut, 3, D("0.35")), (widget, 1, D("0.10"))],
    )

    totals = Purchase.objects.with_totals().get(pk=purchase.pk)

    lines = list(purchase.lines.all())
    assert [line.tax_amount for line in lines] == [D("0.05"), D("0.05"), D("0.02")]
    assert totals.total_tax == D("0.12") == sum(line.tax_amount for line in lines)
    assert totals.total_value == D("2.20")
    assert totals.total_gross == D("2.32")


def test_an_untaxed_product_gives_a_line_without_tax(store, untaxed):
    line = line_of(make_purchase(store=store, lines=[(untaxed, 4, D("1.00"))]))

    assert (line.tax_percent, line.tax_amount) == (D("0"), D("0"))
    assert line.gross_amount == line.net_amount == D("4.00")


def test_a_product_without_a_rate_of_its_own_takes_its_categorys(store, vat):
    product = ProductFactory(category__tax_rate=vat, tax_rate=None)

    line = line_of(make_purchase(store=store, lines=[(product, 1, D("10.00"))]))

    assert (line.tax_percent, line.tax_amount) == (D("20"), D("2.00"))


def test_unit_costs_are_net_whatever_sale_prices_include(settings, store, widget):
    settings.PRICES_INCLUDE_TAX = True

    purchase = make_purchase(store=store, lines=[(widget, 2, D("10.00"))])

    line = line_of(purchase)
    assert (line.net_amount, line.tax_amount, line.gross_amount) == (
        D("20.00"),
        D("4.00"),
        D("24.00"),
    )
    # Stock and the day's purchases are valued net: the tax is recoverable.
    widget.refresh_from_db()
    assert widget.average_cost == D("10.00")
    assert PurchaseDay.objects.get(date=purchase.date).value == D("20.00")


def test_the_rate_is_read_when_the_purchase_is_recorded_not_from_a_stale_product(
    store, widget, reduced
):
    stale = Product.objects.get(pk=widget.pk)  # as the purchase form read it earlier
    widget.tax_rate = reduced
    widget.save()

    line = line_of(make_purchase(store=store, lines=[(stale, 1, D("10.00"))]))

    assert (line.tax_percent, line.tax_amount) == (D("5"), D("0.50"))


def test_changing_the_products_rate_later_leaves_recorded_lines_alone(store, widget, vat):
    purchase = make_purchase(store=store, lines=[(widget, 3, D("2.50"))])

    vat.percent = D("25")
    vat.save()
    widget.tax_rate = None
    widget.save()

    line = line_of(purchase)
    assert (line.tax_percent, line.tax_amount) == (D("20"), D("1.50"))
    assert Purchase.objects.with_totals().get(pk=purchase.pk).total_tax == D("1.50")


@pytest.mark.parametrize("line_count", [1, 6])
def test_the_tax_rates_of_all_the_lines_are_read_in_one_query(
    store, clerk, vat, reduced, line_count
):
    products = [ProductFactory(tax_rate=(vat, reduced, None)[i % 3]) for i in range(line_count)]

    with CaptureQueriesContext(connection) as queries:
        purchase_record(
            supplier=SupplierFactory(),
            store=store,
            user=clerk,
            lines=[PurchaseLineInput(product, D("1"), D("1.00")) for product in products],
        )

    assert len([q for q in queries.captured_queries if "products_taxrate" in q["sql"]]) == 1


# Receipts against purchase orders


def test_a_receipt_against_an_order_carries_the_tax(store, clerk, widget, nut):
    order = make_order(
        store=store, lines=[(widget, 10, D("2.50")), (nut, 100, D("0.35"))], place=True
    )
    widget_line, nut_line = order.lines.all()

    receipt = order_receive(
        order=order,
        user=clerk,
        lines=[
            ReceiptLineInput(order_line=widget_line, quantity=D("4")),
            ReceiptLineInput(order_line=nut_line, quantity=D("3"), unit_cost=D("0.35")),
        ],
    )

    lines = list(receipt.lines.order_by("pk"))
    assert [(line.tax_percent, line.tax_amount) for line in lines] == [
        (D("20"), D("2.00")),
        (D("5"), D("0.05")),
    ]
    assert Purchase.objects.with_totals().get(pk=receipt.pk).total_tax == D("2.05")


# The purchase's page and the list


def test_the_purchase_page_shows_net_tax_per_rate_and_gross(
    manager_client, store, widget, nut, untaxed
):
    purchase = make_purchase(
        store=store,
        lines=[(widget, 3, D("2.50")), (nut, 3, D("0.35")), (untaxed, 2, D("1.00"))],
    )

    response = manager_client.get(purchase.get_absolute_url())

    content = response.content.decode()
    amounts = response.context["amounts"]
    assert (amounts.net, amounts.tax, amounts.gross) == (D("10.55"), D("1.55"), D("12.10"))
    assert [(band.percent, band.net, band.tax) for band in amounts.bands] == [
        (D("0"), D("2.00"), D("0.00")),
        (D("5"), D("1.05"), D("0.05")),
        (D("20"), D("7.50"), D("1.50")),
    ]
    # Per line: its net amount, its tax and rate.
    assert 'data-testid="line-net">$7.50<' in content
    assert 'data-testid="line-tax">$1.50 <span class="small text-body-secondary">20%<' in content
    assert 'data-testid="line-tax">$0.05 <span class="small text-body-secondary">5%<' in content
    assert 'data-testid="line-tax">$0.00 <span class="small text-body-secondary">0%<' in content
    # Under the lines: net, the tax at each rate, and the total the supplier charged.
    assert 'data-testid="document-total">$10.55<' in content
    assert 'data-testid="document-tax">$1.55<' in content
    assert 'data-testid="total-net">$10.55<' in content
    assert "Tax 5% on $1.05</th>" in content and "Tax 20% on $7.50</th>" in content
    assert content.count('data-testid="tax-band"') == 3
    assert 'data-testid="tax-band">$0.05<' in content
    assert 'data-testid="tax-band">$1.50<' in content
    assert 'data-testid="total-gross">$12.10<' in content


def test_the_page_of_an_untaxed_purchase_shows_no_tax_band(manager_client, store, untaxed):
    purchase = make_purchase(store=store, lines=[(untaxed, 2, D("1.00"))])

    content = manager_client.get(purchase.get_absolute_url()).content.decode()

    assert 'data-testid="tax-band"' not in content
    assert 'data-testid="total-net">$2.00<' in content
    assert 'data-testid="total-gross">$2.00<' in content


def test_the_page_adds_up_the_lines_as_rounded(manager_client, store):
    # 0.333 m at 1.25 is 0.41625: each line shows 0.42, and the total is their sum.
    cable = ProductFactory(unit=Unit.objects.standard()["m"])
    other = ProductFactory(unit=Unit.objects.standard()["m"])
    purchase = make_purchase(
        store=store, lines=[(cable, D("0.333"), D("1.25")), (other, D("0.333"), D("1.25"))]
    )

    content = manager_client.get(purchase.get_absolute_url()).content.decode()

    assert content.count('data-testid="line-net">$0.42<') == 2
    assert 'data-testid="document-total">$0.84<' in content  # not 0.8325 → 0.83


def test_the_purchases_list_shows_the_total_with_tax(manager_client, store, widget, nut):
    purchase = make_purchase(store=store, lines=[(widget, 3, D("2.50")), (nut, 3, D("0.35"))])

    response = manager_client.get(reverse("purchases:list"))

    [row] = response.context["object_list"]
    assert (row.total_value, row.total_tax, row.total_gross) == (D("8.55"), D("1.55"), D("10.10"))
    content = response.content.decode()
    assert ">$8.55<" in content
    assert 'data-testid="purchase-gross">$10.10<' in content
    assert row.pk == purchase.pk


# The CSV export


def test_the_csv_has_the_tax_rate_tax_and_gross_of_each_line(
    manager_client, store, widget, nut, untaxed
):
    purchase = make_purchase(
        store=store,
        lines=[(widget, 3, D("2.50")), (nut, 3, D("0.35")), (untaxed, D("2"), D("1.00"))],
    )
    response = manager_client.get(PURCHASES_CSV)

    header, *rows = csv.reader(
        io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
    )

    assert header[-7:-2] == ["Unit cost", "Line total", "Tax %", "Tax", "Gross"]
    assert [row[0] for row in rows] == [str(purchase.pk)] * 3
    assert [row[-7:-2] for row in rows] == [
        ["2.50", "7.50", "20", "1.50", "9.00"],
        ["0.35", "1.05", "5", "0.05", "1.10"],
        ["1.00", "2.00", "0", "0.00", "2.00"],
    ]


# Session, user, permissions (group + user), the bounded count that decides between
# streaming and a background job, the one chunk of lines.
CSV_QUERIES = 6


@pytest.mark.parametrize("purchases", [1, 10])
def test_the_csv_runs_the_same_queries_however_many_lines(
    manager_client, django_assert_num_queries, store, widget, nut, purchases
):
    for _ in range(purchases):
        make_purchase(store=store, lines=[(widget, 3, D("2.50")), (nut, 3, D("0.35"))])

    with django_assert_num_queries(CSV_QUERIES):
        response = manager_client.get(PURCHASES_CSV)
        content = b"".join(response.streaming_content).decode("utf-8-sig")

    assert len(content.splitlines()) == 1 + 2 * purchases
