"""The pages work on a phone (390 × 844): the sale flow with the navigation collapsed, and the
main pages without sideways scrolling, their key figures on screen and on one line.

Each page checked is saved as ``test-artifacts/phone/<page>.png`` (kept after a passing run
too, to look at).
"""

import re
from decimal import Decimal
from pathlib import Path

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
from people.tests.factories import CustomerFactory, SupplierFactory
from products.tests.factories import ProductFactory
from purchases.tests.factories import make_purchase, receive
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"
PHONE = {"width": 390, "height": 844}
SCREENSHOTS_DIR = Path(__file__).resolve().parent.parent / "test-artifacts" / "phone"
# One unbroken word, as a pasted code or URL would be: it must wrap, not widen its table.
LONG_NAME = "Extra-long" + "x" * 190


@pytest.fixture
def viewport():
    return PHONE


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

    page.get_by_role("main").get_by_role("link", name="New sale").click()
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


# The main pages at phone size -------------------------------------------------------------


def check_fits_screen(page, name: str) -> None:
    """No sideways scrolling of the page; a full-page screenshot kept under test-artifacts/."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS_DIR / f"{name}.png", full_page=True, animations="disabled")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name} scrolls sideways: {widths[0]} px in {widths[1]} px"


def check_on_screen(locator, what: str) -> None:
    """``locator`` is visible and its whole box lies across the screen's width, unscrolled, and
    is not cut off by a box that scrolls or clips (a table that scrolls within its card)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
        f"{what} is off-screen: {box['x']:.0f} to {box['x'] + box['width']:.0f} px "
        f"on a {PHONE['width']} px screen"
    )
    clipped_by = locator.evaluate(
        """element => {
            const box = element.getBoundingClientRect();
            for (let outer = element.parentElement; outer; outer = outer.parentElement) {
                if (getComputedStyle(outer).overflowX === "visible") continue;
                const frame = outer.getBoundingClientRect();
                if (box.left < frame.left - 1 || box.right > frame.right + 1) {
                    return `${outer.tagName.toLowerCase()}.${outer.className}`;
                }
            }
            return null;
        }"""
    )
    assert clipped_by is None, f"{what} is cut off (or scrolled away) by {clipped_by}"


def check_one_line(locator, what: str) -> None:
    """The figure's text is one line (its text's box is one line high), inside its own box
    (not spilling over a neighbour), and on screen."""
    check_on_screen(locator, what)
    lines, height, line_height, overflow = locator.evaluate(
        """element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            const rects = [...range.getClientRects()].filter(rect => rect.width > 0);
            const tops = new Set(rects.map(rect => Math.round(rect.top)));
            return [tops.size, range.getBoundingClientRect().height,
                    parseFloat(getComputedStyle(element).lineHeight),
                    element.scrollWidth - element.clientWidth];
        }"""
    )
    text = locator.inner_text()
    assert lines == 1 and height <= line_height + 1, (
        f"{what} {text!r} takes {lines} lines ({height:.0f} px at {line_height:.0f} px a line)"
    )
    assert overflow <= 0, f"{what} {text!r} is {overflow} px wider than its box"


@pytest.fixture
def busy_shop():
    """Two stores with figures in the millions, and a low product with a 200-character name."""
    main = StoreFactory(name="Harbour Street", code="HBR")
    other = StoreFactory(name="Riverside Warehouse", code="RIV")
    supplier = SupplierFactory(name="Northern Industrial Fasteners & Fixings Ltd")
    customer = CustomerFactory(name="Bob Builder", email="bob.the.builder@example.com")
    saw = ProductFactory(
        sku="SAW-9000",
        name="Cordless mitre saw, 305 mm, twin battery kit",
        supplier=supplier,
        cost_price=Decimal("8123.50"),
        sale_price=Decimal("11274.59"),
    )
    drill = ProductFactory(
        sku="DRL-2", name="Cordless drill", supplier=supplier, sale_price=Decimal("89.00")
    )
    long_named = ProductFactory(sku="LONG-1", name=LONG_NAME, supplier=supplier, reorder_level=10)
    make_purchase(
        store=main,
        supplier=supplier,
        lines=[(saw, 150, Decimal("8123.50")), (drill, 40, Decimal("41.20"))],
        reference="INV-2026-000123",
    )
    receive(long_named, main, 2)
    receive(drill, other, 3)
    sale = make_sale(store=main, customer=customer, lines=[(saw, 109), (drill, 7)])
    return {"sale": sale, "saw": saw, "long_named": long_named}


