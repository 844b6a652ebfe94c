"""Purchase order pages: list, new, edit, detail, steps, receive, print, PDF, CSV; who may do it."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CLERK
from core.tests.pdf_checks import pdf_text
from people.tests.factories import SupplierFactory
from products.models import StockLevel, Unit
from products.tests.factories import ProductFactory
from products.tests.stock_checks import on_hand, stock_snapshot
from purchases.models import Purchase, PurchaseOrder
from purchases.orders import (
    OrderRefused,
    OverReceipt,
    ReceiptLineInput,
    order_cancel,
    order_receive,
)
from purchases.services import purchase_void
from purchases.tests.factories import make_order
from stores.tests.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

LIST_URL = reverse("purchase_orders:list")
CREATE_URL = reverse("purchase_orders:create")
CSV_URL = reverse("reports:purchase-order-lines-csv")


def url(route: str, order) -> str:
    return reverse(f"purchase_orders:{route}", args=[order.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def on_order(product, store) -> Decimal:
    level = StockLevel.objects.filter(product=product, store=store).first()
    return level.on_order if level else Decimal("0")


@pytest.fixture
def supplier():
    return SupplierFactory(name="Acme Supplies")


@pytest.fixture
def widget(supplier):
    return ProductFactory(
        name="Blue Widget", sku="WID-1", supplier=supplier, cost_price=Decimal("2.50")
    )


@pytest.fixture
def screws(supplier):
    return ProductFactory(
        name="Wood screws", sku="SCR-5", supplier=supplier, cost_price=Decimal("0.05"),
        pack_size=Decimal("500"), pack_name="box",
    )  # fmt: skip


@pytest.fixture
def cable(supplier):
    return ProductFactory(
        name="Copper cable", sku="CAB-2", supplier=supplier, unit=Unit.objects.standard()["m"],
        cost_price=Decimal("1.20"),
    )  # fmt: skip


@pytest.fixture
def clerk_client(client, django_user_model):
    user = django_user_model.objects.create_user("counter-clerk")
    user.groups.add(Group.objects.get(name=CLERK))
    client.force_login(user)
    return client


@pytest.fixture
def placed(store, supplier, widget, cable):
    """An order sent to the supplier: 10 widgets at 2.50 and 25.5 m of cable at 1.20."""
    return make_order(
        store=store,
        supplier=supplier,
        lines=[(widget, 10, Decimal("2.50")), (cable, "25.5", Decimal("1.20"))],
        place=True,
        expected_date=timezone.localdate() + datetime.timedelta(days=7),
    )


def form_data(*, supplier, store, lines, **header) -> dict:
    """POST data for the order form; ``lines`` are (product, quantity, unit cost[, entered in])."""
    data = {
        "supplier": supplier.pk,
        "store": store.pk,
        "date": timezone.localdate().isoformat(),
        "expected_date": "",
        "reference": "QUOTE-9",
        "notes": "Deliver to the back door",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
        **header,
    }
    for index, (product, quantity, unit_cost, *entered_in) in enumerate(lines):
        data[f"lines-{index}-product"] = getattr(product, "sku", product)
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_cost"] = unit_cost
        data[f"lines-{index}-entered_in"] = entered_in[0] if entered_in else ""
    return data


def receipt_data(order, quantities: dict, costs: dict | None = None, **header) -> dict:
    """POST data for the receive page: ``quantities`` and ``costs`` by product."""
    data = {"date": timezone.localdate().isoformat(), "reference": "DN-1", "notes": "", **header}
    costs = costs or {}
    for line in order.lines.all():
        data[f"quantity_{line.pk}"] = quantities.get(line.product, "0")
        data[f"unit_cost_{line.pk}"] = costs.get(line.product, str(line.unit_cost))
    return data


# Who may open what


def every_url(order) -> list[tuple[str, str]]:
    return [
        ("get", LIST_URL),
        ("get", CREATE_URL),
        ("get", url("detail", order)),
        ("get", url("edit", order)),
        ("get", url("print", order)),
        ("get", url("pdf", order)),
        ("get", url("receive", order)),
        ("post", url("place", order)),
        ("post", url("cancel", order)),
        ("post", url("close-short", order)),
        ("post", url("delete", order)),
        ("get", CSV_URL),
    ]


def test_a_visitor_is_sent_to_log_in_everywhere(client, store, widget):
    order = make_order(store=store, lines=[(widget, 1)])

    for method, address in every_url(order):
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response.url.startswith(reverse("login")), address


def test_a_user_without_permissions_is_refused_everywhere(user_client, store, widget):
    order = make_order(store=store, lines=[(widget, 1)])

    for method, address in every_url(order):
        assert getattr(user_client, method)(address).status_code == 403, address
    assert PurchaseOrder.objects.get().status == PurchaseOrder.Status.DRAFT


def test_a_clerk_may_not_send_cancel_close_or_delete(clerk_client, store, widget):
    draft = make_order(store=store, lines=[(widget, 4)])
    partial = make_order(store=store, lines=[(widget, 4)], place=True)
    order_receive(
        order=partial, user=partial.created_by, lines=[ReceiptLineInput(partial.lines.get(), 1)]
    )

    for route, order in [
        ("place", draft),
        ("delete", draft),
        ("cancel", draft),
        ("close-short", partial),
    ]:
        assert clerk_client.post(url(route, order), {"reason": "x"}).status_code == 403, route
    assert PurchaseOrder.objects.get(pk=draft.pk).status == PurchaseOrder.Status.DRAFT
    assert PurchaseOrder.objects.get(pk=partial.pk).status == PurchaseOrder.Status.PARTIAL


def test_the_detail_page_offers_a_clerk_only_what_a_clerk_may_do(clerk_client, store, widget):
    draft = make_order(store=store, lines=[(widget, 4)])

    page = clerk_client.get(url("detail", draft))

    assert page.context["can"] == {
        "edit": True, "delete": False, "place": False, "receive": False, "cancel": False,
        "close_short": False,
    }  # fmt: skip
    assert url("edit", draft) in page.content.decode()
    assert url("place", draft) not in page.content.decode()


def test_the_steps_only_take_post(manager_client, placed):
    for route in ("place", "cancel", "close-short", "delete"):
        assert manager_client.get(url(route, placed)).status_code == 405


def test_unknown_orders_are_404(manager_client):
    for route in ("detail", "edit", "print", "pdf", "receive"):
        assert (
            manager_client.get(reverse(f"purchase_orders:{route}", args=[999999])).status_code
            == 404
        )
    assert (
        manager_client.post(reverse("purchase_orders:receive", args=[999999]), {}).status_code
        == 404
    )
    assert manager_client.post(reverse("purchase_orders:place", args=[999999])).status_code == 404


def test_the_nav_links_to_orders_for_those_who_may_see_them(manager_client):
    page = manager_client.get(LIST_URL).content.decode()
    assert f'nav-link active" href="{LIST_URL}">Orders</a>' in page


# Every page renders


def test_every_page_of_an_order_renders(manager_client, placed):
    for route in ("detail", "print", "receive"):
        response = manager_client.get(url(route, placed))
        assert response.status_code == 200, route
        assert "Blue Widget" in response.content.decode(), route
    assert manager_client.get(LIST_URL).status_code == 200
    assert manager_client.get(CREATE_URL).status_code == 200


# New and edited drafts


def test_a_clerk_records_a_draft_in_units_and_packs(clerk_client, store, supplier, widget, screws):
    response = clerk_client.post(
        CREATE_URL,
        form_data(
            supplier=supplier,
            store=store,
            lines=[(widget, "12", ""), (screws, "3", "0.04", "packs")],
            expected_date=(timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        ),
    )

    order = PurchaseOrder.objects.get()
    assert response.status_code == 302
    assert response.url == url("detail", order)
    assert (order.status, order.supplier, order.store, order.reference) == (
        "draft", supplier, store, "QUOTE-9"
    )  # fmt: skip
    first, second = order.lines.all()
    # A blank agreed cost is the product's cost price.
    assert (first.product, first.quantity, first.unit_cost) == (widget, 12, Decimal("2.50"))
    assert (second.quantity, second.packs, second.pack_size) == (1500, 3, 500)
    assert second.unit_cost == Decimal("0.04")
    # A draft is not on order yet.
    assert on_order(widget, store) == 0


@pytest.mark.parametrize(
    ("typed", "entered_in"),
    [("-1", ""), ("0", ""), ("abc", ""), ("2.5", ""), ("99999999999999", ""), ("1.5", "packs")],
)
def test_a_bad_quantity_is_a_line_error_and_nothing_is_saved(
    manager_client, store, supplier, screws, typed, entered_in
):
    response = manager_client.post(
        CREATE_URL,
        form_data(supplier=supplier, store=store, lines=[(screws, typed, "", entered_in)]),
    )

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["quantity"]
    assert not PurchaseOrder.objects.exists()


def test_an_expected_date_before_the_order_date_is_refused(manager_client, store, supplier, widget):
    response = manager_client.post(
        CREATE_URL,
        form_data(
            supplier=supplier,
            store=store,
            lines=[(widget, "1", "")],
            date="2026-03-02",
            expected_date="2026-03-01",
        ),
    )

    assert response.context["form"].errors["expected_date"] == [
        "The expected date cannot be before the order date."
    ]
    assert not PurchaseOrder.objects.exists()


def test_the_form_is_prefilled_from_a_reorder_link(manager_client, store, widget, supplier):
    response = manager_client.get(CREATE_URL, {"product": widget.pk, "store": store.pk})

    assert response.context["form"].initial == {"supplier": supplier.pk, "store": store.pk}
    assert response.context["formset"].initial == [
        {"product": widget, "unit_cost": Decimal("2.50")}
    ]


@pytest.mark.parametrize("value", ["abc", "0", "999999999999", "-1", "1" * 40])
def test_the_form_ignores_bad_prefill_values(manager_client, value):
    response = manager_client.get(CREATE_URL, {"product": value, "store": value})

    assert response.status_code == 200
    assert response.context["form"].initial == {}


def test_a_clerk_edits_a_draft(clerk_client, store, other_store, supplier, widget, screws):
    order = make_order(store=store, supplier=supplier, lines=[(widget, 4)])
    # Put the screws on in packs through the page, then read it back.
    clerk_client.post(
        url("edit", order),
        form_data(supplier=supplier, store=store, lines=[(screws, "2", "0.05", "packs")]),
    )

    page = clerk_client.get(url("edit", order))
    assert page.context["formset"].initial == [
        {"product": screws, "quantity": Decimal("2.000"), "entered_in": "packs",
         "unit_cost": Decimal("0.05")}
    ]  # fmt: skip
    assert page.context["form"].initial["store"] == store.pk

    response = clerk_client.post(
        url("edit", order),
        form_data(supplier=supplier, store=other_store, lines=[(widget, "7", "2.00")]),
    )

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.store == other_store
    assert [(line.product, line.quantity, line.unit_cost) for line in order.lines.all()] == [
        (widget, 7, Decimal("2.00"))
    ]


def test_an_order_already_sent_is_not_edited(manager_client, placed, store, supplier, widget):
    page = manager_client.get(url("edit", placed), follow=True)
    assert "only a draft can be edited" in messages_of(page)[0]

    manager_client.post(
        url("edit", placed), form_data(supplier=supplier, store=store, lines=[(widget, "1", "")])
    )
    assert placed.lines.first().quantity == 10


# Steps


def test_a_manager_sends_a_draft_and_it_counts_as_on_order(manager_client, store, widget):
    order = make_order(store=store, lines=[(widget, 6)])

    response = manager_client.post(url("place", order), follow=True)

    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.ORDERED
    assert order.ordered_by.username == "manager"
    assert on_order(widget, store) == 6
    assert messages_of(response) == [
        f"Purchase order #{order.pk} was sent to the supplier: its quantities count as on order."
    ]
    # Sending it again is a message, not an error page.
    again = manager_client.post(url("place", order), follow=True)
    assert messages_of(again)[0].startswith("Nothing was changed: Purchase order")
    assert on_order(widget, store) == 6


def test_sending_an_order_of_an_archived_product_is_a_message(manager_client, store, widget):
    order = make_order(store=store, lines=[(widget, 6)])
    widget.archive()

    response = manager_client.post(url("place", order), follow=True)

    assert "Blue Widget is archived" in messages_of(response)[0]
    assert PurchaseOrder.objects.get().status == PurchaseOrder.Status.DRAFT


def test_a_manager_cancels_an_order_with_a_reason(manager_client, placed, store, widget):
    refused = manager_client.post(url("cancel", placed), {"reason": "  "}, follow=True)
    assert messages_of(refused) == ["Give a reason (up to 255 characters)."]
    assert on_order(widget, store) == 10

    response = manager_client.post(
        url("cancel", placed), {"reason": "Found it cheaper"}, follow=True
    )

    placed.refresh_from_db()
    assert (placed.status, placed.close_reason) == ("cancelled", "Found it cheaper")
    assert on_order(widget, store) == 0
    page = response.content.decode()
    assert "Found it cheaper" in page
    assert "10 pcs cancelled" in page


def test_a_partial_order_is_closed_short_not_cancelled(manager_client, placed, store, widget):
    line = placed.lines.get(product=widget)
    order_receive(order=placed, user=placed.created_by, lines=[ReceiptLineInput(line, 4)])

    cancel = manager_client.post(url("cancel", placed), {"reason": "x"}, follow=True)
    assert "only a draft or ordered order can be cancelled" in messages_of(cancel)[0]

    page = manager_client.get(url("detail", placed))
    assert page.context["can"]["close_short"] and not page.context["can"]["cancel"]
    response = manager_client.post(
        url("close-short", placed), {"reason": "Discontinued"}, follow=True
    )

    placed.refresh_from_db()
    assert placed.status == PurchaseOrder.Status.CLOSED_SHORT
    assert on_order(widget, store) == 0
    assert "6 pcs closed short" in response.content.decode()


def test_a_draft_is_deleted_and_an_order_sent_is_not(manager_client, store, widget, placed):
    draft = make_order(store=store, lines=[(widget, 1)])

    response = manager_client.post(url("delete", draft), follow=True)
    refused = manager_client.post(url("delete", placed), follow=True)

    assert response.redirect_chain[-1][0] == LIST_URL
    assert messages_of(response) == [f"Purchase order #{draft.pk} (a draft) was deleted."]
    assert "only a draft order can be deleted" in messages_of(refused)[0]
    assert list(PurchaseOrder.objects.all()) == [placed]


# Receiving


def test_the_receipt_form_is_prefilled_with_what_is_outstanding(manager_client, placed, widget):
    line = placed.lines.get(product=widget)
    order_receive(order=placed, user=placed.created_by, lines=[ReceiptLineInput(line, 4)])

    response = manager_client.get(url("receive", placed))

    form = response.context["form"]
    assert form[f"quantity_{line.pk}"].value() == "6"
    assert form[f"unit_cost_{line.pk}"].value() == Decimal("2.50")
    assert form["date"].value() == timezone.localdate()
    page = response.content.decode()
    assert f'name="quantity_{line.pk}" value="6"' in page
    assert f'name="unit_cost_{line.pk}" value="2.50"' in page
    assert 'name="allow_over"' not in page


def test_a_clerk_receives_part_then_the_rest(clerk_client, placed, store, widget, cable):
    response = clerk_client.post(
        url("receive", placed),
        receipt_data(placed, {widget: "4", cable: "10.5"}, reference="DN-77"),
        follow=True,
    )

    receipt = Purchase.objects.get()
    placed.refresh_from_db()
    assert (receipt.order, receipt.reference, receipt.supplier) == (
        placed,
        "DN-77",
        placed.supplier,
    )
    assert response.redirect_chain[-1][0] == url("detail", placed)
    assert messages_of(response) == [
        f"Purchase #{receipt.pk} was recorded: the goods are in stock at Main Street; "
        f"Purchase order #{placed.pk} is partially received."
    ]
    assert placed.status == PurchaseOrder.Status.PARTIAL
    assert (on_hand(widget, store), on_order(widget, store)) == (4, 6)
    assert (on_hand(cable, store), on_order(cable, store)) == (Decimal("10.5"), 15)
    assert f'href="{receipt.get_absolute_url()}"' in response.content.decode()

    clerk_client.post(url("receive", placed), receipt_data(placed, {widget: "6", cable: "15"}))

    placed.refresh_from_db()
    assert placed.status == PurchaseOrder.Status.RECEIVED
    assert (on_hand(widget, store), on_order(widget, store)) == (10, 0)
    assert (on_hand(cable, store), on_order(cable, store)) == (Decimal("25.5"), 0)


def test_over_receiving_needs_the_checkbox(manager_client, placed, store, widget):
    before = stock_snapshot()

    response = manager_client.post(url("receive", placed), receipt_data(placed, {widget: "12"}))

    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert error.startswith(
        "More than was ordered: Blue Widget: 12 pcs received, 10 pcs outstanding."
    )
    assert 'name="allow_over"' in response.content.decode()
    assert stock_snapshot() == before
    assert on_order(widget, store) == 10

    response = manager_client.post(
        url("receive", placed), receipt_data(placed, {widget: "12"}, allow_over="on")
    )

    placed.refresh_from_db()
    assert response.status_code == 302
    assert on_hand(widget, store) == 12
    assert on_order(widget, store) == 0
    # The cable was not received: the order stays partially received.
    assert placed.status == PurchaseOrder.Status.PARTIAL


def test_a_receipt_of_nothing_is_refused(manager_client, placed):
    before = stock_snapshot()

    response = manager_client.post(url("receive", placed), receipt_data(placed, {}))

    assert response.context["form"].non_field_errors() == [
        "Enter the quantity received of at least one line."
    ]
    assert stock_snapshot() == before


@pytest.mark.parametrize("typed", ["-1", "abc", "2.5", "99999999999999", "1.0001"])
def test_a_bad_received_quantity_is_a_field_error(manager_client, placed, widget, typed):
    line = placed.lines.get(product=widget)
    before = stock_snapshot()

    response = manager_client.post(url("receive", placed), receipt_data(placed, {widget: typed}))

    assert response.status_code == 200
    assert response.context["form"].errors[f"quantity_{line.pk}"]
    assert stock_snapshot() == before


@pytest.mark.parametrize("typed", ["-1", "abc", "1.234", "99999999999"])
def test_a_bad_unit_cost_is_a_field_error(manager_client, placed, widget, typed):
    line = placed.lines.get(product=widget)

    response = manager_client.post(
        url("receive", placed), receipt_data(placed, {widget: "1"}, {widget: typed})
    )

    assert response.context["form"].errors[f"unit_cost_{line.pk}"]
    assert not Purchase.objects.exists()


def test_a_receipt_date_in_the_future_or_before_the_order_is_refused(
    manager_client, placed, widget
):
    for date in (
        timezone.localdate() + datetime.timedelta(days=1),
        placed.date - datetime.timedelta(days=1),
    ):
        response = manager_client.post(
            url("receive", placed), receipt_data(placed, {widget: "1"}, date=date.isoformat())
        )
        assert response.context["form"].errors["date"]
    assert not Purchase.objects.exists()


def test_a_price_change_is_kept_on_the_receipt_and_shown_beside_the_agreed_cost(
    manager_client, placed, widget
):
    manager_client.post(
        url("receive", placed), receipt_data(placed, {widget: "2"}, {widget: "2.75"})
    )

    receipt = Purchase.objects.get()
    assert receipt.lines.get().unit_cost == Decimal("2.75")
    page = manager_client.get(receipt.get_absolute_url()).content.decode()
    assert (
        f'href="{url("detail", placed)}" data-testid="receipt-order">Purchase order #{placed.pk}'
        in page
    )
    assert 'data-testid="agreed-cost">agreed $2.50' in page


def test_a_blank_unit_cost_is_the_agreed_one(manager_client, placed, widget):
    manager_client.post(url("receive", placed), receipt_data(placed, {widget: "2"}, {widget: ""}))

    assert Purchase.objects.get().lines.get().unit_cost == Decimal("2.50")
    page = manager_client.get(Purchase.objects.get().get_absolute_url()).content.decode()
    assert "agreed-cost" not in page


@pytest.mark.parametrize("status", ["draft", "received", "cancelled"])
def test_only_an_open_order_is_received_against(manager_client, store, widget, status):
    order = make_order(store=store, lines=[(widget, 2)], place=status != "draft")
    if status == "received":
        order_receive(
            order=order, user=order.created_by, lines=[ReceiptLineInput(order.lines.get(), 2)]
        )
    elif status == "cancelled":
        order_cancel(order=order, user=order.created_by, reason="Not needed")
    before = stock_snapshot()

    page = manager_client.get(url("receive", order), follow=True)
    post = manager_client.post(
        url("receive", order), receipt_data(order, {widget: "1"}), follow=True
    )

    assert "only an ordered or partially received order can be received" in messages_of(page)[0]
    assert "only an ordered or partially received order can be received" in messages_of(post)[0]
    assert stock_snapshot() == before


@pytest.mark.parametrize(
    ("refusal", "shown"),
    [
        (OverReceipt("more than was ordered: Blue Widget"), "form"),
        (OrderRefused("Purchase order is cancelled"), "message"),
    ],
)
def test_a_refusal_by_the_service_is_shown_never_a_server_error(
    manager_client, placed, widget, monkeypatch, refusal, shown
):
    """What changed between the form's check and the locked order (another receipt, a cancel)."""

    def refuse(**kwargs):
        raise refusal

    monkeypatch.setattr("purchases.order_views.order_receive", refuse)

    response = manager_client.post(
        url("receive", placed), receipt_data(placed, {widget: "1"}), follow=True
    )

    assert response.status_code == 200
    if shown == "form":
        assert (
            "Nothing was received: more than was ordered"
            in response.context["form"].non_field_errors()[0]
        )
        assert 'name="allow_over"' in response.content.decode()
    else:
        assert messages_of(response) == ["Nothing was received: Purchase order is cancelled."]


