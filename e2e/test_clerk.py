"""Scenario 6: a clerk records sales and looks after customers, but sees no manager-only
action (delete, archive, void, adjust, add or change products) and cannot reach one by URL."""

import re

import pytest

from e2e.actions import add_form, expect, open_section
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from sales.models import Sale
from sales.tests.factories import make_sale
from stores.models import Store
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)

MANAGER_BUTTONS = re.compile(r"^(Delete|Archive|Restore|Adjust|Void\b.*)$")


@pytest.fixture
def records():
    product = ProductFactory(sku="HAM-1", name="Claw hammer")
    store = StoreFactory(name="Harbour Street", code="HBR")
    purchase = receive(product, store, 10)
    sale = make_sale(store=store, lines=[(product, 3)])
    return {"product": product, "store": store, "purchase": purchase, "sale": sale}


def expect_no_manager_actions(page) -> None:
    expect(page.get_by_role("button", name=MANAGER_BUTTONS)).to_have_count(0)
    expect(page.get_by_role("link", name=MANAGER_BUTTONS)).to_have_count(0)


def test_clerk_sees_no_manager_actions(clerk_page, records):
    page = clerk_page

    open_section(page, "Products")
    expect(page.get_by_test_id("total-count")).to_have_text("1 product")
    expect(add_form(page, "product")).to_have_count(0)
    page.get_by_role("link", name="Claw hammer").click()
    expect(page.get_by_text("Details", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.get_by_text("Adjust stock")).to_have_count(0)
    expect(page.get_by_test_id("on-hand-total")).to_have_text("7 pcs")
    expect_no_manager_actions(page)

    open_section(page, "Stores")
    expect(add_form(page, "store")).to_have_count(0)
    page.get_by_role("link", name="Harbour Street").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour Street")
    expect_no_manager_actions(page)

    open_section(page, "Categories")
    expect(add_form(page, "category")).to_have_count(0)

    open_section(page, "Sales")
    page.get_by_role("link", name=records["sale"].number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sale #{records['sale'].pk}")
    expect(page.get_by_label("Reason for voiding")).to_have_count(0)
    expect_no_manager_actions(page)

    open_section(page, "Purchases")
    page.get_by_role("link", name=f"#{records['purchase'].pk}", exact=True).click()
    expect(page.get_by_label("Reason for voiding")).to_have_count(0)
    expect_no_manager_actions(page)


def test_clerk_may_record_sales_and_add_customers(clerk_page, records):
    page = clerk_page

    open_section(page, "Sales")
    expect(page.get_by_role("link", name="New sale")).to_be_visible()
    open_section(page, "Purchases")
    expect(page.get_by_role("link", name="New purchase")).to_be_visible()
    open_section(page, "Customers")
    expect(add_form(page, "customer")).to_be_visible()
    open_section(page, "Suppliers")
    expect(add_form(page, "supplier")).to_have_count(0)


def test_manager_sees_the_actions_hidden_from_clerks(manager_page, records):
    """The control for the clerk tests: the same pages show a manager every action."""
    page = manager_page
    page.goto(records["product"].get_absolute_url())
    for name in ("Archive", "Delete", "Adjust"):
        expect(
            page.get_by_role("button", name=MANAGER_BUTTONS)
            .or_(page.get_by_role("link", name=MANAGER_BUTTONS))
            .filter(has_text=name)
        ).to_have_count(1)
    page.goto(records["sale"].get_absolute_url())
    expect(page.get_by_role("button", name=MANAGER_BUTTONS)).to_have_text(
        f"Void Sale #{records['sale'].pk}"
    )


MANAGER_URLS = [
    "/stores/{store}/delete/",
    "/stores/{store}/archive/",
    "/products/{product}/delete/",
    "/products/{product}/adjust/",
    "/sales/{sale}/void/",
    "/purchases/{purchase}/void/",
]


def test_clerk_typing_manager_url_gets_not_allowed_page(clerk_page, records):
    page = clerk_page
    pks = {name: record.pk for name, record in records.items()}

    for path in MANAGER_URLS:
        response = page.goto(path.format(**pks))

        assert response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
        expect(page.get_by_text("Ask a manager if you need access.")).to_be_visible()

    page.get_by_role("link", name="Go to the start page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    assert Store.objects.get(pk=pks["store"]).is_active
    assert not Sale.objects.get(pk=pks["sale"]).is_voided
