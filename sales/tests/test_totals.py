"""The running totals the dashboard reads: kept by the services, checked and rebuilt."""

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from django.db.models import F

from dashboard.periods import Period
from dashboard.selectors import period_totals, top_products
from products.services import InsufficientStock
from products.tests.factories import ProductFactory
from products.tests.stock_checks import stock_snapshot
from purchases.models import PurchaseDay
from purchases.services import purchase_void
from purchases.services import rebuild_totals as rebuild_purchase_totals
from purchases.tests.factories import make_purchase, receive, staff_user
from sales.models import ProductSales, SaleDay
from sales.services import rebuild_totals as rebuild_sale_totals
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


def test_sales_add_to_their_day_and_products(store, bolt, nut):
    make_sale(store=store, date=MONDAY, lines=[(bolt, 3), (nut, 10), (bolt, 1, D("2.00"))])
    make_sale(store=store, date=MONDAY, lines=[(nut, 5, D("0.50"))])
    make_sale(store=store, date=TUESDAY, lines=[(bolt, 2)])

    assert day_row(SaleDay, MONDAY) == {"documents": 2, "units": 19, "value": D("16.00")}
    assert SaleDay.objects.get(date=MONDAY).cost == D("5.50")
    assert day_row(SaleDay, TUESDAY) == {"documents": 1, "units": 2, "value": D("5.00")}
    assert product_row(bolt) == {"units": 6, "value": D("14.50")}
    assert product_row(nut) == {"units": 15, "value": D("6.50")}


def test_void_takes_a_sale_out_and_leaves_the_day_at_zero(store, bolt):
    sale = make_sale(store=store, date=MONDAY, lines=[(bolt, 3)])

    sale_void(sale=sale, user=staff_user(), reason="Keyed twice")

    assert day_row(SaleDay, MONDAY) == {"documents": 0, "units": 0, "value": D("0")}
    assert SaleDay.objects.get(date=MONDAY).cost == 0
    assert product_row(bolt) == {"units": 0, "value": D("0")}
    assert period_totals(ALL_TIME)["sold"]["documents"] == 0
    assert top_products(ALL_TIME) == []


def test_purchases_add_to_their_day_and_voids_take_them_out(store, bolt):
    purchase = make_purchase(store=store, date=MONDAY, lines=[(bolt, 10, D("1.25"))])
    make_purchase(store=store, date=MONDAY, lines=[(bolt, 4, D("1.00"))])

    assert day_row(PurchaseDay, MONDAY) == {"documents": 2, "units": 14, "value": D("16.50")}

    purchase_void(purchase=purchase, user=staff_user(), reason="Wrong supplier")

    assert day_row(PurchaseDay, MONDAY) == {"documents": 1, "units": 4, "value": D("4.00")}


def test_a_refused_sale_changes_no_total(store, bolt, nut):
    make_sale(store=store, date=MONDAY, lines=[(bolt, 1)])
    before = stock_snapshot()

    with pytest.raises(InsufficientStock):
        make_sale(store=store, date=MONDAY, lines=[(nut, 1), (bolt, 1_000)])

    assert stock_snapshot() == before
    assert day_row(SaleDay, MONDAY)["documents"] == 1
    assert not ProductSales.objects.filter(product=nut).exists()


def test_voiding_a_sale_that_was_never_counted_fails_and_changes_nothing(store, bolt):
    sale = make_sale(store=store, date=MONDAY, lines=[(bolt, 3)])
    SaleDay.objects.all().delete()  # as if written behind the services' back
    before = stock_snapshot()

    with pytest.raises(IntegrityError, match="rebuild_totals"):
        sale_void(sale=sale, user=staff_user(), reason="Keyed twice")

    assert stock_snapshot() == before


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


def test_verify_stock_reports_a_wrong_total_and_rebuild_totals_repairs_it(store, bolt):
    make_sale(store=store, date=MONDAY, lines=[(bolt, 3)])
    SaleDay.objects.filter(date=MONDAY).update(units=F("units") + 1)
    ProductSales.objects.filter(product=bolt).delete()

    with pytest.raises(CommandError, match="2 running total"):
        call_command("verify_stock", stdout=(output := StringIO()))
    assert f"Sales on {MONDAY}: stored {{'documents': 1, 'units': 4" in output.getvalue()
    assert f"Sales of product {bolt.pk}: stored {{'units': 0" in output.getvalue()

    call_command("rebuild_totals", stdout=StringIO())

    assert day_row(SaleDay, MONDAY)["units"] == 3
    assert product_row(bolt) == {"units": 3, "value": D("7.50")}
    call_command("verify_stock", stdout=StringIO())


def test_rebuilding_from_the_lines_gives_what_the_services_kept(store, bolt, nut):
    make_sale(store=store, date=MONDAY, lines=[(bolt, 3), (nut, 10)])
    voided = make_sale(store=store, date=TUESDAY, lines=[(nut, 1)])
    sale_void(sale=voided, user=staff_user(), reason="Test")
    kept = stock_snapshot()

    rebuild_purchase_totals()
    rebuild_sale_totals()

    rebuilt = stock_snapshot()
    # The rebuild leaves out the day emptied by the void; every other row is equal.
    assert rebuilt["sale_days"] == [row for row in kept["sale_days"] if row[1]]
    assert rebuilt["purchase_days"] == kept["purchase_days"]
    assert rebuilt["product_sales"] == kept["product_sales"]
