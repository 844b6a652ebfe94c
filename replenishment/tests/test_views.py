"""/replenishment/: the list, its filters, permissions and query count, and "Create drafts"."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from products.tests.factories import ProductFactory
from purchases.models import PurchaseOrder
from replenishment.tests.factories import make_order, set_rule, stock_up, stocked
from stores.tests.factories import StoreFactory
from transfers.models import Transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

D = Decimal
LIST_URL = reverse("replenishment:list")
DRAFTS_URL = reverse("replenishment:drafts")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def user_with(django_user_model, *codenames, username="limited"):
    user = django_user_model.objects.create_user(username)
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )
    return user


def selected(response, *actions) -> dict:
    """The POST of "Create drafts" for the page's rows, ``actions`` per row (default: order)."""
    data = {"line": [], "query": ""}
    for index, row in enumerate(response.context["object_list"]):
        action = actions[index] if index < len(actions) else "order"
        data["line"].append(str(row.pk))
        data[f"action-{row.pk}"] = action
        data[f"quantity-{row.pk}"] = str(row.suggested)
        if row.transfer_quantity:
            data[f"transfer-quantity-{row.pk}"] = str(row.transfer_quantity)
            data[f"transfer-from-{row.pk}"] = str(row.transfer_from)
    return data


# The list ------------------------------------------------------------------------------------


def test_list_shows_every_term_of_the_suggestion(manager_client, store, other_store):
    product = stocked(store, 4, minimum=10, maximum=30, multiple=5, name="Wood glue")
    set_rule(product, other_store, minimum=1, maximum=2)
    stock_up(product, other_store, 12)

    response = manager_client.get(LIST_URL)

    assert response.status_code == 200
    [row] = response.context["object_list"]
    assert (row.projected, row.suggested, row.transfer_quantity) == (4, 30, 10)
    html = unescape(response.content.decode())
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html.split('data-testid="suggestion-', 1)[1], re.S)
    assert "Wood glue" in cells[1] and "Main Street" in cells[2]
    assert product.supplier.name in cells[3]
    assert [cell.strip() for cell in cells[4:12]] == ["4", "0", "0", "0", "4", "10", "30", "5"]
    assert "30 pcs" in cells[12]
    assert f"10 pcs from {other_store.name}" in cells[13]


def test_list_filters_by_store(manager_client, store, other_store):
    product = stocked(store, 1, minimum=5)
    stock_up(product, other_store, 1)

    response = manager_client.get(LIST_URL, {"store": other_store.pk})

    assert [row.store for row in response.context["object_list"]] == [other_store]


@pytest.mark.parametrize(
    "query", [{"store": "abc"}, {"supplier": "999999999"}, {"category": "-1"}, {"q": "x" * 500}]
)
def test_list_ignores_bad_filter_values(manager_client, store, query):
    stocked(store, 1, minimum=5)

    response = manager_client.get(LIST_URL, query)

    assert response.status_code == 200


def test_list_says_when_nothing_needs_replenishing(manager_client, store):
    stocked(store, 50, minimum=5)

    response = manager_client.get(LIST_URL)

    assert "Nothing needs replenishing" in response.content.decode()
    assert 'data-testid="create-drafts"' not in response.content.decode()


def test_list_runs_the_same_number_of_queries_for_1_and_many_rows(
    client, manager, django_assert_num_queries, store
):
    client.force_login(manager)
    stores = [store, StoreFactory(), StoreFactory()]

    def add_low_product():
        product = ProductFactory(reorder_level=10)
        for each in stores:
            stock_up(product, each, 2)
        stock_up(product, stores[-1], 40)  # a surplus to transfer from

    add_low_product()
    client.get(LIST_URL)  # warm caches (content types, permissions)
    # session, user, permissions (group + user), the products on draft orders and
    # incoming transfers (2), count, the page's ids, its rows, their products' surpluses
    # at other stores, the filter's three pickers
    with django_assert_num_queries(13):
        response = client.get(LIST_URL)
    assert len(response.context["object_list"]) == 2
    for _ in range(30):
        add_low_product()
    with django_assert_num_queries(13):
        response = client.get(LIST_URL)
    assert len(response.context["object_list"]) == 50
    assert response.context["paginator"].count == 62

    # With something planned: its rows are checked with the terms once, for the listing
    # and the count (2 queries), and the count comes in two parts (1 more).
    planned = ProductFactory(reorder_level=10)
    stock_up(planned, store, 2)
    make_order(store=store, lines=[(planned, 1)])  # a draft, still low: listed
    with django_assert_num_queries(16):
        response = client.get(LIST_URL)
    assert response.context["paginator"].count == 63
    for _ in range(5):
        add_low_product()
    with django_assert_num_queries(16):
        response = client.get(LIST_URL)
    assert response.context["paginator"].count == 73


