"""Every document form records once per page (core.submissions), through the real views.

Posting the same body twice (a double tap, a resend after a timeout, Back then
Send) records one document; the second post is sent to what the first recorded,
with a message. A post the engine refuses leaves its token unused. Another
user's token shows them nothing. Two posts at the same moment record once, on
SQLite, PostgreSQL and MariaDB (the concurrency test at the end).
"""

import re
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import FormSubmission
from core.submissions import SUBMISSION_TOKEN_FIELD, new_token

# Every thread's connection on one database; on SQLite, a file copy (see its docstring).
from inventory_project.tests.test_concurrency import threaded_database  # noqa: F401
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import StockMovement
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import assert_ledger_consistent, on_hand
from purchases.models import Purchase, PurchaseOrder, PurchaseReturn
from purchases.tests.factories import make_order, make_purchase
from sales.models import Sale, SaleReturn
from sales.tests.factories import make_sale
from sales.views import SaleCreateView
from transfers.models import Transfer
from transfers.tests.factories import make_transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

ALREADY_SENT = "This form was already sent"
TODAY = timezone.localdate


@pytest.fixture
def widget(store):
    product = ProductFactory(name="Blue Widget", sale_price=Decimal("9.00"))
    stock_up(product, store, 10, unit_cost=Decimal("4.00"))
    return product


@pytest.fixture
def customer():
    return CustomerFactory(name="Dana Buyer")


@pytest.fixture
def supplier():
    return SupplierFactory(name="Acme Supply")


def lines_data(lines: list[dict]) -> dict:
    data = {
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
    }
    for index, line in enumerate(lines):
        data.update({f"lines-{index}-{name}": value for name, value in line.items()})
    return data


def sale_data(customer, store, widget, quantity="2", token=None) -> dict:
    return {
        "customer": customer.pk,
        "store": store.pk,
        "date": TODAY().isoformat(),
        "notes": "",
        **lines_data([{"product": widget.sku, "quantity": quantity, "unit_price": ""}]),
        SUBMISSION_TOKEN_FIELD: token or new_token(),
    }


def post_twice(client, url, data):
    """The same body posted twice; returns both responses, the second followed."""
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    return first, second


def assert_sent_back_to(second, url):
    assert second.redirect_chain[-1][0] == url
    page = second.content.decode()
    assert ALREADY_SENT in page
    assert "Nothing was saved a second time." in page


def token_in(page) -> str:
    [token] = re.findall(r'name="submission_token" value="([^"]+)"', page.content.decode())
    return token


# The pages carry a token


@pytest.mark.parametrize(
    "route", ["sales:create", "purchases:create", "purchase_orders:create", "transfers:create"]
)
def test_each_new_document_page_carries_a_fresh_token(manager_client, route):
    first = token_in(manager_client.get(reverse(route)))
    second = token_in(manager_client.get(reverse(route)))

    assert first != second and len(first) >= 32


def test_a_form_shown_again_with_an_error_keeps_its_token(manager_client, store, customer, widget):
    data = sale_data(customer, store, widget)
    data["date"] = "not a date"

    page = manager_client.post(reverse("sales:create"), data)

    assert page.status_code == 200
    assert token_in(page) == data[SUBMISSION_TOKEN_FIELD]


def test_the_other_document_forms_carry_a_token(manager_client, store, customer, supplier, widget):
    sale = make_sale(store=store, customer=customer, lines=[(widget, 2)])
    purchase = make_purchase(store=store, supplier=supplier, lines=[(widget, 2)])
    order = make_order(store=store, supplier=supplier, lines=[(widget, 5)], place=True)
    draft = make_order(store=store, supplier=supplier, lines=[(widget, 5)])
    for url in [
        reverse("sales:return", args=[sale.pk]),
        reverse("purchases:return", args=[purchase.pk]),
        reverse("purchase_orders:receive", args=[order.pk]),
        reverse("purchase_orders:edit", args=[draft.pk]),
        widget.get_absolute_url(),  # the stock adjustment
    ]:
        assert token_in(manager_client.get(url)), url


# The same body twice records once