def test_a_voided_receipt_is_marked_and_its_quantity_outstanding_again(
    manager_client, manager, placed, store, widget
):
    manager_client.post(url("receive", placed), receipt_data(placed, {widget: "4"}))
    receipt = Purchase.objects.get()
    purchase_void(purchase=receipt, user=manager, reason="Wrong delivery")

    page = manager_client.get(url("detail", placed))

    content = page.content.decode()
    assert f'href="{receipt.get_absolute_url()}">Purchase #{receipt.pk}</a>' in content
    assert "Voided" in content
    assert on_order(widget, store) == 10
    assert (
        manager_client.get(url("receive", placed))
        .context["form"][f"quantity_{placed.lines.get(product=widget).pk}"]
        .value()
        == "10"
    )


# Detail, list, supplier page, CSV


def test_the_detail_page_shows_history_lines_and_receipts(manager_client, placed, widget, cable):
    order_receive(
        order=placed,
        user=placed.created_by,
        lines=[ReceiptLineInput(placed.lines.get(product=widget), 4)],
    )

    response = manager_client.get(url("detail", placed))

    content = response.content.decode()
    assert "Partially received" in content
    assert "by factory-clerk" in content
    assert "Sent</dt>" in content
    outstanding = [line.remaining for line in response.context["lines"]]
    assert outstanding == [6, Decimal("25.5")]
    assert "25.5 m" in content
    assert 'data-testid="order-value">$55.60' in content  # 10 × 2.50 + 25.5 × 1.20
    assert response.context["received_units"] == 4


