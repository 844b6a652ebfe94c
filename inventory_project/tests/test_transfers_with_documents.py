"""Transfers beside purchases and sales: a void that re-costs a transfer, a destination
that sold what it received."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from products.models import StockMovement
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import stock_snapshot
from purchases.services import purchase_void
from purchases.tests.factories import receive as purchase
from sales.tests.factories import make_sale
from transfers.models import Transfer
from transfers.services import TransferRefused, transfer_void
from transfers.tests.factories import make_transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

Kind = StockMovement.Kind


@pytest.fixture
def drill(store):
    product = ProductFactory(name="Cordless drill")
    stock_up(product, store, 10, unit_cost=Decimal("40.00"))
    return product


def test_void_is_refused_once_the_destination_sold_the_units(store, other_store, drill):
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(drill, 4)], receive=True
    )
    make_sale(store=other_store, lines=[(drill, 3)])
    before = stock_snapshot()

    with pytest.raises(
        TransferRefused, match=f"{other_store.name} no longer holds what it received"
    ):
        transfer_void(transfer=transfer, user=transfer.created_by, reason="Oops")

    assert stock_snapshot() == before
    assert Transfer.objects.get().status == Transfer.Status.RECEIVED


def test_voiding_an_earlier_purchase_recosts_the_transfer_both_ways(store, other_store, clerk):
    product = ProductFactory(name="Widget")
    stock_up(product, store, 5, unit_cost=Decimal("10.00"))
    expensive = purchase(product, store, 5, Decimal("30.00"))  # average 20
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(product, 2)], receive=True
    )
    make_sale(store=store, lines=[(product, 1)])
    line = transfer.lines.get()
    assert line.unit_cost == Decimal("20.0000")

    purchase_void(purchase=expensive, user=clerk, reason="Not ours")

    # Without the $30 purchase the units left, and arrived, at $10.
    line.refresh_from_db()
    assert line.unit_cost == Decimal("10.0000")
    costs = dict(
        StockMovement.objects.filter(
            kind__in=[Kind.TRANSFER_OUT, Kind.TRANSFER_IN], document_id=transfer.pk
        ).values_list("kind", "unit_cost")
    )
    assert costs == {Kind.TRANSFER_OUT: Decimal("10"), Kind.TRANSFER_IN: Decimal("10")}
    call_command("verify_stock", stdout=StringIO())