def test_a_sale_posted_twice_is_recorded_once(manager_client, store, customer, widget):
    first, second = post_twice(
        manager_client, reverse("sales:create"), sale_data(customer, store, widget)
    )

    sale = Sale.objects.get()
    assert first.status_code == 302 and first.url == sale.get_absolute_url()
    assert_sent_back_to(second, sale.get_absolute_url())
    assert str(sale) in second.content.decode()
    assert on_hand(widget, store) == 8
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SALE).count() == 1


def test_a_purchase_posted_twice_is_recorded_once(manager_client, store, supplier, widget):
    data = {
        "supplier": supplier.pk,
        "store": store.pk,
        "date": TODAY().isoformat(),
        "notes": "",
        **lines_data([{"product": widget.sku, "quantity": "5", "unit_cost": "4.00"}]),
        SUBMISSION_TOKEN_FIELD: new_token(),
    }

    first, second = post_twice(manager_client, reverse("purchases:create"), data)

    purchase = Purchase.objects.get()
    assert first.url == purchase.get_absolute_url()
    assert_sent_back_to(second, purchase.get_absolute_url())
    assert on_hand(widget, store) == 15


def order_data(supplier, store, widget, quantity="5") -> dict:
    return {
        "supplier": supplier.pk,
        "store": store.pk,
        "date": TODAY().isoformat(),
        "expected_date": "",
        "reference": "",
        "notes": "",
        **lines_data(
            [{"product": widget.sku, "quantity": quantity, "unit_cost": "2.50", "entered_in": ""}]
        ),
        SUBMISSION_TOKEN_FIELD: new_token(),
    }


def test_a_purchase_order_posted_twice_is_created_once(manager_client, store, supplier, widget):
    first, second = post_twice(
        manager_client, reverse("purchase_orders:create"), order_data(supplier, store, widget)
    )

    order = PurchaseOrder.objects.get()
    assert first.url == order.get_absolute_url()
    assert_sent_back_to(second, order.get_absolute_url())


def test_an_order_edit_sent_again_after_the_order_was_placed_says_it_was_saved(
    manager_client, store, supplier, widget
):
    draft = make_order(store=store, supplier=supplier, lines=[(widget, 5)])
    url = reverse("purchase_orders:edit", args=[draft.pk])
    data = order_data(supplier, store, widget, quantity="7")

    assert manager_client.post(url, data).status_code == 302
    manager_client.post(reverse("purchase_orders:place", args=[draft.pk]))
    again = manager_client.post(url, data, follow=True)

    assert_sent_back_to(again, draft.get_absolute_url())
    assert "only a draft can be edited" not in again.content.decode()
    assert draft.lines.get().quantity == 7


def test_a_receipt_posted_twice_receives_once(manager_client, store, supplier, widget):
    order = make_order(
        store=store, supplier=supplier, lines=[(widget, 10, Decimal("2.50"))], place=True
    )
    line = order.lines.get()
    data = {
        "date": TODAY().isoformat(),
        "reference": "DN-1",
        "notes": "",
        f"quantity_{line.pk}": "4",
        f"unit_cost_{line.pk}": "2.50",
        SUBMISSION_TOKEN_FIELD: new_token(),
    }

    first, second = post_twice(
        manager_client, reverse("purchase_orders:receive", args=[order.pk]), data
    )

    receipt = Purchase.objects.get(order=order)
    assert first.url == order.get_absolute_url()
    assert_sent_back_to(second, order.get_absolute_url())
    assert str(receipt) in second.content.decode()
    line.refresh_from_db()
    assert line.received_quantity == 4
    assert on_hand(widget, store) == 14


def test_a_receipt_that_completed_the_order_sent_again_says_it_was_saved(
    manager_client, store, supplier, widget
):
    order = make_order(
        store=store, supplier=supplier, lines=[(widget, 3, Decimal("2.50"))], place=True
    )
    line = order.lines.get()
    data = {
        "date": TODAY().isoformat(),
        "reference": "",
        "notes": "",
        f"quantity_{line.pk}": "3",
        f"unit_cost_{line.pk}": "2.50",
        SUBMISSION_TOKEN_FIELD: new_token(),
    }

    _, second = post_twice(
        manager_client, reverse("purchase_orders:receive", args=[order.pk]), data
    )

    assert_sent_back_to(second, order.get_absolute_url())
    assert "only an ordered or partially" not in second.content.decode()
    assert Purchase.objects.filter(order=order).count() == 1