def test_the_list_filters_and_searches(manager_client, store, other_store, supplier, widget):
    other_supplier = SupplierFactory(name="Bolt Brothers")
    draft = make_order(store=store, supplier=supplier, lines=[(widget, 1)], reference="Q-ALPHA")
    sent = make_order(store=other_store, supplier=other_supplier, lines=[(widget, 2)], place=True)
    old = make_order(
        store=store, supplier=supplier, lines=[(widget, 3)], date=datetime.date(2025, 1, 5)
    )

    def listed(**query):
        return [order.pk for order in manager_client.get(LIST_URL, query).context["object_list"]]

    assert listed() == [sent.pk, draft.pk, old.pk]
    assert listed(status="ordered") == [sent.pk]
    assert listed(status="open") == [sent.pk]
    assert listed(store=other_store.pk) == [sent.pk]
    assert listed(supplier=other_supplier.pk) == [sent.pk]
    assert listed(q="bolt") == [sent.pk]
    assert listed(q="alpha") == [draft.pk]
    assert listed(q=f"#{old.pk}") == [old.pk]
    assert listed(date_from="2025-01-01", date_to="2025-01-31") == [old.pk]
    assert listed(store="nonsense", status="nonsense") == [sent.pk, draft.pk, old.pk]


@pytest.mark.parametrize("term", ["²", "#²", "#", "٣", "1" * 40])
def test_a_search_for_odd_numbers_is_no_error(manager_client, term):
    assert manager_client.get(LIST_URL, {"q": term}).status_code == 200
    csv = manager_client.get(CSV_URL, {"q": term})
    assert b"".join(csv.streaming_content).decode("utf-8-sig").count("\n") == 1


