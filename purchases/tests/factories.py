"""Purchases are made through the stock engine, never by writing rows directly,
so the stock and ledger in tests are always consistent."""

from decimal import Decimal

from accounts.tests.factories import staff_user
from people.tests.factories import SupplierFactory
from purchases.orders import OrderLineInput, order_create, order_place
from purchases.services import PurchaseLineInput, purchase_record
from stores.tests.factories import StoreFactory


def make_purchase(*, store=None, supplier=None, lines, user=None, **kwargs):
    """Record a purchase; ``lines`` is a list of (product, quantity[, unit_cost])."""
    return purchase_record(
        store=store or StoreFactory(),
        supplier=supplier or SupplierFactory(),
        user=user or staff_user(),
        lines=[
            PurchaseLineInput(
                product=line[0],
                quantity=line[1],
                unit_cost=line[2] if len(line) > 2 else line[0].cost_price,
            )
            for line in lines
        ],
        **kwargs,
    )


def receive(product, store, quantity, unit_cost=Decimal("4.00")):
    """Put ``quantity`` of ``product`` on hand at ``store`` through a purchase."""
    return make_purchase(store=store, lines=[(product, quantity, unit_cost)])


def make_order(*, store=None, supplier=None, lines, user=None, place=False, **kwargs):
    """A draft purchase order (placed if ``place``); ``lines``: (product, quantity[, cost])."""
    user = user or staff_user()
    order = order_create(
        store=store or StoreFactory(),
        supplier=supplier or SupplierFactory(),
        user=user,
        lines=[
            OrderLineInput(
                product=line[0],
                quantity=Decimal(line[1]),
                unit_cost=line[2] if len(line) > 2 else line[0].cost_price,
            )
            for line in lines
        ],
        **kwargs,
    )
    if place:
        order = order_place(order=order, user=user)
    return order
