"""Tests that need both a purchase and a sale (moved from the document apps' tests:
purchases and sales never import each other)."""

import datetime
from decimal import Decimal as D

import pytest

from accounts.tests.factories import staff_user
from products.tests.factories import ProductFactory
from products.tests.stock_checks import stock_snapshot
from purchases.services import rebuild_totals as rebuild_purchase_totals
from purchases.tests.factories import receive
from sales.services import rebuild_totals as rebuild_sale_totals
from sales.services import sale_void
from sales.tests.factories import make_sale

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 2)
TUESDAY = datetime.date(2026, 3, 3)


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


# From sales/tests/test_totals.py: the purchases that stocked the bolts and nuts are
# counted in purchase days, and the rebuild must give those back too.
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
