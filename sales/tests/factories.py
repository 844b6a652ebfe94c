"""Sales are made through the stock engine, so tests see consistent stock and ledger."""

from accounts.tests.factories import staff_user
from people.tests.factories import CustomerFactory
from sales.services import SaleLineInput, sale_confirm
from stores.tests.factories import StoreFactory


def make_sale(*, store=None, customer=None, lines, user=None, **kwargs):
    """Confirm a sale; ``lines`` is a list of (product, quantity[, unit_price])."""
    return sale_confirm(
        store=store or StoreFactory(),
        customer=customer or CustomerFactory(),
        user=user or staff_user(),
        lines=[
            SaleLineInput(
                product=line[0],
                quantity=line[1],
                unit_price=line[2] if len(line) > 2 else line[0].sale_price,
            )
            for line in lines
        ],
        **kwargs,
    )
