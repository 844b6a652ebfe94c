"""The running totals the dashboard reads, as its selectors see them."""

import datetime
from decimal import Decimal as D

import pytest

from accounts.tests.factories import staff_user
from dashboard.periods import Period
from dashboard.selectors import period_totals, top_products
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from sales.models import ProductSales, SaleDay
from sales.services import sale_void
from sales.tests.factories import make_sale

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 2)
TUESDAY = datetime.date(2026, 3, 3)
ALL_TIME = Period("all", "All time", None, None)


def day_row(model, date) -> dict:
    return model.objects.filter(date=date).values("documents", "units", "value").get()


def product_row(product) -> dict:
    return ProductSales.objects.filter(product=product).values("units", "value").get()


@pytest.fixture
def bolt(store):
    product = ProductFactory(name="Bolt", sale_price=D("2.50"))
    receive(product, store, 100, D("1.00"))
    return product


@pytest.fixture
def nut(store):
    product = ProductFactory(name="Nut", sale_price=D("0.40"))
    receive(product, store, 100, D("0.10"))
    return product


def test_void_takes_a_sale_out_and_leaves_the_day_at_zero(store, bolt):
    sale = make_sale(store=store, date=MONDAY, lines=[(bolt, 3)])

    sale_void(sale=sale, user=staff_user(), reason="Keyed twice")

    assert day_row(SaleDay, MONDAY) == {"documents": 0, "units": 0, "value": D("0")}
    assert SaleDay.objects.get(date=MONDAY).cost == 0
    assert product_row(bolt) == {"units": 0, "value": D("0")}
    assert period_totals(ALL_TIME)["sold"]["documents"] == 0
    assert top_products(ALL_TIME) == []


def test_all_time_top_products_read_the_product_totals_and_match_the_lines(store, bolt, nut):
    make_sale(store=store, date=MONDAY, lines=[(bolt, 3), (nut, 10)])
    make_sale(store=store, date=TUESDAY, lines=[(nut, 40)])
    # A period starting after the first sale is totalled from the lines instead.
    from_tuesday = Period("custom", "From Tuesday", TUESDAY, None)

    ranking = top_products(ALL_TIME)

    assert [(row["product__name"], row["units"], row["value"]) for row in ranking] == [
        ("Nut", 50, D("20.00")),
        ("Bolt", 3, D("7.50")),
    ]
    assert [(row["product__name"], row["units"]) for row in top_products(from_tuesday)] == [
        ("Nut", 40)
    ]
