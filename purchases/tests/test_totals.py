"""The purchases' running totals: each day's purchases, kept by the services."""

import datetime
from decimal import Decimal as D

import pytest

from accounts.tests.factories import staff_user
from products.tests.factories import ProductFactory
from purchases.models import PurchaseDay
from purchases.services import purchase_void
from purchases.tests.factories import make_purchase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

MONDAY = datetime.date(2026, 3, 2)


def day_row(model, date) -> dict:
    return model.objects.filter(date=date).values("documents", "units", "value").get()


@pytest.fixture
def bolt():
    return ProductFactory(name="Bolt", sale_price=D("2.50"))


def test_purchases_add_to_their_day_and_voids_take_them_out(store, bolt):
    purchase = make_purchase(store=store, date=MONDAY, lines=[(bolt, 10, D("1.25"))])
    make_purchase(store=store, date=MONDAY, lines=[(bolt, 4, D("1.00"))])

    assert day_row(PurchaseDay, MONDAY) == {"documents": 2, "units": 14, "value": D("16.50")}

    purchase_void(purchase=purchase, user=staff_user(), reason="Wrong supplier")

    assert day_row(PurchaseDay, MONDAY) == {"documents": 1, "units": 4, "value": D("4.00")}
