"""Drafting transfers from one store for several others at once never gives away more than
it can spare: real threads, as in test_concurrency (whose database set-up this reuses)."""

from decimal import Decimal

import pytest

from inventory_project.tests.test_concurrency import (
    run_together,
    threaded_database,  # noqa: F401 (a fixture)
    unexpected_errors,
)
from products.tests.factories import ProductFactory, stock_up
from replenishment.selectors import explain, replenishment_needs
from replenishment.services import DraftChoice, Drafts, ReplenishmentRefused, drafts_create
from replenishment.tests.factories import set_rule
from stores.tests.factories import StoreFactory
from transfers.models import TransferLine

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("threaded_database"),
]


def test_batches_for_several_stores_share_the_source_surplus(store, clerk):
    glue = ProductFactory(name="Glue")
    stock_up(glue, store, 45)
    set_rule(glue, store, minimum=5, maximum=20)  # 25 to spare
    destinations = StoreFactory.create_batch(5)
    for destination in destinations:
        set_rule(glue, destination, minimum=2, maximum=10)  # each wants 10
    # What each person's page showed, before anyone drafted: 10 from Main Street each.
    choices = [
        DraftChoice(row.pk, "transfer", row.transfer_quantity, from_store_id=row.transfer_from)
        for row in explain(replenishment_needs().filter(product=glue).exclude(store=store))
    ]
    assert [(choice.quantity, choice.from_store_id) for choice in choices] == [(10, store.pk)] * 5

    results, _ = run_together(
        len(choices), lambda index: drafts_create(choices=[choices[index]], user=clerk)
    )

    assert unexpected_errors(results, allowed=(ReplenishmentRefused,)) == []
    assert sum(isinstance(result, Drafts) for result in results) == 2
    drafted = TransferLine.objects.filter(transfer__from_store=store).values_list(
        "quantity", flat=True
    )
    assert sum(drafted, Decimal("0")) == 20  # of the 25 to spare; 5 are left for a third
