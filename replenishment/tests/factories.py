"""Stock, rules, orders and transfers for replenishment tests, all made through the services."""

from decimal import Decimal

from products.models import StockLevel, StockRule
from products.tests.factories import ProductFactory, stock_up
from purchases.tests.factories import make_order
from transfers.tests.factories import make_transfer

__all__ = [
    "ProductFactory",
    "level",
    "make_order",
    "make_transfer",
    "set_rule",
    "stock_up",
    "stocked",
]


def set_rule(product, store, minimum=None, maximum=None, multiple=None):
    """Give ``product`` a rule of its own at ``store`` (creating its stock row if missing)."""
    StockLevel.objects.set_rules(
        [
            StockRule(
                product_id=product.pk,
                store_id=store.pk,
                minimum=None if minimum is None else Decimal(minimum),
                maximum=None if maximum is None else Decimal(maximum),
                multiple=None if multiple is None else Decimal(multiple),
            )
        ]
    )


def stocked(store, quantity, *, minimum=None, maximum=None, multiple=None, **product_fields):
    """A new product holding ``quantity`` at ``store``, with a rule there if one is given."""
    product = ProductFactory(**product_fields)
    if quantity:
        stock_up(product, store, Decimal(quantity))
    if minimum is not None or maximum is not None or multiple is not None:
        set_rule(product, store, minimum, maximum, multiple)
    return product


def level(product, store) -> StockLevel:
    return StockLevel.objects.get(product=product, store=store)
