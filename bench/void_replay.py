"""How long voiding an old purchase takes with many sales after it (python -m bench.void_replay).

The void revalues the product from the purchase's place in the ledger: every
later movement is replayed and every later sale re-costed (products.valuation).
This builds that history in a fresh test database (made and dropped by
Django's test machinery, so it never touches real data): one product, an
opening stock, the purchase to void, then N one-unit sales through the real
services; then it times the void and the preview its page shows. Run it with
DATABASE_URL pointing at the server to measure (SQLite by default). Numbers go
to docs/PERFORMANCE.md by hand, with the machine.
"""

import argparse
import os
import time
from decimal import Decimal

import django


def build_and_time(sales: int) -> dict[str, float]:
    from accounts.tests.factories import staff_user
    from people.tests.factories import CustomerFactory, SupplierFactory
    from products.models import StockMovement
    from products.tests.factories import ProductFactory, stock_up
    from products.valuation import preview_void
    from purchases.services import PurchaseLineInput, purchase_record, purchase_void
    from sales.models import SaleLine
    from sales.services import SaleLineInput, sale_confirm
    from stores.tests.factories import StoreFactory

    user, store = staff_user(), StoreFactory()
    product = ProductFactory(sale_price=Decimal("25.00"))
    customer, supplier = CustomerFactory(), SupplierFactory()
    stock_up(product, store, sales + 10, Decimal("10.00"))
    old = purchase_record(
        supplier=supplier,
        store=store,
        user=user,
        lines=[PurchaseLineInput(product, 10, Decimal("30.00"))],
    )
    began = time.perf_counter()
    for _ in range(sales):
        sale_confirm(
            customer=customer,
            store=store,
            user=user,
            lines=[SaleLineInput(product, 1, Decimal("25.00"))],
        )
    figures = {"one sale (mean)": (time.perf_counter() - began) / sales}

    began = time.perf_counter()
    preview_void(StockMovement.Kind.PURCHASE, old.pk)
    figures["the void's preview"] = time.perf_counter() - began

    began = time.perf_counter()
    purchase_void(purchase=old, user=user, reason="Entered twice")
    figures["the void"] = time.perf_counter() - began

    costs = set(SaleLine.objects.filter(product=product).values_list("unit_cost", flat=True))
    assert costs == {Decimal("10.0000")}, costs  # every later sale re-costed
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1000)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inventory_project.test_settings")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        figures = build_and_time(options.sales)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"{connection.vendor}: void of a purchase with {options.sales:,} later sales")
    for name, seconds in figures.items():
        print(f"  {name:20} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
