"""Money is bounded where it enters, so the running totals can never overflow.

A unit price or cost is at most MAX_UNIT_PRICE and a line worth at most
MAX_LINE_VALUE (core.models): the forms refuse more, and check constraints
forbid it. The largest documents allowed, several in one day, still save and
total exactly on every database.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.tests.factories import staff_user
from core.documents import MAX_DOCUMENT_LINES
from core.models import MAX_LINE_VALUE, MAX_UNIT_PRICE
from core.totals import registered_running_totals
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import Product
from products.tests.factories import ProductFactory
from products.tests.stock_checks import stock_snapshot
from purchases.models import Purchase, PurchaseDay, PurchaseLine
from purchases.services import PurchaseLineInput, purchase_record
from sales.models import ProductSales, Sale, SaleDay, SaleLine
from sales.services import SaleLineInput, sale_confirm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

DAY = datetime.date(2026, 3, 2)
# The largest line: MAX_LINE_VALUE is 100 units at MAX_UNIT_PRICE.
LARGEST_LINE_QUANTITY = int(MAX_LINE_VALUE / MAX_UNIT_PRICE)
DOCUMENTS = 3


@pytest.fixture
def gold():
    return ProductFactory(name="Gold bar", cost_price=MAX_UNIT_PRICE, sale_price=MAX_UNIT_PRICE)


def largest_purchase(store, product):
    return purchase_record(
        supplier=SupplierFactory(),
        store=store,
        user=staff_user(),
        date=DAY,
        lines=[PurchaseLineInput(product, LARGEST_LINE_QUANTITY, MAX_UNIT_PRICE)]
        * MAX_DOCUMENT_LINES,
    )


def largest_sale(store, product):
    return sale_confirm(
        customer=CustomerFactory(),
        store=store,
        user=staff_user(),
        date=DAY,
        lines=[SaleLineInput(product, LARGEST_LINE_QUANTITY, MAX_UNIT_PRICE)] * MAX_DOCUMENT_LINES,
    )


def test_the_largest_documents_several_in_one_day_save_and_total_exactly(store, gold):
    document_value = MAX_LINE_VALUE * MAX_DOCUMENT_LINES  # 10,000,000,000.00
    units = LARGEST_LINE_QUANTITY * MAX_DOCUMENT_LINES

    for _ in range(DOCUMENTS):
        largest_purchase(store, gold)
    for _ in range(DOCUMENTS):
        largest_sale(store, gold)

    purchases = PurchaseDay.objects.values("documents", "units", "value").get(date=DAY)
    assert purchases == {
        "documents": DOCUMENTS,
        "units": DOCUMENTS * units,
        "value": DOCUMENTS * document_value,
    }
    sales = SaleDay.objects.values("documents", "units", "value", "cost").get(date=DAY)
    assert sales == {
        "documents": DOCUMENTS,
        "units": DOCUMENTS * units,
        "value": DOCUMENTS * document_value,
        "cost": DOCUMENTS * document_value,
    }
    assert ProductSales.objects.get(product=gold).value == DOCUMENTS * document_value
    assert Product.objects.get(pk=gold.pk).average_cost == MAX_UNIT_PRICE
    assert [d for totals in registered_running_totals() for d in totals.differences()] == []


@pytest.mark.parametrize(
    ("model", "price_field", "quantity", "price"),
    [
        (PurchaseLine, "unit_cost", 1, MAX_UNIT_PRICE + Decimal("0.01")),
        (PurchaseLine, "unit_cost", LARGEST_LINE_QUANTITY + 1, MAX_UNIT_PRICE),
        (SaleLine, "unit_price", 1, MAX_UNIT_PRICE + Decimal("0.01")),
        (SaleLine, "unit_price", LARGEST_LINE_QUANTITY + 1, MAX_UNIT_PRICE),
    ],
    ids=["purchase price", "purchase line value", "sale price", "sale line value"],
)
def test_the_database_refuses_a_line_beyond_the_bounds(
    store, gold, model, price_field, quantity, price
):
    document = (
        Purchase.objects.create(supplier=SupplierFactory(), store=store, created_by=staff_user())
        if model is PurchaseLine
        else Sale.objects.create(customer=CustomerFactory(), store=store, created_by=staff_user())
    )
    line = {
        "purchase" if model is PurchaseLine else "sale": document,
        "product": gold,
        "quantity": quantity,
        price_field: price,
    }
    if model is SaleLine:
        line["unit_cost"] = Decimal("1")

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**line)


def test_the_database_refuses_a_product_price_beyond_the_bound(gold):
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=gold.pk).update(sale_price=MAX_UNIT_PRICE + Decimal("0.01"))


@pytest.mark.parametrize("route", ["purchases:create", "sales:create"])
def test_a_line_worth_more_than_the_most_is_refused_by_the_form(manager_client, store, gold, route):
    party = "supplier" if route == "purchases:create" else "customer"
    price = "unit_cost" if route == "purchases:create" else "unit_price"
    maker = SupplierFactory if party == "supplier" else CustomerFactory
    before = stock_snapshot()

    response = manager_client.post(
        reverse(route),
        {
            party: maker().pk,
            "store": store.pk,
            "date": DAY.isoformat(),
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": gold.sku,
            "lines-0-quantity": str(LARGEST_LINE_QUANTITY + 1),
            f"lines-0-{price}": str(MAX_UNIT_PRICE),
        },
    )

    assert response.status_code == 200
    assert "A line may be worth at most 100,000,000.00" in response.content.decode()
    assert stock_snapshot() == before