def test_list_needs_permission_to_view_purchase_orders(client, django_user_model, store):
    client.force_login(user_with(django_user_model, "products.view_product"))

    assert client.get(LIST_URL).status_code == 403


def test_list_needs_login(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_clerks_see_the_list_and_may_draft(clerk_client, store):
    product = stocked(store, 1, minimum=5, maximum=10)

    response = clerk_client.get(LIST_URL)
    posted = clerk_client.post(DRAFTS_URL, selected(response))

    assert response.status_code == 200
    assert 'data-testid="create-drafts"' in response.content.decode()
    assert posted.status_code == 302
    assert PurchaseOrder.objects.get().lines.get().product == product


def test_nav_link_replenish_is_active_on_the_list(manager_client):
    response = manager_client.get(LIST_URL)

    assert (
        f'<a class="nav-link active" href="{LIST_URL}">Replenish</a>' in response.content.decode()
    )


# Create drafts ------------------------------------------------------------------------------


def test_create_drafts_makes_orders_and_transfers_and_links_them(manager_client, store):
    north = StoreFactory(name="North")
    to_order = stocked(store, 1, minimum=5, maximum=10, name="A order")
    to_fetch = stocked(store, 1, minimum=5, maximum=10, name="B fetch")
    set_rule(to_fetch, north, minimum=1, maximum=2)
    stock_up(to_fetch, north, 30)
    page = manager_client.get(LIST_URL, {"store": store.pk})

    response = manager_client.post(DRAFTS_URL, selected(page, "order", "transfer"), follow=True)

    order = PurchaseOrder.objects.get()
    transfer = Transfer.objects.get()
    assert [line.product for line in order.lines.all()] == [to_order]
    assert [(line.product, line.quantity) for line in transfer.lines.all()] == [(to_fetch, 9)]
    [message] = messages_of(response)
    assert f'<a href="{order.get_absolute_url()}">' in message
    assert f'<a href="{transfer.get_absolute_url()}">' in message
    assert response.redirect_chain[-1][0] == LIST_URL


def test_create_drafts_redirects_back_to_the_same_filters(manager_client, store):
    stocked(store, 1, minimum=5, maximum=10)
    page = manager_client.get(LIST_URL, {"store": store.pk})
    data = selected(page) | {"query": f"store={store.pk}&q=%3Cscript%3E"}

    response = manager_client.post(DRAFTS_URL, data)

    assert response["Location"] == f"{LIST_URL}?store={store.pk}&q=%3Cscript%3E"


def test_create_drafts_twice_creates_nothing_twice(manager_client, store):
    stocked(store, 1, minimum=5, maximum=10, name="Glue")
    data = selected(manager_client.get(LIST_URL))

    manager_client.post(DRAFTS_URL, data, follow=True)
    again = manager_client.post(DRAFTS_URL, data, follow=True)

    assert PurchaseOrder.objects.count() == 1
    assert "Nothing was created" in messages_of(again)[0]
    assert "no longer needs replenishing" in messages_of(again)[0]
    assert list(again.context["object_list"]) == []


def test_the_same_page_sent_twice_is_told_its_drafts_were_made(manager_client, store):
    stocked(store, 1, minimum=5, maximum=10, name="Glue")
    page = manager_client.get(LIST_URL)
    assert 'name="submission_token"' in page.content.decode()
    data = selected(page) | {"submission_token": page.context["submission_token"]}

    manager_client.post(DRAFTS_URL, data, follow=True)
    again = manager_client.post(DRAFTS_URL, data, follow=True)

    assert PurchaseOrder.objects.count() == 1
    assert "This form was already sent" in messages_of(again)[0]
    assert "Nothing was saved a second time" in messages_of(again)[0]


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda data, pk: data.update({f"quantity-{pk}": "-5"}), "the suggestion is now 9"),
        (lambda data, pk: data.update({f"quantity-{pk}": "1e400"}), "the suggestion is now 9"),
        (lambda data, pk: data.update({f"quantity-{pk}": "lots"}), "has no valid quantity"),
        (lambda data, pk: data.update({f"quantity-{pk}": "NaN"}), "has no valid quantity"),
        (lambda data, pk: data.update({f"action-{pk}": "steal"}), "neither order nor transfer"),
        (lambda data, pk: data["line"].append("abc"), "'abc' is not a line"),
        (lambda data, pk: data["line"].append("999999999"), "999999999 is not a stock row"),
    ],
)
def test_create_drafts_refuses_bad_input_with_a_message(manager_client, store, tamper, message):
    stocked(store, 1, minimum=5, maximum=10)
    page = manager_client.get(LIST_URL)
    data = selected(page)
    tamper(data, page.context["object_list"][0].pk)
    data.setdefault("quantity-999999999", "1")

    response = manager_client.post(DRAFTS_URL, data, follow=True)

    assert response.status_code == 200
    assert message in messages_of(response)[0]
    assert not PurchaseOrder.objects.exists()


