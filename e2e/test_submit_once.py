"""A form is sent once: a double click on "Confirm sale" sends one post and records one sale.

While the post is on its way the button says "Sending…" and is disabled (noted
by the page itself, as Playwright waits for the navigation). The server
guards the same form sent twice on its own (inventory_project/tests/test_one_time_tokens.py).
"""

import re
from decimal import Decimal

import pytest

from e2e.actions import choose_party, document_line, expect_message, fill_line, labelled
from people.tests.factories import CustomerFactory
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from sales.models import Sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_double_click_on_confirm_sale_sends_one_post_and_records_one_sale(manager_page):
    store = StoreFactory(name="Harbour Street", code="HBR")
    CustomerFactory(name="Bob Builder")
    hammer = ProductFactory(sku="HAM-1", name="Claw hammer", sale_price=Decimal("12.90"))
    receive(hammer, store, 5)
    page = manager_page
    page.goto("/sales/new/")
    choose_party(page, "Customer", "Bob Builder", typed="bob")
    page.get_by_label(labelled("Store")).select_option(label="Harbour Street")
    fill_line(document_line(page, 0), "Claw hammer", 2)

    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    # What the page shows while the post is on its way, noted in the page itself
    # (kept in sessionStorage across the navigation) just after the submit.
    page.evaluate(
        """() => document.addEventListener("submit", () => setTimeout(() => {
            const form = document.getElementById("document-form");
            const button = form.querySelector("button[type=submit]");
            sessionStorage.setItem("seen", JSON.stringify(
                [button.textContent, button.disabled, form.getAttribute("aria-busy")]));
        }, 0))  // after submit_once.js's own, queued first"""
    )
    page.get_by_role("button", name="Confirm sale").dblclick()

    expect_message(page, re.compile(r"Sale #\d+ was recorded\."))
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('seen'))") == [
        "Sending…",
        True,
        "true",
    ]
    assert len([post for post in posts if post.url.endswith("/sales/new/")]) == 1
    assert Sale.objects.count() == 1
