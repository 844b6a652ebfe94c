"""The product picker of order lines: search by SKU or name, keyboard, and no JavaScript."""

import re
from decimal import Decimal

import pytest

from e2e.actions import (
    choose_party,
    document_line,
    expect,
    expect_message,
    labelled,
    product_picker,
)
from e2e.conftest import sign_in
from people.tests.factories import SupplierFactory
from products.tests.factories import ProductFactory
from purchases.models import Purchase
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue():
    supplier = SupplierFactory(name="Acme Tools Ltd")
    StoreFactory(name="Harbour Street")
    ProductFactory(sku="HAM-1", name="Claw hammer", supplier=supplier)
    ProductFactory(sku="DRL-2", name="Cordless drill", supplier=supplier)
    ProductFactory(sku="BIT-7", name="Drill bit set", supplier=supplier, cost_price=Decimal("3"))
    ProductFactory(sku="OLD-9", name="Old drill", supplier=supplier).archive()


def start_purchase(page, javascript: bool = True) -> None:
    page.goto("/purchases/new/")
    if javascript:
        choose_party(page, "Supplier", "Acme Tools Ltd", typed="acme")
    else:
        page.get_by_label(labelled("Supplier")).fill("acme tools ltd")  # the name, in any case
    page.get_by_label(labelled("Store")).select_option(label="Harbour Street")


def test_picker_lists_active_matches_and_the_keyboard_chooses_one(manager_page, catalogue):
    page = manager_page
    start_purchase(page)
    line = document_line(page, 0)
    picker = product_picker(line)

    picker.press_sequentially("drill")

    options = line.get_by_role("listbox", name="Matching products").get_by_role("option")
    expect(options).to_have_text(["DRL-2 — Cordless drill", "BIT-7 — Drill bit set"])
    expect(picker).to_have_attribute("aria-expanded", "true")
    picker.press("ArrowDown")
    picker.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(picker).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    picker.press("Enter")  # chooses; does not submit the form

    expect(picker).to_have_value("BIT-7")
    expect(picker).to_have_attribute("aria-expanded", "false")
    expect(line).to_contain_text("Drill bit set")
    assert not Purchase.objects.exists()

    line.get_by_label(labelled("Quantity")).fill("2")
    page.get_by_role("button", name="Record purchase").click()
    expect_message(page, re.compile(r"Purchase #\d+ was recorded\."))
    assert Purchase.objects.get().lines.get().product.sku == "BIT-7"


def test_picker_finds_a_sku_prefix_in_lower_case_on_an_added_line(manager_page, catalogue):
    page = manager_page
    start_purchase(page)
    page.get_by_role("button", name="+ Add line").click()
    line = document_line(page, 1)
    picker = product_picker(line)
    expect(picker).to_be_focused()

    picker.press_sequentially("ham")
    line.get_by_role("option", name="HAM-1 — Claw hammer").click()

    expect(picker).to_have_value("HAM-1")
    expect(line).to_contain_text("Claw hammer")
    expect(
        document_line(page, 0)
        .get_by_role("listbox", name="Matching products")
        .get_by_role("option")
    ).to_have_count(0)


def test_picker_says_when_nothing_matches_and_escape_closes_it(manager_page, catalogue):
    page = manager_page
    start_purchase(page)
    picker = product_picker(document_line(page, 0))

    picker.press_sequentially("old")  # only an archived product is called so

    expect(page.get_by_role("listbox")).to_contain_text("No matching product")
    picker.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(picker).to_have_attribute("aria-expanded", "false")


def test_without_javascript_a_typed_sku_records_the_purchase(
    browser, live_server, manager_user, catalogue
):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-US"
    )
    page = sign_in(context.new_page(), manager_user, live_server.url)
    start_purchase(page, javascript=False)
    line = document_line(page, 0)

    line.get_by_label(labelled("Product")).fill("drl-2")
    line.get_by_label(labelled("Quantity")).fill("1")
    page.get_by_role("button", name="Record purchase").click()

    expect_message(page, re.compile(r"Purchase #\d+ was recorded\."))
    assert Purchase.objects.get().lines.get().product.sku == "DRL-2"
    context.close()