def test_main_pages_fit_a_phone_with_their_key_figures_on_screen(manager_page, busy_shop):
    page = manager_page
    page.reload()

    # The dashboard: each amount on one line, on screen; a shortcut to a new sale.
    check_fits_screen(page, "dashboard")
    for testid in (
        "stat-sales-value",
        "stat-gross-profit",
        "stat-purchase-value",
        "stat-stock-value",
        "stat-quantity-sold",
    ):
        check_one_line(page.get_by_test_id(testid), testid)
    expect(page.get_by_test_id("stat-sales-value")).to_have_text("$1,229,553.31")
    check_on_screen(page.get_by_test_id("stock-value-total"), "the stock value total")
    check_on_screen(page.get_by_test_id("dashboard-new-sale"), "the New sale button")
    check_on_screen(page.get_by_test_id("nav-new-sale"), "the menu's New sale shortcut")
    # The long name wraps: the row's figures and its button stay on screen.
    long_rows = page.get_by_test_id("attention-row").filter(has_text=LONG_NAME[:20])
    expect(long_rows).to_have_count(2)  # low in total, and low at Harbour Street
    for row in long_rows.all():
        check_on_screen(row.get_by_test_id("attention-where"), "the row's store")
        check_on_screen(row.get_by_test_id("attention-on-hand"), "the row's on-hand")
        check_on_screen(row.get_by_role("link", name="Reorder"), "the row's Reorder button")
    check_on_screen(page.get_by_test_id("value-chart"), "the value chart")
    axis_label = page.get_by_test_id("value-chart").locator("text").first
    assert axis_label.bounding_box()["height"] >= 9, "the chart's labels are too small to read"

    page.get_by_test_id("nav-new-sale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New sale")
    check_fits_screen(page, "new-sale")
    check_on_screen(page.get_by_role("button", name="Confirm sale"), "the Confirm button")

    page.goto("/products/")
    check_fits_screen(page, "products")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=busy_shop["saw"].name))
    check_one_line(row.get_by_test_id("price"), "the price")
    expect(row.get_by_test_id("price")).to_have_text("$11,274.59")
    check_one_line(row.get_by_test_id("on-hand"), "the on-hand")
    expect(row.get_by_test_id("on-hand")).to_have_text("41 pcs")
    long_row = page.get_by_role("row").filter(has_text=LONG_NAME[:20])
    check_on_screen(long_row.get_by_test_id("on-hand"), "the long-named product's on-hand")

    page.get_by_role("link", name=busy_shop["saw"].name).click()
    check_fits_screen(page, "product")
    check_one_line(page.get_by_test_id("on-hand-total"), "the product's on-hand")
    # The stock comes before the edit form: on the first screen, without scrolling.
    on_hand = page.get_by_test_id("on-hand-total").bounding_box()
    assert on_hand["y"] + on_hand["height"] <= PHONE["height"], "the on-hand is below the fold"

    page.goto("/sales/")
    check_fits_screen(page, "sales")
    check_on_screen(page.get_by_role("link", name=busy_shop["sale"].label), "the sale's link")

    page.goto(busy_shop["sale"].get_absolute_url())
    check_fits_screen(page, "sale")
    # The lines table may scroll within itself; the totals under it fit the screen.
    check_one_line(page.get_by_test_id("total-net"), "the sale's net total")
    check_one_line(page.get_by_test_id("total-gross"), "the sale's total to pay")

    page.goto("/purchases/")
    check_fits_screen(page, "purchases")
    check_one_line(page.get_by_test_id("purchase-gross").first, "the purchase's total")

    page.goto("/stores/")
    check_fits_screen(page, "stores")
    check_on_screen(page.get_by_role("link", name="Riverside Warehouse"), "a store's link")

    page.goto("/customers/")
    check_fits_screen(page, "customers")
    check_on_screen(page.get_by_role("link", name="Bob Builder"), "a customer's link")


# Basics every main page keeps: labelled controls, tables with header cells, a favicon --------

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll("input, select, textarea")]
    .filter(control => !["hidden", "submit", "button", "reset"].includes(control.type))
    .filter(control => !control.labels.length && !control.getAttribute("aria-label")
                       && !control.getAttribute("aria-labelledby") && !control.title)
    .map(control => control.outerHTML.slice(0, 120))"""
TABLES_WITHOUT_HEADERS = """() => [...document.querySelectorAll("table")]
    .filter(table => !table.querySelector("th"))
    .map(table => table.outerHTML.slice(0, 120))"""


def test_main_pages_label_their_controls_and_have_table_headers(manager_page, busy_shop):
    page = manager_page
    toggler = page.locator("button.navbar-toggler")
    expect(toggler).to_have_attribute("aria-label", "Toggle navigation")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    favicon = page.request.get(icon)
    assert favicon.ok and favicon.headers["content-type"].startswith("image/svg+xml")

    pages = {
        "dashboard": "/dashboard/",
        "products": "/products/",
        "product": busy_shop["saw"].get_absolute_url(),
        "sales": "/sales/",
        "new sale": "/sales/new/",
        "sale": busy_shop["sale"].get_absolute_url(),
        "purchases": "/purchases/",
        "stores": "/stores/",
        "customers": "/customers/",
    }
    for name, url in pages.items():
        page.goto(url)
        assert page.evaluate(UNLABELLED_CONTROLS) == [], f"unlabelled controls on {name}"
        assert page.evaluate(TABLES_WITHOUT_HEADERS) == [], f"tables without headers on {name}"