def test_the_list_shows_status_value_and_progress(manager_client, placed, widget):
    order_receive(
        order=placed,
        user=placed.created_by,
        lines=[ReceiptLineInput(placed.lines.get(product=widget), 10)],
    )

    response = manager_client.get(LIST_URL)

    [order] = response.context["object_list"]
    assert (order.line_count, order.value, order.received_units) == (2, Decimal("55.60"), 10)
    content = response.content.decode()
    assert "Partially received" in content
    assert 'data-testid="received-progress">28%' in content  # 10 of 35.5 units
    assert f'href="{CSV_URL}?"' in content


# Session, user, permissions (group + user), count, rows, the store filter's stores.
LIST_QUERIES = 7


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_runs_the_same_queries_for_one_order_or_many(
    manager_client, django_assert_num_queries, store, widget, cable, count
):
    for _ in range(count):
        make_order(store=StoreFactory(), lines=[(widget, 1), (cable, 2)], place=True)

    with django_assert_num_queries(LIST_QUERIES):
        response = manager_client.get(LIST_URL)

    assert len(response.context["object_list"]) == min(count, 25)


# Session, user, permissions (group + user), the order, its lines, its receipts, the
# user's profile (the stores they act in: accounts.access), the History section's
# entries (audit.sections).
DETAIL_QUERIES = 9


