"""The dashboard's needs-attention list counts what is coming (projected stock) and leads to
/replenishment/ for the store."""

from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from products.tests.factories import ProductFactory
from purchases.tests.factories import make_order, receive
from stores.tests.factories import StoreFactory
from transfers.tests.factories import make_transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

REPLENISH_URL = reverse("replenishment:list")


def attention(client) -> tuple[dict, str]:
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    return response.context["summary"]["attention"], unescape(response.content.decode())


def test_what_is_on_order_drafted_or_coming_is_not_low_any_more(manager_client, store):
    north = StoreFactory(name="North")
    ordered, drafted, coming, low = (
        ProductFactory(name=name, reorder_level=5)
        for name in ("Ordered", "Drafted", "Coming", "Low")
    )
    for product in (ordered, drafted, coming, low):
        receive(product, store, 2)
    receive(coming, north, 10)
    make_order(store=store, lines=[(ordered, 4)], place=True)
    make_order(store=store, lines=[(drafted, 4)])
    make_transfer(from_store=north, to_store=store, lines=[(coming, 4)], dispatch=True)

    rows, _ = attention(manager_client)

    assert [(level.product.name, level.projected) for level in rows["per_store"]] == [
        ("Low", Decimal("2"))
    ]
    assert rows["per_store_count"] == 1


def test_each_row_and_the_heading_link_to_the_replenishment_list(manager_client, store):
    receive(ProductFactory(reorder_level=5), store, 1)

    _, html = attention(manager_client)

    assert f'<a href="{REPLENISH_URL}" data-testid="attention-replenish">' in html
    assert f'<a href="{REPLENISH_URL}?store={store.pk}" data-testid="attention-store-link">' in html


def test_the_links_are_left_out_for_those_who_may_not_see_purchase_orders(
    client, django_user_model, store
):
    user = django_user_model.objects.create_user("viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    client.force_login(user)
    receive(ProductFactory(reorder_level=5), store, 1)

    _, html = attention(client)

    assert REPLENISH_URL not in html