def test_a_purchase_return_posted_twice_sends_back_once(manager_client, store, supplier, widget):
    purchase = make_purchase(store=store, supplier=supplier, lines=[(widget, 5, Decimal("4.00"))])
    line = purchase.lines.get()
    data = {
        "date": TODAY().isoformat(),
        "notes": "",
        f"quantity_{line.pk}": "2",
        f"reason_{line.pk}": "",
        SUBMISSION_TOKEN_FIELD: new_token(),
    }

    first, second = post_twice(
        manager_client, reverse("purchases:return", args=[purchase.pk]), data
    )

    debit_note = PurchaseReturn.objects.get()
    assert first.url == debit_note.get_absolute_url()
    assert_sent_back_to(second, debit_note.get_absolute_url())
    assert on_hand(widget, store) == 13


def test_a_sale_return_posted_twice_takes_back_once(manager_client, store, customer, widget):
    sale = make_sale(store=store, customer=customer, lines=[(widget, 4)])
    line = sale.lines.get()
    data = {
        "date": TODAY().isoformat(),
        "notes": "",
        "refund": "",
        f"quantity_{line.pk}": "1",
        f"restock_{line.pk}": "on",
        f"reason_{line.pk}": "",
        SUBMISSION_TOKEN_FIELD: new_token(),
    }

    first, second = post_twice(manager_client, reverse("sales:return", args=[sale.pk]), data)

    credit_note = SaleReturn.objects.get()
    assert first.url == credit_note.get_absolute_url()
    assert_sent_back_to(second, credit_note.get_absolute_url())
    assert on_hand(widget, store) == 7


def transfer_data(from_store, to_store, widget, quantity: str) -> dict:
    return {
        "from_store": from_store.pk,
        "to_store": to_store.pk,
        "date": TODAY().isoformat(),
        "reference": "",
        "notes": "",
        **lines_data([{"product": widget.sku, "quantity": quantity}]),
        SUBMISSION_TOKEN_FIELD: new_token(),
    }


def test_a_transfer_posted_twice_is_created_once(manager_client, store, other_store, widget):
    data = transfer_data(store, other_store, widget, quantity="3")

    first, second = post_twice(manager_client, reverse("transfers:create"), data)

    transfer = Transfer.objects.get()
    assert first.url == transfer.get_absolute_url()
    assert_sent_back_to(second, transfer.get_absolute_url())


def test_a_transfer_edit_sent_again_after_the_dispatch_says_it_was_saved(
    manager_client, store, other_store, widget
):
    draft = make_transfer(from_store=store, to_store=other_store, lines=[(widget, 3)])
    url = reverse("transfers:edit", args=[draft.pk])
    data = transfer_data(store, other_store, widget, quantity="2")

    assert manager_client.post(url, data).status_code == 302
    manager_client.post(reverse("transfers:dispatch", args=[draft.pk]))
    again = manager_client.post(url, data, follow=True)

    assert_sent_back_to(again, draft.get_absolute_url())
    draft.refresh_from_db()
    assert draft.status == Transfer.Status.DISPATCHED
    assert draft.lines.get().quantity == 2
    assert on_hand(widget, store) == 8


def test_a_transfer_receipt_posted_twice_says_it_was_received(
    manager_client, store, other_store, widget
):
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(widget, 3)], dispatch=True
    )
    line = transfer.lines.get()
    url = reverse("transfers:receive", args=[transfer.pk])
    page = manager_client.get(transfer.get_absolute_url())
    data = {f"receive-received_{line.pk}": "3", SUBMISSION_TOKEN_FIELD: token_in(page)}

    first, second = post_twice(manager_client, url, data)

    assert first.url == transfer.get_absolute_url()
    assert_sent_back_to(second, transfer.get_absolute_url())
    assert on_hand(widget, other_store) == 3