@pytest.mark.parametrize("count", [1, 8])
def test_the_detail_page_runs_the_same_queries_for_few_lines_or_many(
    manager_client, django_assert_num_queries, store, supplier, count
):
    products = [ProductFactory(supplier=supplier) for _ in range(count)]
    order = make_order(
        store=store, supplier=supplier, lines=[(p, 10) for p in products], place=True
    )
    for _ in range(count):
        order_receive(
            order=order, user=order.created_by,
            lines=[ReceiptLineInput(line, 1) for line in order.lines.all()],
        )  # fmt: skip

    with django_assert_num_queries(DETAIL_QUERIES):
        response = manager_client.get(url("detail", order))

    assert len(response.context["receipts"]) == count


def test_the_csv_has_a_row_per_line_and_honours_the_filters(manager_client, placed, store, widget):
    order_receive(
        order=placed,
        user=placed.created_by,
        lines=[ReceiptLineInput(placed.lines.get(product=widget), 4)],
    )
    make_order(store=store, lines=[(widget, 1)])  # a draft, filtered out below

    response = manager_client.get(CSV_URL, {"status": "partial"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0] == (
        "Purchase order,Date,Supplier,Store,Status,Expected,Reference,SKU,Product,Unit,Ordered,"
        "Packs,Pack size,Received,Outstanding,Agreed unit cost,Line total"
    )
    assert len(rows) == 3
    widget_row = next(row for row in rows if ",WID-1," in row)
    assert widget_row.startswith(
        f"{placed.pk},{placed.date.isoformat()},Acme Supplies,Main Street,partial,"
    )
    assert widget_row.endswith(",WID-1,Blue Widget,piece,10,,,4,6,2.50,25.00")
    assert next(row for row in rows if ",CAB-2," in row).endswith(",metre,25.5,,,0,25.5,1.20,30.60")


def test_the_supplier_page_lists_its_open_orders(manager_client, placed, supplier, store, widget):
    make_order(store=store, supplier=supplier, lines=[(widget, 1)], reference="DRAFT-ONLY")

    response = manager_client.get(supplier.get_absolute_url())

    assert [order.pk for order in response.context["open_orders"]] == [placed.pk]
    content = response.content.decode()
    assert 'data-testid="open-orders"' in content
    assert f'href="{url("detail", placed)}">Purchase order #{placed.pk}</a>' in content


# Print and PDF


def test_the_printable_order_names_the_delivery_store_lines_and_total(
    manager_client, store, screws, settings
):
    settings.SHOP_ADDRESS = "12 Harbour Road\nPort Town"
    settings.SHOP_TAX_NUMBER = "GB 123 4567 89"
    store.address = "1 Main Street\nSpringfield"
    store.save()
    order = make_order(store=store, lines=[(screws, 1000)], notes="Ring the bell")
    line = order.lines.get()
    line.packs, line.pack_size = 2, 500
    line.save()

    content = manager_client.get(url("print", order)).content.decode()

    assert "Deliver to" in content and "1 Main Street<br>Springfield" in content
    assert "12 Harbour Road<br>Port Town" in content
    assert 'data-testid="shop-tax-number">Tax number: GB 123 4567 89<' in content
    assert "1,000 pcs" in content and "2 × box of 500" in content
    assert 'data-testid="order-value">$50.00' in content
    assert "Ring the bell" in content
    assert "Draft: not yet sent" in content


def test_the_pdf_is_a_pdf_of_the_order(manager_client, placed, settings):
    settings.SHOP_ADDRESS = "12 Harbour Road\nPort Town"
    settings.SHOP_TAX_NUMBER = "GB 123 4567 89"

    response = manager_client.get(url("pdf", placed))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    placed.refresh_from_db()
    assert placed.number.startswith("PO-")  # sent: it has its number
    assert response["Content-Disposition"] == (
        f'attachment; filename="purchase-order-{placed.number}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert b"Blue Widget" in text
    assert b"25.5 m" in text
    assert f"Purchase order {placed.number}".encode() in text
    assert b"Main Street" in text
    assert b"$55.60" in text
    assert b"12 Harbour Road" in text and b"Tax number: GB 123 4567 89" in text


def test_the_pdf_prints_characters_the_builtin_font_lacks_as_question_marks(manager_client, store):
    product = ProductFactory(name="Café crème 東京 €")
    order = make_order(store=store, lines=[(product, 1)])

    response = manager_client.get(url("pdf", order))

    assert response.status_code == 200
    # cp1252: é and € kept (as their single bytes), the Japanese as "?".
    assert "Café crème ?? €".encode("cp1252") in pdf_text(response.content)


def test_a_product_on_two_lines_is_a_line_error(manager_client):
    product = ProductFactory(name="Hinge")
    store = StoreFactory()
    data = {
        "supplier": product.supplier_id,
        "store": store.pk,
        "date": "2026-12-01",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
        "lines-0-product": product.sku,
        "lines-0-quantity": "5",
        "lines-1-product": product.sku,
        "lines-1-quantity": "5",
    }
    response = manager_client.post(reverse("purchase_orders:create"), data)
    assert response.status_code == 200
    assert "Hinge is already on this order: put it on one line." in response.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_editing_a_draft_in_packs_keeps_its_units_when_the_pack_size_changed(manager_client):
    box = ProductFactory(name="Screws", pack_size=Decimal("500"), pack_name="box")
    order = make_order(lines=[(box, 1000)])
    order.lines.update(packs=2, pack_size=500)
    box.pack_size = Decimal("250")
    box.save()

    page = manager_client.get(reverse("purchase_orders:edit", args=[order.pk]))

    line = page.context["formset"].forms[0]
    assert line.initial["quantity"] == 1000
    assert line.initial["entered_in"] == ""


def test_a_cancelled_order_prints_as_cancelled(manager_client, manager):
    order = make_order(lines=[(ProductFactory(), 3)], place=True)
    order_cancel(order=order, user=manager, reason="Supplier closed")

    page = manager_client.get(reverse("purchase_orders:print", args=[order.pk]))

    assert "CANCELLED: Supplier closed" in page.content.decode()


def test_the_product_page_lists_its_open_orders_with_their_expected_dates(manager_client):
    product = ProductFactory(name="Hinge")
    store = StoreFactory(name="Harbour Street")
    expected = datetime.date(2030, 1, 15)
    make_order(store=store, lines=[(product, 7)], place=True, expected_date=expected)
    make_order(store=store, lines=[(product, 3)])  # a draft is not on order

    page = manager_client.get(product.get_absolute_url())

    [line] = next(s for s in page.context["sections"] if "on_order" in s["template"])["lines"]
    assert (line.order.store, line.remaining, line.order.expected_date) == (store, 7, expected)
    content = page.content.decode()
    assert 'data-testid="on-order-line"' in content
    assert "Jan. 15, 2030" in content
