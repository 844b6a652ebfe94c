"""Moving goods between stores in the browser: create, dispatch, receive with a shortfall."""

import re
from decimal import Decimal

import pytest

from e2e.actions import document_line, expect, expect_message, fill_line, labelled, open_section
from products.models import StockLevel, StockMovement
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_transfer_with_a_shortfall_moves_stock_and_shows_the_variance(manager_page):
    page = manager_page
    harbour = StoreFactory(name="Harbour Street", code="HBR")
    StoreFactory(name="Hill Road", code="HIL")
    drill = ProductFactory(sku="DRL-2", name="Cordless drill")
    receive(drill, harbour, 10, Decimal("40.00"))

    open_section(page, "Transfers")
    page.get_by_role("link", name="New transfer").click()
    page.get_by_label(labelled("From store")).select_option(label="Harbour Street")
    page.get_by_label(labelled("To store")).select_option(label="Hill Road")
    fill_line(document_line(page, 0), "Cordless drill", 4)
    page.get_by_role("button", name="Save draft").click()
    expect_message(page, re.compile(r"Transfer #\d+ was recorded\."))
    expect(page.get_by_test_id("transfer-status")).to_have_text("Draft")

    page.get_by_role("button", name="Dispatch").click()
    expect_message(page, re.compile(r"Transfer #\d+ was dispatched"))
    expect(page.get_by_test_id("transfer-status")).to_have_text("In transit")
    expect(page.get_by_test_id("transfer-value")).to_have_text("$160.00")

    received = page.get_by_label(re.compile(r"^\s*Cordless drill \(pcs\)"))
    expect(received).to_have_value("4")
    received.fill("3")
    page.get_by_label("Reason for a difference").fill("One drill broken in the van")
    page.get_by_role("button", name="Receive").click()
    expect_message(page, re.compile(r"Transfer #\d+ was received\."))
    expect(page.get_by_test_id("line-variance")).to_have_text("-1 pcs")

    page.get_by_role("link", name="Cordless drill (DRL-2)").click()
    expect(page.get_by_test_id("on-hand-HBR")).to_have_text("6 pcs")
    expect(page.get_by_test_id("on-hand-HIL")).to_have_text("3 pcs")
    variance = page.get_by_role("row").filter(has_text="Transit variance")
    expect(variance).to_contain_text("-1")
    expect(variance).to_contain_text("One drill broken in the van")
    assert StockMovement.objects.filter(kind="transit_variance").get().quantity == -1
    assert sorted(StockLevel.objects.values_list("quantity", flat=True)) == [3, 6]
