"""The pages work on a phone: the sale flow at 390 × 844, with the navigation collapsed."""

import re
from decimal import Decimal

import pytest

from e2e.actions import (
    choose_party,
    document_line,
    expect,
    expect_message,
    fill_line,
    labelled,
    open_section,
)
from people.tests.factories import CustomerFactory
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture
def viewport():
    return {"width": 390, "height": 844}


def test_phone_user_records_sale_through_collapsed_navigation(manager_page):
    store = StoreFactory(name="Harbour Street", code="HBR")
    CustomerFactory(name="Bob Builder")
    hammer = ProductFactory(sku="HAM-1", name="Claw hammer", sale_price=Decimal("12.90"))
    receive(hammer, store, 5)
    page = manager_page

    navigation = page.get_by_role("navigation", name="Main navigation")
    toggler = page.get_by_role("button", name="Toggle navigation")
    expect(toggler).to_be_visible()
    expect(navigation.get_by_role("link", name="Sales", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="Log out")).to_be_hidden()
    assert not page.evaluate(PAGE_WIDER_THAN_SCREEN), "the dashboard scrolls sideways"

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    navigation.get_by_role("link", name="Sales", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales")
    expect(toggler).to_have_attribute("aria-expanded", "false")  # collapsed again on a new page

    page.get_by_role("link", name="New sale").click()
    choose_party(page, "Customer", "Bob Builder", typed="bob")
    page.get_by_label(labelled("Store")).select_option(label="Harbour Street")
    fill_line(document_line(page, 0), "Claw hammer", 6)
    page.get_by_role("button", name="Confirm sale").click()
    line = document_line(page, 0)
    expect(line).to_contain_text("Only 5 pcs of Claw hammer in Harbour Street, 6 pcs requested.")
    assert not page.evaluate(PAGE_WIDER_THAN_SCREEN), "the sale form scrolls sideways"

    line.get_by_label(labelled("Quantity")).fill("2")
    page.get_by_role("button", name="Confirm sale").click()

    expect_message(page, re.compile(r"Sale #\d+ was recorded\."))
    expect(page.get_by_test_id("document-total")).to_have_text("$25.80")
    assert not page.evaluate(PAGE_WIDER_THAN_SCREEN), "the sale page scrolls sideways"
    page.get_by_role("link", name="Claw hammer (HAM-1)").click()
    expect(page.get_by_test_id("on-hand-total")).to_have_text("3 pcs")

    open_section(page, "Dashboard")
    expect(page.get_by_test_id("stat-quantity-sold")).to_have_text("2")
