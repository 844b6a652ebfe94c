"""The product page's stock table shows what is in transit to each store (transfers, an app
above products, reached through the relations it gives products and stores)."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from products.models import DRAFT_ORDER_STATUS, IN_TRANSIT_STATUS
from products.tests.factories import ProductFactory, stock_up
from purchases.models import PurchaseOrder
from stores.tests.factories import StoreFactory
from transfers.models import Transfer
from transfers.services import transfer_cancel
from transfers.tests.factories import make_transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]


def cells(client, product) -> dict[str, str]:
    """The stock table's cells by their test id."""
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    return dict(
        re.findall(r'data-testid="([\w-]+)">(.*?)</td>', unescape(response.content.decode()))
    )


def test_the_statuses_products_names_are_those_of_the_documents():
    assert DRAFT_ORDER_STATUS == PurchaseOrder.Status.DRAFT
    assert IN_TRANSIT_STATUS == Transfer.Status.DISPATCHED


def test_units_in_transit_are_shown_at_the_store_they_go_to(manager_client, store, manager):
    stocked_here, new_store = StoreFactory(name="Harbour"), StoreFactory(name="Annex")
    glue, tape = ProductFactory(name="Glue"), ProductFactory(name="Tape")
    for product in (glue, tape):
        stock_up(product, store, 100)
    stock_up(glue, stocked_here, 1)
    # In transit: 4 + 6 to Harbour, 5 to Annex (which has no stock row for glue yet).
    make_transfer(
        from_store=store, to_store=stocked_here, lines=[(glue, 4), (tape, 30)], dispatch=True
    )
    make_transfer(from_store=store, to_store=stocked_here, lines=[(glue, 6)], dispatch=True)
    make_transfer(from_store=store, to_store=new_store, lines=[(glue, 5)], dispatch=True)
    # Not in transit: a draft, a received transfer, a cancelled one.
    make_transfer(from_store=store, to_store=stocked_here, lines=[(glue, 7)])
    make_transfer(from_store=store, to_store=stocked_here, lines=[(glue, 2)], receive=True)
    cancelled = make_transfer(
        from_store=store, to_store=new_store, lines=[(glue, 9)], dispatch=True
    )
    transfer_cancel(transfer=cancelled, user=manager, reason="van broke down")

    shown = cells(manager_client, glue)

    assert shown[f"in-transit-{stocked_here.code}"] == "10 pcs"
    assert shown[f"in-transit-{new_store.code}"] == "5 pcs"
    assert shown[f"on-hand-{new_store.code}"] == "0 pcs"
    assert "the defaults apply" in shown[f"rule-{new_store.code}"]
    assert shown[f"in-transit-{store.code}"] == "0 pcs"
    assert shown["in-transit-total"] == "15 pcs"
    assert cells(manager_client, tape)[f"in-transit-{stocked_here.code}"] == "30 pcs"


def test_the_product_page_runs_as_many_queries_with_many_transfers(
    client, manager, django_assert_num_queries, store
):
    client.force_login(manager)
    product = ProductFactory()
    stock_up(product, store, 1000)

    def send_to_a_new_store():
        make_transfer(
            from_store=store, to_store=StoreFactory(), lines=[(product, 1)], dispatch=True
        )

    send_to_a_new_store()
    client.get(product.get_absolute_url())  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as one_transfer:
        client.get(product.get_absolute_url())
    for _ in range(15):
        send_to_a_new_store()

    with django_assert_num_queries(len(one_transfer)):
        response = client.get(product.get_absolute_url())

    assert len(response.context["stock_levels"]) == 17
    assert response.context["in_transit"] == Decimal("16")
