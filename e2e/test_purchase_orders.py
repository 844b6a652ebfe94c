"""Replenishing in the browser: a suggestion becomes a draft order, which is sent and received
in two deliveries, with stock and on-order following each step."""

import re
from decimal import Decimal

import pytest

from e2e.actions import expect, expect_message, open_section
from products.models import StockLevel, StockRule
from products.tests.factories import ProductFactory
from purchases.models import PurchaseOrder
from purchases.tests.factories import receive
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


def level(product, store) -> StockLevel:
    return StockLevel.objects.get(product=product, store=store)


def test_a_suggestion_becomes_an_order_received_in_two_deliveries(manager_page):
    page = manager_page
    store = StoreFactory(name="Harbour Street", code="HBR")
    drill = ProductFactory(sku="DRL-1", name="Cordless drill", cost_price=Decimal("40.00"))
    receive(drill, store, 2, Decimal("40.00"))
    # Below its minimum of 5: order up to 20, in boxes of 6 -> 18.
    StockLevel.objects.set_rules(
        [
            StockRule(
                drill.pk, store.pk, minimum=Decimal(5), maximum=Decimal(20), multiple=Decimal(6)
            )
        ]
    )

    open_section(page, "Replenish")
    row = page.get_by_test_id("suggestion-DRL-1-HBR")
    expect(row.get_by_test_id("projected")).to_have_text("2")
    expect(row.get_by_test_id("suggested")).to_have_text("18 pcs")
    row.get_by_role("checkbox").check()
    page.get_by_test_id("create-drafts").click()
    expect_message(page, re.compile(r"Drafts created: purchase orders Purchase order #\d+"))
    # The draft counts in the projection: nothing is suggested twice.
    expect(page.get_by_test_id("suggestion-DRL-1-HBR")).to_have_count(0)

    page.get_by_role("link", name=re.compile(r"Purchase order #\d+")).first.click()
    expect(page.get_by_test_id("order-status")).to_have_text("Draft")
    expect(page.get_by_test_id("order-value")).to_have_text("$720.00")
    page.get_by_role("button", name="Send to supplier").click()
    expect_message(page, re.compile(r"Purchase order #\d+ was "))
    expect(page.get_by_test_id("order-status")).to_have_text("Ordered")
    assert level(drill, store).on_order == 18

    # Half arrives.
    page.get_by_role("link", name="Receive goods").click()
    quantity = page.get_by_label(re.compile(r"^Cordless drill now"))
    expect(quantity).to_have_value("18")
    quantity.fill("9")
    page.get_by_role("button", name="Receive", exact=True).click()
    expect_message(page, re.compile(r"Purchase #\d+ was recorded.*partially received"))
    expect(page.get_by_test_id("order-status")).to_have_text("Partially received")
    expect(page.get_by_test_id("line-outstanding")).to_have_text("9 pcs")
    assert (level(drill, store).quantity, level(drill, store).on_order) == (11, 9)

    # The product page shows both.
    page.get_by_role("link", name="Cordless drill (DRL-1)").first.click()
    expect(page.get_by_test_id("on-hand-HBR")).to_have_text("11 pcs")
    expect(page.get_by_test_id("on-order-HBR")).to_have_text("9 pcs")
    page.go_back()

    # The rest arrives, pre-filled with what is outstanding.
    page.get_by_role("link", name="Receive goods").click()
    expect(page.get_by_label(re.compile(r"^Cordless drill now"))).to_have_value("9")
    page.get_by_role("button", name="Receive", exact=True).click()
    expect_message(page, re.compile(r"Purchase #\d+ was recorded.*is received"))
    expect(page.get_by_test_id("order-status")).to_have_text("Received")
    assert (level(drill, store).quantity, level(drill, store).on_order) == (20, 0)
    assert PurchaseOrder.objects.get().receipts.count() == 2
