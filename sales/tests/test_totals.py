"""The sales running totals the dashboard reads: kept by the services, checked and rebuilt.

Tests that read them through the dashboard's selectors, or that need purchases, are in
dashboard/tests/test_running_totals.py and inventory_project/tests/test_purchases_and_sales.py."""

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from django.db.models import F

from accounts.tests.factories import staff_user
from products.services import InsufficientStock
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import stock_snapshot
from sales.models import ProductSales, SaleDay, SaleLine
from sales.services import sale_void
from sales.tests.factories import make_sale

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 2)
TUESDAY = datetime.date(2026, 3, 3)


def day_row(model, date) -> dict:
    return model.objects.filter(date=date).values("documents", "units", "value").get()


def product_row(product) -> dict:
    return ProductSales.objects.filter(product=product).values("units", "value").get()


@pytest.fixture
def bolt(store):
    product = ProductFactory(name="Bolt", sale_price=D("2.50"))
    stock_up(product, store, 100, D("1.00"))
    return product


@pytest.fixture
def nut(store):
    product = ProductFactory(name="Nut", sale_price=D("0.40"))
    stock_up(product, store, 100, D("0.10"))
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


# Each line's copy of its sale's date and state (SaleLine.sale_date, voided) ----------------


def line_copies(sale) -> list[tuple]:
    return list(sale.lines.order_by("pk").values_list("sale_date", "voided"))


def test_lines_carry_their_sales_date_and_are_marked_when_it_is_voided(store, bolt, nut):
    kept = make_sale(store=store, date=MONDAY, lines=[(bolt, 1), (nut, 2)])
    voided = make_sale(store=store, date=TUESDAY, lines=[(bolt, 3), (nut, 1)])

    assert line_copies(kept) == [(MONDAY, False), (MONDAY, False)]
    assert line_copies(voided) == [(TUESDAY, False), (TUESDAY, False)]

    sale_void(sale=voided, user=staff_user(), reason="Keyed twice")

    assert line_copies(voided) == [(TUESDAY, True), (TUESDAY, True)]
    assert line_copies(kept) == [(MONDAY, False), (MONDAY, False)]
    # What every per-product figure of a period reads: the kept sale's lines only.
    assert SaleLine.objects.of_valid_documents().in_period(MONDAY, TUESDAY).count() == 2
    assert SaleLine.objects.of_valid_documents().in_period(TUESDAY, TUESDAY).count() == 0


def test_verify_stock_reports_a_line_whose_copy_differs_and_rebuild_totals_repairs_it(
    store, bolt, nut
):
    kept = make_sale(store=store, date=MONDAY, lines=[(bolt, 1)])
    voided = make_sale(store=store, date=TUESDAY, lines=[(nut, 2)])
    sale_void(sale=voided, user=staff_user(), reason="Keyed twice")
    # As a restore of an older backup, or a write behind the services' back, may leave them.
    kept.lines.update(sale_date=TUESDAY)
    voided.lines.update(voided=False)

    with pytest.raises(CommandError, match="2 running total"):
        call_command("verify_stock", stdout=(output := StringIO()))
    assert f"Sale #{kept.pk} line {kept.lines.get().pk}: dated {TUESDAY}, its sale {MONDAY}" in (
        output.getvalue()
    )
    assert f"line {voided.lines.get().pk}: dated {TUESDAY}, its sale {TUESDAY} voided" in (
        output.getvalue()
    )

    call_command("rebuild_totals", stdout=StringIO())

    assert line_copies(kept) == [(MONDAY, False)]
    assert line_copies(voided) == [(TUESDAY, True)]
    call_command("verify_stock", stdout=StringIO())
