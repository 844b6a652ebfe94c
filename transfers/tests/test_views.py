"""Transfer pages: list, new, edit, detail with its steps, packing slip, CSV; who may do what."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import CLERK
from products.models import StockMovement
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import on_hand, stock_snapshot
from transfers.models import Transfer
from transfers.tests.factories import make_transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

LIST_URL = reverse("transfers:list")
CREATE_URL = reverse("transfers:create")


@pytest.fixture
def drill(store):
    product = ProductFactory(name="Cordless drill", sku="DRL-2")
    stock_up(product, store, 10, unit_cost=Decimal("40.00"))
    return product


@pytest.fixture
def clerk_client(client, django_user_model):
    user = django_user_model.objects.create_user("counter-clerk")
    user.groups.add(Group.objects.get(name=CLERK))
    client.force_login(user)
    return client


def form_data(*, from_store, to_store, lines) -> dict:
    data = {
        "from_store": from_store.pk,
        "to_store": to_store.pk,
        "date": "2026-03-02",
        "reference": "VAN-7",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "100",
    }
    for index, (product, quantity) in enumerate(lines):
        data[f"lines-{index}-product"] = getattr(product, "sku", product)
        data[f"lines-{index}-quantity"] = quantity
    return data


def test_a_clerk_creates_dispatches_and_receives_a_transfer(
    clerk_client, store, other_store, drill
):
    response = clerk_client.post(
        CREATE_URL, form_data(from_store=store, to_store=other_store, lines=[(drill, "4")])
    )
    transfer = Transfer.objects.get()
    assert response.status_code == 302
    assert transfer.status == Transfer.Status.DRAFT

    clerk_client.post(reverse("transfers:dispatch", args=[transfer.pk]))
    assert (on_hand(drill, store), Transfer.objects.get().status) == (6, "dispatched")

    line = transfer.lines.get()
    response = clerk_client.post(
        reverse("transfers:receive", args=[transfer.pk]),
        {f"receive-received_{line.pk}": "3", "receive-reason": "One fell off the van"},
        follow=True,
    )

    assert f"Transfer #{transfer.pk} was received." in response.content.decode()
    assert on_hand(drill, other_store) == 3
    assert StockMovement.objects.get(kind="transit_variance").quantity == -1


def test_a_receive_with_a_difference_and_no_reason_shows_the_form_again(
    clerk_client, store, other_store, drill
):
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(drill, 4)], dispatch=True
    )
    line = transfer.lines.get()
    before = stock_snapshot()

    response = clerk_client.post(
        reverse("transfers:receive", args=[transfer.pk]), {f"receive-received_{line.pk}": "3"}
    )

    assert response.status_code == 200
    assert response.context["receive_form"].errors["reason"] == [
        "Say why what arrived differs from what was sent."
    ]
    assert stock_snapshot() == before


@pytest.mark.parametrize("typed", ["-1", "abc", "2.5", "99999999999999"])
def test_a_bad_received_quantity_is_a_field_error(clerk_client, store, other_store, drill, typed):
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(drill, 4)], dispatch=True
    )
    line = transfer.lines.get()

    response = clerk_client.post(
        reverse("transfers:receive", args=[transfer.pk]),
        {f"receive-received_{line.pk}": typed, "receive-reason": "x"},
    )

    assert response.status_code == 200
    assert response.context["receive_form"].errors[f"received_{line.pk}"]
    assert Transfer.objects.get().status == Transfer.Status.DISPATCHED


def test_dispatch_short_is_a_message_and_nothing_moves(clerk_client, store, other_store, drill):
    transfer = make_transfer(from_store=store, to_store=other_store, lines=[(drill, 11)])

    response = clerk_client.post(reverse("transfers:dispatch", args=[transfer.pk]), follow=True)

    assert (
        "Only 10 pcs of Cordless drill in Main Street, 11 pcs requested"
        in response.content.decode()
    )
    assert Transfer.objects.get().status == Transfer.Status.DRAFT


def test_the_same_store_twice_is_a_field_error(clerk_client, store, drill):
    response = clerk_client.post(
        CREATE_URL, form_data(from_store=store, to_store=store, lines=[(drill, "1")])
    )

    assert response.context["form"].errors["to_store"] == [
        "Choose a store other than the one the goods leave."
    ]
    assert not Transfer.objects.exists()


def test_clerks_may_not_cancel_or_void(clerk_client, store, other_store, drill):
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(drill, 4)], dispatch=True
    )

    response = clerk_client.post(reverse("transfers:cancel", args=[transfer.pk]), {"reason": "x"})

    assert response.status_code == 403
    assert Transfer.objects.get().status == Transfer.Status.DISPATCHED


def test_a_manager_voids_a_received_transfer(manager_client, store, other_store, drill):
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(drill, 4)], receive=True
    )

    response = manager_client.post(
        reverse("transfers:void", args=[transfer.pk]), {"reason": "Wrong"}, follow=True
    )

    assert f"Transfer #{transfer.pk} was voided" in response.content.decode()
    assert (on_hand(drill, store), on_hand(drill, other_store)) == (10, 0)


def test_the_form_is_prefilled_from_the_transfer_buttons(manager_client, store, other_store, drill):
    response = manager_client.get(
        CREATE_URL, {"product": drill.pk, "from_store": store.pk, "to_store": other_store.pk}
    )

    assert response.context["form"].initial == {"from_store": store.pk, "to_store": other_store.pk}
    assert response.context["formset"].initial == [{"product": drill}]


@pytest.mark.parametrize("value", ["abc", "0", "999999999999", "-1"])
def test_the_form_ignores_bad_prefill_values(manager_client, value):
    response = manager_client.get(CREATE_URL, {"product": value, "from_store": value})

    assert response.status_code == 200
    assert response.context["form"].initial == {}


def test_a_draft_is_edited_and_deleted(manager_client, store, other_store, drill):
    transfer = make_transfer(from_store=store, to_store=other_store, lines=[(drill, 4)])

    page = manager_client.get(reverse("transfers:edit", args=[transfer.pk]))
    assert page.context["formset"].initial == [{"product": drill, "quantity": Decimal("4.000")}]
    manager_client.post(
        reverse("transfers:edit", args=[transfer.pk]),
        form_data(from_store=other_store, to_store=store, lines=[(drill, "2")]),
    )
    transfer.refresh_from_db()
    assert (transfer.from_store, transfer.lines.get().quantity) == (other_store, 2)

    manager_client.post(reverse("transfers:delete", args=[transfer.pk]))
    assert not Transfer.objects.exists()


def test_only_drafts_are_edited(manager_client, store, other_store, drill):
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(drill, 4)], dispatch=True
    )

    url = reverse("transfers:edit", args=[transfer.pk])

    # The edit page of a dispatched transfer (an old tab, a bookmark) says why, on the transfer.
    page = manager_client.get(url, follow=True)
    assert page.redirect_chain == [(transfer.get_absolute_url(), 302)]
    assert "only a draft can be edited" in page.content.decode()
    sent = manager_client.post(
        url, form_data(from_store=store, to_store=other_store, lines=[(drill, "1")])
    )
    assert sent.url == transfer.get_absolute_url()
    assert transfer.lines.get().quantity == 4
    assert manager_client.get(reverse("transfers:edit", args=[999999])).status_code == 404


def test_the_product_and_store_pages_show_what_is_in_transit(
    manager_client, store, other_store, drill
):
    make_transfer(from_store=store, to_store=other_store, lines=[(drill, 4)], dispatch=True)

    product_page = manager_client.get(drill.get_absolute_url()).content.decode()
    store_page = manager_client.get(other_store.get_absolute_url()).content.decode()

    assert 'data-testid="in-transit"' in product_page
    assert "4 pcs" in product_page
    assert f"?product={drill.pk}&amp;from_store={store.pk}" in product_page
    assert 'data-testid="store-in-transit"' in store_page
    assert "Cordless drill" in store_page


@pytest.mark.parametrize("term", ["²", "#²", "#", "٣", "1" * 40])
def test_a_search_for_odd_numbers_is_no_error(manager_client, term):
    assert manager_client.get(LIST_URL, {"q": term}).status_code == 200
    csv = manager_client.get(reverse("reports:transfer-lines-csv"), {"q": term})
    assert csv.status_code == 200
    assert b"".join(csv.streaming_content).decode("utf-8-sig").count("\n") == 1


def test_list_filters_and_csv(manager_client, store, other_store, drill):
    draft = make_transfer(from_store=store, to_store=other_store, lines=[(drill, 1)])
    moving = make_transfer(
        from_store=store, to_store=other_store, lines=[(drill, 2)], dispatch=True
    )

    listed = manager_client.get(LIST_URL, {"status": "dispatched"}).context["object_list"]
    assert [transfer.pk for transfer in listed] == [moving.pk]
    found = manager_client.get(LIST_URL, {"q": f"#{draft.pk}"}).context["object_list"]
    assert [transfer.pk for transfer in found] == [draft.pk]

    csv = manager_client.get(reverse("reports:transfer-lines-csv"), {"status": "dispatched"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Transfer,Date,From,To,Status")
    assert len(text.splitlines()) == 2
    assert ",dispatched," in text and ",piece,2,,40.0000" in text


@pytest.mark.parametrize("count", [1, 12])
def test_list_and_detail_queries_do_not_grow(
    manager_client, django_assert_num_queries, store, other_store, drill, count
):
    stock_up(drill, store, 30)
    for _ in range(count):
        transfer = make_transfer(
            from_store=store, to_store=other_store, lines=[(drill, 1), (drill, 1)], dispatch=True
        )

    # session, user, permissions (group + user), count, the store filter's stores, rows
    with django_assert_num_queries(7):
        manager_client.get(LIST_URL)
    # session, user, permissions (group + user), the transfer, its lines, the user's
    # profile (the stores they act in: accounts.access), the History section's entries
    # (audit.sections)
    with django_assert_num_queries(8):
        manager_client.get(transfer.get_absolute_url())


def test_the_packing_slip_lists_the_lines(manager_client, store, other_store, drill):
    transfer = make_transfer(
        from_store=store, to_store=other_store, lines=[(drill, 4)], dispatch=True
    )

    page = manager_client.get(reverse("transfers:slip", args=[transfer.pk])).content.decode()

    assert f"Packing slip: Transfer #{transfer.pk}" in page
    assert "DRL-2" in page and "4 pcs" in page
