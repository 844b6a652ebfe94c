"""Scenarios 3 to 5: purchases raise stock, sales check it and lower it, voiding gives it back."""

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
    party_picker,
    product_picker,
)
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import StockLevel, StockMovement
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from sales.models import Sale
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    """One store, a supplier and a customer, and two products nobody holds yet."""
    supplier = SupplierFactory(name="Acme Tools Ltd")
    return {
        "store": StoreFactory(name="Harbour Street", code="HBR"),
        "supplier": supplier,
        "customer": CustomerFactory(name="Bob Builder"),
        "hammer": ProductFactory(
            sku="HAM-1",
            name="Claw hammer",
            supplier=supplier,
            cost_price=Decimal("6.50"),
            sale_price=Decimal("12.90"),
        ),
        "drill": ProductFactory(
            sku="DRL-2", name="Cordless drill", supplier=supplier, sale_price=Decimal("89.00")
        ),
    }


def open_product(page, name: str) -> None:
    open_section(page, "Products")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def test_manager_records_purchase_with_two_lines_and_stock_rises(manager_page, shop):
    page = manager_page
    open_section(page, "Purchases")
    page.get_by_role("link", name="New purchase").click()

    choose_party(page, "Supplier", "Acme Tools Ltd", typed="acme")
    page.get_by_label(labelled("Store")).select_option(label="Harbour Street")
    page.get_by_label("Reference").fill("INV-2041")
    expect(page.get_by_test_id("line")).to_have_count(1)
    fill_line(document_line(page, 0), "Claw hammer", 12, "6.20")
    page.get_by_role("button", name="+ Add line").click()
    expect(page.get_by_test_id("line")).to_have_count(2)
    fill_line(document_line(page, 1), "Cordless drill", 4)
    page.get_by_role("button", name="Record purchase").click()

    expect_message(page, re.compile(r"Purchase #\d+ was recorded\."))
    # The lines' table, not the net / tax / total summary under it.
    lines = page.locator("table").first.locator("tbody").get_by_role("row")
    expect(lines).to_have_count(2)
    expect(lines.filter(has_text="Claw hammer")).to_contain_text("$74.40")  # 12 × 6.20
    expect(lines.filter(has_text="Cordless drill")).to_contain_text("$16.00")  # 4 × the cost price

    page.get_by_role("link", name="Claw hammer (HAM-1)").click()
    expect(page.get_by_test_id("on-hand-HBR")).to_have_text("12 pcs")
    expect(on_hand_total(page)).to_have_text("12 pcs")
    expect(page.get_by_role("row").filter(has_text="Purchase #")).to_contain_text("+12")

    open_product(page, "Cordless drill")
    expect(on_hand_total(page)).to_have_text("4 pcs")


def test_manager_sale_beyond_stock_is_refused_per_line_then_valid_sale_lowers_stock(
    manager_page, shop
):
    page = manager_page
    receive(shop["hammer"], shop["store"], 5)
    receive(shop["drill"], shop["store"], 2)
    page.reload()  # the dashboard, now with the stock received
    expect(page.get_by_test_id("stat-sales")).to_have_text("0")
    expect(page.get_by_test_id("stat-quantity-sold")).to_have_text("0")
    expect(page.get_by_test_id("stat-sales-value")).to_have_text("$0.00")

    open_section(page, "Sales")
    page.get_by_role("link", name="New sale").click()
    choose_party(page, "Customer", "Bob Builder", typed="bob")
    page.get_by_label(labelled("Store")).select_option(label="Harbour Street")
    fill_line(document_line(page, 0), "Claw hammer", 8, "12.50")
    page.get_by_role("button", name="+ Add line").click()
    fill_line(document_line(page, 1), "Cordless drill", 1)
    page.get_by_role("button", name="Confirm sale").click()

    expect(page.get_by_test_id("form-errors")).to_contain_text(
        "Not enough stock: nothing was saved."
    )
    hammer_line, drill_line = document_line(page, 0), document_line(page, 1)
    expect(hammer_line).to_contain_text(
        "Only 5 pcs of Claw hammer in Harbour Street, 8 pcs requested."
    )
    expect(drill_line).not_to_contain_text("requested")
    # What was typed is still there, on both lines.
    expect(party_picker(page, "Customer")).to_have_value("Bob Builder")
    expect(product_picker(hammer_line)).to_have_value("HAM-1")
    expect(hammer_line).to_contain_text("Claw hammer")
    expect(hammer_line.get_by_label("Quantity")).to_have_value("8")
    expect(hammer_line.get_by_label("Unit price")).to_have_value("12.50")
    expect(product_picker(drill_line)).to_have_value("DRL-2")
    expect(drill_line).to_contain_text("Cordless drill")
    expect(drill_line.get_by_label("Quantity")).to_have_value("1")
    assert not Sale.objects.exists()
    assert StockLevel.objects.get(product=shop["hammer"]).quantity == 5
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.SALE).exists()

    hammer_line.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Confirm sale").click()

    expect_message(page, re.compile(r"Sale #\d+ was recorded\."))
    expect(page.get_by_test_id("document-total")).to_have_text("$126.50")  # 3 × 12.50 + 89.00
    page.get_by_role("link", name="Claw hammer (HAM-1)").click()
    expect(on_hand_total(page)).to_have_text("2 pcs")
    expect(page.get_by_role("row").filter(has_text="Sale #")).to_contain_text("-3")

    open_section(page, "Dashboard")
    expect(page.get_by_test_id("stat-sales")).to_have_text("1")
    expect(page.get_by_test_id("stat-quantity-sold")).to_have_text("4")
    expect(page.get_by_test_id("stat-sales-value")).to_have_text("$126.50")
    latest_sales = page.locator(".card").filter(has_text="Latest sales")
    expect(latest_sales.get_by_role("row").filter(has_text="Bob Builder")).to_contain_text(
        "$126.50"
    )


def test_manager_voids_sale_and_stock_returns(manager_page, shop):
    page = manager_page
    receive(shop["hammer"], shop["store"], 10)
    sale = make_sale(store=shop["store"], customer=shop["customer"], lines=[(shop["hammer"], 4)])
    open_product(page, "Claw hammer")
    expect(on_hand_total(page)).to_have_text("6 pcs")

    open_section(page, "Sales")
    page.get_by_role("link", name=sale.number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sale #{sale.pk}")
    page.get_by_label("Reason for voiding").fill("Customer returned the hammers")
    page.get_by_role("button", name=f"Void Sale #{sale.pk}").click()

    expect_message(page, f"Sale #{sale.pk} was voided; its stock movements were reversed.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Voided")
    # The void notice (the History section names the reason too).
    expect(page.locator(".alert").get_by_text("Customer returned the hammers")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Void"))).to_have_count(0)

    page.get_by_role("link", name="Claw hammer (HAM-1)").click()
    expect(on_hand_total(page)).to_have_text("10 pcs")
    open_section(page, "Dashboard")
    expect(page.get_by_test_id("stat-sales")).to_have_text("0")


def test_manager_void_without_reason_is_refused(manager_page, shop):
    page = manager_page
    receive(shop["hammer"], shop["store"], 10)
    sale = make_sale(store=shop["store"], lines=[(shop["hammer"], 4)])
    page.goto(sale.get_absolute_url())

    page.get_by_role("button", name=f"Void Sale #{sale.pk}").click()

    # The browser asks for the required reason; nothing is sent.
    reason = page.get_by_label("Reason for voiding")
    assert reason.evaluate("field => field.validity.valueMissing")
    sale.refresh_from_db()
    assert not sale.is_voided
    assert StockLevel.objects.get(product=shop["hammer"]).quantity == 6
