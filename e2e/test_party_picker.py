"""The customer and supplier pickers: the new-sale header and the list filters search by name,
namesakes are told apart, archived customers only in the filter, and no JavaScript."""

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
    party_picker,
)
from e2e.conftest import sign_in
from people.tests.factories import CustomerFactory
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from sales.models import Sale
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    """Two customers called Bob Builder, an archived one, and a hammer in stock."""
    store = StoreFactory(name="Harbour Street")
    hammer = ProductFactory(sku="HAM-1", name="Claw hammer", sale_price=Decimal("12.90"))
    receive(hammer, store, 20)
    return {
        "store": store,
        "hammer": hammer,
        "bob": CustomerFactory(name="Bob Builder", email="bob@builder.test"),
        "other_bob": CustomerFactory(name="Bob Builder", email="bob@plumbing.test"),
        "archived": CustomerFactory(name="Bobby Gone", email="gone@old.test"),
    }


def start_sale(page, store: str = "Harbour Street") -> None:
    page.goto("/sales/new/")
    page.get_by_label(labelled("Store")).select_option(label=store)


def test_header_picker_tells_namesakes_apart_and_records_the_one_chosen(manager_page, shop):
    shop["archived"].archive()
    page = manager_page
    start_sale(page)
    picker = party_picker(page, "Customer")

    picker.press_sequentially("bob")

    bob, other_bob = shop["bob"], shop["other_bob"]
    expect(
        page.get_by_role("listbox", name="Matching customers").get_by_role("option")
    ).to_have_text(
        [
            f"Bob Builder — #{bob.pk} · bob@builder.test",
            f"Bob Builder — #{other_bob.pk} · bob@plumbing.test",
        ]
    )  # the archived Bobby Gone is not offered
    picker.press("ArrowDown")
    picker.press("ArrowDown")
    picker.press("Enter")
    expect(picker).to_have_value("Bob Builder")
    help_text = page.get_by_text(f"#{other_bob.pk} · bob@plumbing.test", exact=True)
    expect(help_text).to_be_visible()

    fill_line(document_line(page, 0), "Claw hammer", 2)
    page.get_by_role("button", name="Confirm sale").click()

    expect_message(page, re.compile(r"Sale #\d+ was recorded\."))
    assert Sale.objects.get().customer == other_bob


def test_header_picker_retyped_name_forgets_the_pick(manager_page, shop):
    page = manager_page
    start_sale(page)
    choose_party(page, "Customer", "Bob Builder", typed="bob", detail="plumbing")
    picker = party_picker(page, "Customer")

    picker.fill("")
    picker.press_sequentially("Bob Builder")  # typed, not picked: the name is shared
    picker.press("Escape")
    fill_line(document_line(page, 0), "Claw hammer", 1)
    page.get_by_role("button", name="Confirm sale").click()

    expect(page.get_by_text("Several customers are called “Bob Builder”")).to_be_visible()
    assert not Sale.objects.exists()


def test_header_picker_says_when_no_active_customer_matches(manager_page, shop):
    shop["archived"].archive()
    page = manager_page
    start_sale(page)

    party_picker(page, "Customer").press_sequentially("gone")

    expect(page.get_by_role("listbox", name="Matching customers")).to_contain_text(
        "No matching customer"
    )


def test_list_filter_picker_finds_archived_customers_and_filters_the_list(manager_page, shop):
    gone = shop["archived"]
    theirs = make_sale(store=shop["store"], customer=gone, lines=[(shop["hammer"], 1)])
    make_sale(store=shop["store"], customer=shop["bob"], lines=[(shop["hammer"], 1)])
    gone.archive()
    page = manager_page
    page.goto("/sales/")
    expect(page.get_by_test_id("total-count")).to_have_text("2 found")
    filters = page.locator("form[method=get]")

    choose_party(filters, "Customer", "Bobby Gone", typed="gone", detail="archived")
    filters.get_by_role("button", name="Apply").click()

    expect(page.get_by_test_id("total-count")).to_have_text("1 found")
    expect(page.get_by_role("link", name=theirs.number, exact=True)).to_be_visible()
    expect(party_picker(page, "Customer")).to_have_value("Bobby Gone")


def test_list_filter_unknown_customer_is_a_message(manager_page, shop):
    make_sale(store=shop["store"], customer=shop["bob"], lines=[(shop["hammer"], 1)])
    page = manager_page
    page.goto("/sales/?customer=Nobody")

    expect(page.get_by_text("No customer is called “Nobody”.")).to_be_visible()
    expect(page.get_by_test_id("total-count")).to_have_text("1 found")


def test_without_javascript_a_shared_name_asks_for_the_number_then_records(
    browser, live_server, manager_user, shop
):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-US"
    )
    page = sign_in(context.new_page(), manager_user, live_server.url)
    start_sale(page)
    customer = page.get_by_label(labelled("Customer"))
    customer.fill("bob builder")
    line = document_line(page, 0)
    line.get_by_label(labelled("Product")).fill("HAM-1")
    line.get_by_label(labelled("Quantity")).fill("1")
    page.get_by_role("button", name="Confirm sale").click()

    bob, other_bob = shop["bob"], shop["other_bob"]
    expect(page.get_by_text(f"or type its number (#{bob.pk}, #{other_bob.pk})")).to_be_visible()
    customer.fill(str(other_bob.pk))
    page.get_by_role("button", name="Confirm sale").click()

    expect_message(page, re.compile(r"Sale #\d+ was recorded\."))
    assert Sale.objects.get().customer == other_bob
    context.close()
