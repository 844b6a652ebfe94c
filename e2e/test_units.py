"""Units of measure in the browser: cable sold by the metre, drills only whole, screws in boxes."""

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
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import StockLevel, Unit
from products.tests.factories import ProductFactory
from purchases.models import PurchaseLine
from purchases.tests.factories import receive
from sales.models import Sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    supplier = SupplierFactory(name="Acme Tools Ltd")
    units = Unit.objects.standard()
    store = StoreFactory(name="Harbour Street", code="HBR")
    cable = ProductFactory(
        sku="CBL-25",
        name="Copper cable",
        supplier=supplier,
        unit=units["m"],
        cost_price=Decimal("0.80"),
        sale_price=Decimal("1.99"),
    )
    drill = ProductFactory(sku="DRL-2", name="Cordless drill", supplier=supplier)
    screws = ProductFactory(
        sku="SCR-4",
        name="Wood screw",
        supplier=supplier,
        pack_size=Decimal("500"),
        pack_name="box",
        cost_price=Decimal("0.02"),
    )
    receive(cable, store, Decimal("10"), Decimal("0.80"))
    receive(drill, store, 5)
    CustomerFactory(name="Bob Builder")
    return {"store": store, "cable": cable, "drill": drill, "screws": screws}


def new_sale(page):
    open_section(page, "Sales")
    page.get_by_role("link", name="New sale").click()
    choose_party(page, "Customer", "Bob Builder", typed="bob")
    page.get_by_label(labelled("Store")).select_option(label="Harbour Street")


def test_a_sale_of_two_and_a_half_metres_of_cable_works_end_to_end(manager_page, shop):
    page = manager_page
    new_sale(page)
    fill_line(document_line(page, 0), "Copper cable", "2.5")
    page.get_by_role("button", name="Confirm sale").click()

    expect_message(page, re.compile(r"Sale #\d+ was recorded\."))
    line = page.locator("tbody").get_by_role("row").filter(has_text="Copper cable")
    expect(line).to_contain_text("2.5 m")
    expect(line).to_contain_text("$4.98")  # 2.5 × 1.99 = 4.975, half a cent up
    page.get_by_role("link", name="Copper cable (CBL-25)").click()
    expect(on_hand_total(page)).to_have_text("7.5 m")
    expect(page.get_by_test_id("on-hand-HBR")).to_have_text("7.5 m")
    expect(page.get_by_role("row").filter(has_text="Sale #")).to_contain_text("-2.5")
    assert StockLevel.objects.get(product=shop["cable"]).quantity == Decimal("7.5")


def test_two_and_a_half_drills_are_refused_with_the_unit_named_and_nothing_saved(
    manager_page, shop
):
    page = manager_page
    new_sale(page)
    fill_line(document_line(page, 0), "Cordless drill", "2.5")
    page.get_by_role("button", name="Confirm sale").click()

    expect(document_line(page, 0)).to_contain_text(
        "Cordless drill is counted in whole pieces: 2.5 is not a whole number."
    )
    expect(document_line(page, 0).get_by_label("Quantity")).to_have_value("2.5")
    assert not Sale.objects.exists()
    assert StockLevel.objects.get(product=shop["drill"]).quantity == 5


def test_screws_bought_in_boxes_are_stored_in_pieces_and_shown_both_ways(manager_page, shop):
    page = manager_page
    open_section(page, "Purchases")
    page.get_by_role("link", name="New purchase").click()
    choose_party(page, "Supplier", "Acme Tools Ltd", typed="acme")
    page.get_by_label(labelled("Store")).select_option(label="Harbour Street")
    line = document_line(page, 0)
    fill_line(line, "Wood screw", 2)
    line.get_by_label(labelled("In")).select_option("packs")
    page.get_by_role("button", name="Record purchase").click()

    expect_message(page, re.compile(r"Purchase #\d+ was recorded\."))
    row = page.locator("tbody").get_by_role("row").filter(has_text="Wood screw")
    expect(row).to_contain_text("1,000 pcs")
    expect(row.get_by_test_id("line-packs")).to_have_text("2 × box of 500")
    expect(row).to_contain_text("$20.00")  # 1,000 × 0.02
    purchase_line = PurchaseLine.objects.get(product=shop["screws"])
    assert (purchase_line.quantity, purchase_line.packs, purchase_line.pack_size) == (1000, 2, 500)
