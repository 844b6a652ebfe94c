"""The sale flow in another language: chosen at the foot of the page, then every step in it."""

import re
from decimal import Decimal

from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from e2e.actions import choose_party, document_line, expect_message, labelled
from people.tests.factories import CustomerFactory
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from stores.tests.factories import StoreFactory


def test_a_manager_chooses_spanish_and_records_a_sale_in_it(manager_page):
    store = StoreFactory(name="Harbour Street", code="HBR")
    CustomerFactory(name="Bob Builder")
    drill = ProductFactory(sku="DRL-1", name="Cordless drill", sale_price=Decimal("1250.00"))
    receive(drill, store, 5)
    page = manager_page

    chooser = page.get_by_test_id("language-chooser")
    chooser.get_by_label("Language").select_option("es")
    chooser.get_by_role("button", name="Change").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Panel")
    navigation = page.get_by_role("navigation", name="Navegación principal")
    expect(navigation.get_by_role("link", name="Ventas", exact=True)).to_be_visible()

    page.get_by_role("main").get_by_role("link", name="Nueva venta").click()
    choose_party(page, "Cliente", "Bob Builder", typed="bob")
    page.get_by_label(labelled("Tienda")).select_option(label="Harbour Street")
    line = document_line(page, 0)
    line.get_by_role("combobox", name=labelled("Producto")).press_sequentially("cordless")
    line.get_by_role("option", name=re.compile(r" — Cordless drill$")).click()
    line.get_by_label(labelled("Cantidad")).fill("2")
    page.get_by_role("button", name="Confirmar venta").click()

    # The sale's own name is Spanish too.
    expect_message(page, re.compile(r"Venta n\.º \d+ se ha registrado\."))
    # Spanish figures and dates: a decimal comma, a (non-breaking) space between thousands,
    # the date in words.
    expect(page.get_by_test_id("document-total")).to_have_text(re.compile(r"^\$2\s500,00$"))
    with translation.override("es"):
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert " de " in today
    expect(page.get_by_role("main")).to_contain_text(today)
    expect(page.get_by_role("columnheader", name="Producto", exact=True).first).to_be_visible()
