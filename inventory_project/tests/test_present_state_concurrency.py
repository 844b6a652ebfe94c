"""The kept present state (products.state) under real threads: purchases that move an
average (and so revalue every store's rows of the product), sales, rule edits and the
archiving of a supplier and a store, all at once, in both line orders. Nothing deadlocks,
and every kept figure still matches what it summarises (as in test_concurrency, whose
database set-up this reuses)."""

from decimal import Decimal

import pytest

from inventory_project.tests.test_concurrency import (
    run_together,
    threaded_database,  # noqa: F401 (a fixture)
    unexpected_errors,
)
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import StockLevel, StockRule
from products.state import state_differences
from products.tests.factories import ProductFactory
from products.tests.stock_checks import assert_ledger_consistent
from purchases.services import PurchaseLineInput, purchase_record
from sales.services import SaleLineInput, sale_confirm
from stores.tests.factories import StoreFactory

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("threaded_database"),
]

ROUNDS = 4


def test_documents_rule_edits_and_archiving_at_once_keep_the_state(store, clerk):
    other = StoreFactory(name="Other")
    supplier = SupplierFactory()
    products = [ProductFactory(supplier=supplier, reorder_level=Decimal(5)) for _ in range(3)]
    for where in (store, other):
        purchase_record(
            supplier=supplier,
            store=where,
            user=clerk,
            lines=[PurchaseLineInput(p, 20, Decimal("4.00")) for p in products],
        )
    customer = CustomerFactory()

    def work(index):
        outcomes = []
        for round_number in range(ROUNDS):
            ordered = products if (index + round_number) % 2 else products[::-1]
            where = store if round_number % 2 else other
            try:
                if index == 0:  # archives and restores the supplier, then the other store
                    record = supplier if round_number % 2 else other
                    record.archive()
                    record.restore()
                elif index == 1:  # edits rules of every product at both stores
                    StockLevel.objects.set_rules(
                        [
                            StockRule(p.pk, s.pk, minimum=Decimal(round_number + 2))
                            for p in ordered
                            for s in (store, other)
                        ]
                    )
                elif index % 2 == 0:  # buys at a new cost: every store's rows revalued
                    purchase_record(
                        supplier=supplier,
                        store=where,
                        user=clerk,
                        lines=[
                            PurchaseLineInput(p, 2, Decimal(5 + index + round_number))
                            for p in ordered
                        ],
                    )
                else:
                    sale_confirm(
                        customer=customer,
                        store=where,
                        user=clerk,
                        lines=[SaleLineInput(p, 1, Decimal("9.00")) for p in ordered],
                    )
                outcomes.append("done")
            except Exception as error:
                outcomes.append(error)
        return outcomes

    results, _ = run_together(8, work)

    assert unexpected_errors(results) == []
    assert state_differences() == []
    assert_ledger_consistent()