def test_a_stock_adjustment_posted_twice_moves_stock_once(manager_client, store, widget):
    data = {
        "adjust-store": store.pk,
        "adjust-mode": "change",
        "adjust-quantity": "-2",
        "adjust-reason": "Broken",
        SUBMISSION_TOKEN_FIELD: token_in(manager_client.get(widget.get_absolute_url())),
    }

    first, second = post_twice(manager_client, reverse("products:adjust", args=[widget.pk]), data)

    assert first.url == widget.get_absolute_url()
    assert_sent_back_to(second, widget.get_absolute_url())
    assert on_hand(widget, store) == 8
    # stock_up's adjustment, and this one once.
    assert StockMovement.objects.filter(kind=StockMovement.Kind.ADJUSTMENT).count() == 2


# What the guard must not do


def test_a_sale_refused_for_stock_then_corrected_with_the_same_token_is_recorded(
    manager_client, store, customer, widget
):
    data = sale_data(customer, store, widget, quantity="11")

    refused = manager_client.post(reverse("sales:create"), data)

    assert refused.status_code == 200
    assert "Not enough stock" in refused.content.decode()
    assert not Sale.objects.exists() and not FormSubmission.objects.exists()
    assert token_in(refused) == data[SUBMISSION_TOKEN_FIELD]

    corrected = manager_client.post(reverse("sales:create"), {**data, "lines-0-quantity": "3"})

    sale = Sale.objects.get()
    assert corrected.url == sale.get_absolute_url()
    assert on_hand(widget, store) == 7


def test_posts_without_a_token_are_recorded_as_before(manager_client, store, customer, widget):
    data = sale_data(customer, store, widget)
    del data[SUBMISSION_TOKEN_FIELD]

    manager_client.post(reverse("sales:create"), data)
    manager_client.post(reverse("sales:create"), data)

    assert Sale.objects.count() == 2


def test_another_users_token_never_shows_them_the_first_users_sale(
    manager_client, manager, django_user_model, store, customer, widget
):
    data = sale_data(customer, store, widget)
    manager_client.post(reverse("sales:create"), data)
    sale = Sale.objects.get()
    other = django_user_model.objects.create_user("other-manager")
    other.groups.set(manager.groups.all())
    other_client = Client()
    other_client.force_login(other)

    response = other_client.post(reverse("sales:create"), data, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("sales:create")
    assert ALREADY_SENT in page
    assert sale.get_absolute_url() not in page and str(sale) not in page
    assert Sale.objects.count() == 1


# Two posts at the same moment


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("threaded_database")  # first: every row below is where the threads look
def test_the_same_sale_posted_twice_at_the_same_moment_is_recorded_once(
    manager, store, customer, monkeypatch
):
    # The first post takes its time inside its transaction, token row written:
    # the second arrives while it is in flight, whichever thread wins the race.
    record = SaleCreateView.record
    recording = []

    def slow_record(view, form, line_forms):
        recording.append(threading.get_ident())
        time.sleep(0.5)
        return record(view, form, line_forms)

    monkeypatch.setattr(SaleCreateView, "record", slow_record)
    widget = ProductFactory(name="Blue Widget", sale_price=Decimal("9.00"))
    stock_up(widget, store, 10, unit_cost=Decimal("4.00"))
    data = sale_data(customer, store, widget, quantity="3")
    thread_count = 2
    barrier = threading.Barrier(thread_count)
    responses: list = [None] * thread_count

    def post(index):
        try:
            client = Client()
            client.force_login(manager)
            connection.ensure_connection()
            barrier.wait()
            responses[index] = client.post(reverse("sales:create"), data)
        except BaseException as error:  # reported to the test, never lost in the thread
            responses[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(thread_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert not any(thread.is_alive() for thread in threads), "a post still running: a hang"
    assert [type(r) for r in responses if isinstance(r, BaseException)] == []
    sale = Sale.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r.url for r in responses} == {sale.get_absolute_url()}
    assert on_hand(widget, store) == 7
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SALE).count() == 1
    assert FormSubmission.objects.get().url == sale.get_absolute_url()
    assert len(recording) == 1  # the second never reached the stock engine
    assert_ledger_consistent()
