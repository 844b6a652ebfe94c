"""A manager adds a clerk for one store; the clerk signs in with the temporary password,
chooses their own, sells in their store and is offered no other; the manager changes a
product's price and reads who changed what in its history."""

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
from sales.models import Sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    harbour = StoreFactory(name="Harbour Street", code="HBR")
    mill = StoreFactory(name="Mill Lane", code="MIL")
    hammer = ProductFactory(sku="HAM-1", name="Claw hammer", sale_price=Decimal("20.00"))
    receive(hammer, harbour, 10)
    receive(hammer, mill, 10)
    CustomerFactory(name="Bob Builder")
    return {"harbour": harbour, "mill": mill, "hammer": hammer}


def test_manager_adds_a_store_clerk_who_sells_there_only(manager_page, shop, browser, live_server):
    page = manager_page

    # The manager adds Sam, a clerk of Harbour Street, and gives a temporary password.
    open_section(page, "Users")
    page.get_by_role("link", name="Add user").click()
    page.get_by_label(labelled("Username")).fill("sam")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Clerk", exact=True).check()
    page.get_by_label("Harbour Street").check()
    page.get_by_role("button", name="Add user").click()
    expect_message(page, "was added")
    temporary = page.get_by_label(labelled("Temporary password")).input_value()
    assert len(temporary) >= 10
    page.get_by_role("button", name="Set this password").click()

    # Sam signs in (another browser), must choose a password first, then sells.
    clerk_context = browser.new_context(base_url=live_server.url, locale="en-US")
    clerk = clerk_context.new_page()
    clerk.goto("/accounts/login/")
    clerk.get_by_label("Username").fill("sam")
    clerk.get_by_label("Password").fill(temporary)
    clerk.get_by_role("button", name="Log in").click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text(re.compile("password", re.I))
    clerk.get_by_label(labelled("Old password")).fill(temporary)
    clerk.get_by_label(labelled("New password")).fill("sams-own-pass-7391")
    clerk.get_by_label(labelled("New password confirmation")).fill("sams-own-pass-7391")
    clerk.get_by_role("button", name="Change password").click()

    clerk.goto("/sales/new/")
    store = clerk.get_by_label(labelled("Store"))
    # Only Harbour Street is offered, and it is chosen already.
    expect(store.locator("option:not([value=''])")).to_have_count(1)
    expect(store.locator("option:checked")).to_have_text("Harbour Street")
    choose_party(clerk, "Customer", "Bob Builder", typed="bob")
    fill_line(document_line(clerk, 0), "Claw hammer", 2)
    clerk.get_by_role("button", name="Confirm sale").click()
    expect_message(clerk, re.compile(r"Sale #\d+ was recorded\."))
    sale = Sale.objects.get()
    assert sale.store == shop["harbour"] and sale.created_by.username == "sam"

    # Mill Lane's stock is visible, but a sale of it is not Sam's to make: no store to pick.
    clerk.goto(f"/stores/{shop['mill'].pk}/")
    expect(clerk.get_by_role("heading", level=1)).to_have_text("Mill Lane")
    clerk_context.close()

    # The manager changes the hammer's price and reads its history.
    page.goto(shop["hammer"].get_absolute_url())
    page.get_by_label(labelled("Sale price")).fill("24.50")
    page.get_by_role("button", name="Save").click()
    history = page.get_by_test_id("history")
    row = history.get_by_test_id("history-row").filter(has_text="→")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(re.compile("maria", re.I))
    expect(row).to_contain_text(re.compile(r"Sale price:\s*20\.00\s*→\s*24\.50"))