def test_create_drafts_refuses_an_archived_product(manager_client, store):
    product = stocked(store, 1, minimum=5, maximum=10, name="Old glue")
    data = selected(manager_client.get(LIST_URL))
    product.archive()

    response = manager_client.post(DRAFTS_URL, data, follow=True)

    assert "Old glue is archived" in messages_of(response)[0]
    assert not PurchaseOrder.objects.exists()


def test_create_drafts_with_nothing_selected_says_so(manager_client):
    response = manager_client.post(DRAFTS_URL, {}, follow=True)

    assert "select at least one line" in messages_of(response)[0]


def test_create_drafts_is_post_only(manager_client):
    assert manager_client.get(DRAFTS_URL).status_code == 405


def test_create_drafts_needs_the_add_purchase_order_permission(client, django_user_model, store):
    stocked(store, 1, minimum=5, maximum=10)
    user = user_with(django_user_model, "purchases.view_purchaseorder")
    client.force_login(user)
    data = selected(client.get(LIST_URL))

    assert client.post(DRAFTS_URL, data).status_code == 403
    assert not PurchaseOrder.objects.exists()


def test_a_transfer_needs_the_add_transfer_permission(client, django_user_model, store):
    north = StoreFactory()
    product = stocked(store, 1, minimum=5, maximum=10)
    stock_up(product, north, 50)
    user = user_with(
        django_user_model, "purchases.view_purchaseorder", "purchases.add_purchaseorder"
    )
    client.force_login(user)
    page = client.get(LIST_URL, {"store": store.pk})

    assert "Transfer</option>" not in page.content.decode()  # offered to those who may
    assert client.post(DRAFTS_URL, selected(page, "transfer")).status_code == 403
    assert not Transfer.objects.exists()


def test_the_page_posts_the_store_each_transfer_comes_from(manager_client, store):
    north = StoreFactory(name="North")
    product = stocked(store, 1, minimum=5, maximum=10)
    stock_up(product, north, 30)

    page = manager_client.get(LIST_URL)

    [row] = page.context["object_list"]
    html = page.content.decode()
    assert f'name="transfer-from-{row.pk}" value="{north.pk}"' in html
    assert "Products of archived suppliers are not listed." in html


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (None, "does not say which store to transfer from"),
        ("north-ish", "does not say which store to transfer from"),
        ("other", "the transfer would now come from North"),
    ],
)
def test_create_drafts_refuses_a_transfer_without_the_store_the_page_showed(
    manager_client, store, other_store, source, message
):
    north = StoreFactory(name="North")
    product = stocked(store, 1, minimum=5, maximum=10)
    stock_up(product, north, 30)
    page = manager_client.get(LIST_URL, {"store": store.pk})
    data = selected(page, "transfer")
    pk = page.context["object_list"][0].pk
    if source is None:
        del data[f"transfer-from-{pk}"]
    else:
        data[f"transfer-from-{pk}"] = str(other_store.pk) if source == "other" else source

    response = manager_client.post(DRAFTS_URL, data, follow=True)

    assert message in messages_of(response)[0]
    assert not Transfer.objects.exists()


def test_create_drafts_refuses_two_lines_taking_the_same_surplus(manager_client, store):
    north, east = StoreFactory(name="North"), StoreFactory(name="East")
    product = stocked(store, 0, minimum=5, maximum=10, name="Glue")
    set_rule(product, east, minimum=5, maximum=10)
    set_rule(product, north, minimum=1, maximum=2)
    stock_up(product, north, 12)  # 10 to spare, and each of the two stores wants 10
    page = manager_client.get(LIST_URL)
    assert [row.transfer_quantity for row in page.context["object_list"]] == [10, 10]

    response = manager_client.post(DRAFTS_URL, selected(page, "transfer", "transfer"), follow=True)

    # The lines in the list's order (Main Street first): the second finds nothing left.
    assert "Glue at East: North has 0 pcs left to spare" in messages_of(response)[0]
    assert not Transfer.objects.exists()
