"""A customer brings part of a sale back: one unit onto the shelf, one damaged.

Sold: 5 claw hammers at 12.90 plus 20 % VAT (2.58) that cost 6.50 each. Back: 1
restocked (its 6.50 cost comes back with it) and 1 written off (its cost stays a
cost), each refunded 15.48 with its tax. Net of returns and of tax: 3 sold for
38.70 at a cost of 26.00, so 12.70 gross profit.
"""

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
    on_hand_total,
    open_section,
)
from people.tests.factories import CustomerFactory
from products.models import StockLevel
from products.tests.factories import ProductFactory, TaxRateFactory
from purchases.tests.factories import receive
from sales.models import SaleReturnLine
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    store = StoreFactory(name="Harbour Street", code="HBR")
    hammer = ProductFactory(
        sku="HAM-1",
        name="Claw hammer",
        sale_price=Decimal("12.90"),
        tax_rate=TaxRateFactory(name="VAT 20 %", percent=Decimal("20.00")),
    )
    receive(hammer, store, 10, unit_cost=Decimal("6.50"))
    CustomerFactory(name="Bob Builder")
    return {"store": store, "hammer": hammer}


def take_back(page, quantity: str, reason: str, *, to_the_shelf: bool) -> None:
    page.get_by_role("link", name="Return items").click()
    page.get_by_label("Claw hammer coming back (pcs)").fill(quantity)
    shelf = page.get_by_label("Claw hammer back on the shelf")
    expect(shelf).to_be_checked()  # back on the shelf unless told otherwise
    if not to_the_shelf:
        shelf.uncheck()
    page.get_by_label("Claw hammer: reason").fill(reason)
    page.get_by_role("button", name="Record return").click()


def test_sell_five_take_two_back_one_damaged(manager_page, shop):
    page = manager_page
    open_section(page, "Sales")
    page.get_by_role("link", name="New sale").click()
    choose_party(page, "Customer", "Bob Builder", typed="bob")
    page.get_by_label(labelled("Store")).select_option(label="Harbour Street")
    fill_line(document_line(page, 0), "Claw hammer", 5)
    page.get_by_role("button", name="Confirm sale").click()
    expect_message(page, re.compile(r"Sale #\d+ was recorded\."))
    expect(page.get_by_test_id("document-number")).to_have_text(re.compile(r"HBR-\d{4}-000001"))
    sale_url = page.url

    take_back(page, "1", "Wrong size", to_the_shelf=True)

    expect_message(page, re.compile(r"Credit note CN-HBR-\d{4}-000001 was recorded: 1 pcs back"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Credit note CN-HBR-\d{4}-000001")
    )
    expect(page.get_by_test_id("return-refund")).to_have_text("$15.48")  # 12.90 and its 2.58 VAT
    page.get_by_test_id("print-credit-note").click()
    expect(page.locator("body")).to_contain_text("Wrong size")
    expect(page.locator("body")).to_contain_text("Bob Builder")

    page.goto(sale_url)
    expect(page.get_by_test_id("line-returned")).to_have_text("1 pcs")
    # Part of it came back: the sale can no longer be voided, only returned against.
    expect(page.get_by_test_id("void-refused")).to_be_visible()
    expect(page.get_by_label("Reason for voiding")).to_have_count(0)
    take_back(page, "1", "Cracked handle", to_the_shelf=False)
    expect_message(page, re.compile(r"CN-HBR-\d{4}-000002 was recorded: 1 pcs written off"))

    # 10 bought, 5 sold, 1 back on the shelf; the cracked one stays out.
    assert StockLevel.objects.get(product=shop["hammer"]).quantity == 6
    assert sorted(SaleReturnLine.objects.values_list("restock", flat=True)) == [False, True]
    page.get_by_role("link", name=re.compile(r"Sale HBR-")).click()
    page.get_by_role("link", name="Claw hammer (HAM-1)").click()
    expect(on_hand_total(page)).to_have_text("6 pcs")

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Returns", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer returns")
    expect(page.get_by_role("link", name=re.compile(r"CN-HBR-\d{4}-00000[12]"))).to_have_count(2)

    open_section(page, "Dashboard")
    expect(page.get_by_test_id("stat-quantity-sold")).to_have_text("3")
    expect(page.get_by_test_id("stat-sales-value")).to_have_text("$38.70")  # net of tax
    expect(page.get_by_test_id("stat-gross-profit")).to_have_text("$12.70")
    expect(page.get_by_test_id("stat-returns")).to_have_text("2")
    expect(page.get_by_test_id("stat-refunded")).to_have_text("$30.96")  # money given back, tax too
