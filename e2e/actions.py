"""What a person does on the pages, in a few reusable steps (used by the tests and screenshots)."""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING

import pytest

from e2e.browser import PLAYWRIGHT_MISSING, e2e_required

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def _import_playwright():
    try:
        return importlib.import_module("playwright.sync_api")
    except ImportError:
        if e2e_required():
            raise
        # Imported by every test module: without Playwright they are skipped, with a reason.
        pytest.skip(PLAYWRIGHT_MISSING, allow_module_level=True)


expect = _import_playwright().expect


def open_section(page: Page, name: str) -> None:
    """Follow a link in the main navigation, opening the collapsed menu first on a phone."""
    toggler = page.get_by_role("button", name="Toggle navigation")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name=name, exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def add_form(page: Page, verbose_name: str) -> Locator:
    """The "Add <thing>" form beside a list (its submit button names it)."""
    return page.locator("form").filter(
        has=page.get_by_role("button", name=f"Add {verbose_name}", exact=True)
    )


def submit_add_form(page: Page, verbose_name: str, fields: dict[str, str]) -> None:
    """Fill the add form by its labels (selects by option label) and press its button."""
    form = add_form(page, verbose_name)
    for label, value in fields.items():
        field = form.get_by_label(labelled(label))
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    form.get_by_role("button", name=f"Add {verbose_name}").click()


def labelled(text: str) -> re.Pattern:
    """Match a label exactly, allowing the asterisk crispy-forms adds to required fields."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def document_line(page: Page, index: int) -> Locator:
    return page.get_by_test_id("line").nth(index)


def product_picker(line: Locator) -> Locator:
    return line.get_by_role("combobox", name=labelled("Product"))


def choose_product(line: Locator, typed: str, product: str) -> None:
    """Type into the line's product picker, key by key, and click the suggestion of ``product``
    (its name; the suggestions read "SKU — name")."""
    product_picker(line).press_sequentially(typed)
    line.get_by_role("option", name=re.compile(rf" — {re.escape(product)}$")).click()
    expect(line).to_contain_text(product)  # the name shows under the field


def party_picker(scope: Page | Locator, label: str) -> Locator:
    """The customer or supplier picker labelled ``label`` (a new document's or a list filter's)."""
    return scope.get_by_role("combobox", name=labelled(label))


def choose_party(
    scope: Page | Locator, label: str, name: str, typed: str | None = None, detail: str = ""
) -> None:
    """Type into the customer or supplier picker, key by key, and click the suggestion of
    ``name`` (the suggestions read "name — #number · email"; ``detail`` picks a namesake)."""
    picker = party_picker(scope, label)
    picker.press_sequentially(typed or name)
    suggestion = re.compile(rf"^{re.escape(name)} — .*{re.escape(detail)}")
    scope.get_by_role("option", name=suggestion).first.click()
    expect(picker).to_have_value(name)


def fill_line(line: Locator, product: str, quantity: int | str, price: str | None = None) -> None:
    """One order line: product (found by typing its name), quantity and, optionally, the
    unit price."""
    choose_product(line, product, product)
    line.get_by_label(labelled("Quantity")).fill(str(quantity))
    if price is not None:
        line.get_by_label(re.compile(r"^\s*Unit (cost|price)\s*$")).fill(price)


def expect_message(page: Page, text: str | re.Pattern) -> None:
    expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()


def on_hand_total(page: Page) -> Locator:
    return page.get_by_test_id("on-hand-total")


def log_in(page: Page, username: str, password: str) -> None:
    """Sign in through the login form, as a person would; lands on the dashboard."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/")
