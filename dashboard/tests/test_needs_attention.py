"""The dashboard's needs-attention list counts what is coming (projected stock) and leads to
/replenishment/ for the store."""

import random
import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.selectors import ATTENTION_ROWS, needs_attention
from products.models import Product, ProductQuerySet
from products.tests.factories import ProductFactory
from purchases.tests.factories import make_order, receive
from replenishment.selectors import replenishment_needs
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


def test_in_total_counts_what_is_on_order_drafted_and_in_transit(manager_client, store):
    north = StoreFactory(name="North")
    names = ("Ordered", "Drafted", "In transit", "Moving by draft", "Low", "Archived supplier")
    products = {name: ProductFactory(name=name, reorder_level=10) for name in names}
    for product in products.values():
        receive(product, north, 4)  # 4 in all: at or below 10 on hand
    make_order(store=store, lines=[(products["Ordered"], 50)], place=True)
    make_order(store=store, lines=[(products["Drafted"], 50)])
    receive(products["In transit"], north, 7)  # 11, 4 of it on the road
    make_transfer(
        from_store=north, to_store=store, lines=[(products["In transit"], 4)], dispatch=True
    )
    # A draft transfer moves nothing the shop holds: still 4 in all.
    make_transfer(from_store=north, to_store=store, lines=[(products["Moving by draft"], 4)])
    products["Archived supplier"].supplier.archive()

    rows, html = attention(manager_client)

    assert [(p.name, p.on_hand, p.projected) for p in rows["in_total"]] == [
        ("Low", 4, 4),
        ("Moving by draft", 4, 4),
    ]
    assert rows["in_total_count"] == 2
    # The count's link lists the same products.
    link = re.search(r'href="([^"]+)" data-testid="attention-total-count"', html)[1]
    listed = manager_client.get(link).context["object_list"]
    assert [product.name for product in listed] == ["Low", "Moving by draft"]
    low = products["Low"]
    assert f'href="{REPLENISH_URL}?q={low.sku}" data-testid="attention-total-replenish"' in html
    assert f'{reverse("purchases:create")}?product={low.pk}"' not in html


def test_in_total_reorder_link_is_left_out_for_those_who_may_not_see_purchase_orders(
    client, django_user_model, store
):
    user = django_user_model.objects.create_user("viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    client.force_login(user)
    ProductFactory(reorder_level=5)

    rows, html = attention(client)

    assert rows["in_total_count"] == 1
    assert 'data-testid="attention-total-replenish"' not in html


def test_the_dashboard_runs_as_many_queries_with_many_products_coming(
    manager_client, django_assert_num_queries, store
):
    north = StoreFactory()

    def add_low_product():
        product = ProductFactory(reorder_level=50)
        receive(product, north, 6)
        make_order(store=store, lines=[(product, 1)], place=True)
        make_order(store=store, lines=[(product, 1)])
        make_transfer(from_store=north, to_store=store, lines=[(product, 1)], dispatch=True)

    add_low_product()
    attention(manager_client)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as one_product:
        attention(manager_client)
    for _ in range(12):
        add_low_product()

    with django_assert_num_queries(len(one_product)):
        rows, _ = attention(manager_client)

    assert rows["in_total_count"] == 13
    assert len(rows["in_total"]) == 10


def test_the_per_store_rows_are_the_lowest_projected_ones(store):
    """A row mostly covered by a draft order is not shown before rows with less projected."""
    covered = ProductFactory(name="A mostly ordered", reorder_level=10)
    make_order(store=store, lines=[(covered, 9)])  # a draft: projected 9, still low
    for number in range(ATTENTION_ROWS):
        receive(ProductFactory(name=f"B {number:02}", reorder_level=10), store, 1)  # projected 1

    shown = [(row.product.name, row.projected) for row in needs_attention()["per_store"]]

    lowest = replenishment_needs().order_by("projected", "product__name", "pk")[:ATTENTION_ROWS]
    assert shown == [(row.product.name, row.projected) for row in lowest]
    assert ("A mostly ordered", 9) not in shown


@pytest.mark.parametrize("seed", range(4))
def test_the_per_store_rows_and_count_are_the_replenishment_lists_whatever_is_coming(seed):
    """Projected stock added up in Python (replenishment.selectors.lowest_needs) lists and
    counts what the terms' subqueries (replenishment_needs) do, for random stock, draft and
    placed orders, and draft and dispatched transfers between three stores."""
    rng = random.Random(seed)
    stores = [StoreFactory(name=f"Store {n}") for n in range(3)]
    products = [ProductFactory(reorder_level=rng.choice([6, 10, 15])) for _ in range(14)]
    for product in products:
        for store in stores:
            if rng.random() < 0.8:
                receive(product, store, rng.randint(1, 14))
    for _ in range(6):
        store = rng.choice(stores)
        lines = [(product, rng.randint(1, 5)) for product in rng.sample(products, 3)]
        make_order(store=store, lines=lines, place=rng.random() < 0.5)
    for _ in range(4):
        from_store, to_store = rng.sample(stores, 2)
        stocked = [p for p in products if p.stock_levels.filter(store=from_store, quantity__gte=2)]
        lines = [(product, 1) for product in rng.sample(stocked, 2)]
        make_transfer(
            from_store=from_store, to_store=to_store, lines=lines, dispatch=rng.random() < 0.5
        )

    attention = needs_attention()

    expected = list(replenishment_needs().order_by("projected", "pk"))
    assert len(expected) > ATTENTION_ROWS  # the list is cut, so "lowest" is what is tested
    # Some low rows have units coming, on drafts or transfers: their terms are tested.
    assert any(row.projected != row.quantity + row.on_order for row in expected)
    assert attention["per_store_count"] == len(expected)
    assert [
        (row.pk, row.projected, row.transfer_from, row.surplus) for row in attention["per_store"]
    ] == [(row.pk, row.projected, row.transfer_from, row.surplus) for row in expected][
        :ATTENTION_ROWS
    ]


@pytest.mark.parametrize("seed", range(4))
def test_the_products_to_reorder_in_total_are_the_products_lists_whatever_is_coming(seed):
    """Projected stock across the shop added up in Python (replenishment.selectors.
    lowest_to_reorder) lists and counts the products ``needing_reorder`` does, lowest first
    and by name among equals, for random stock, draft and placed orders, draft and
    dispatched transfers, and archived products and suppliers."""
    rng = random.Random(seed)
    stores = [StoreFactory(name=f"Store {n}") for n in range(3)]
    # Few names, so that equal projected stock is ordered by name and then by key.
    products = [
        ProductFactory(name=rng.choice(["Bolt", "nut", "Ähre", "Zinc"]), reorder_level=level)
        for level in (rng.choice([0, 8, 20, 30]) for _ in range(24))
    ]
    for product in products:
        for store in rng.sample(stores, rng.randint(0, 3)):
            receive(product, store, rng.choice([1, 2, 4, 7]))
    for _ in range(5):
        lines = [(product, rng.randint(1, 12)) for product in rng.sample(products, 4)]
        make_order(store=rng.choice(stores), lines=lines, place=rng.random() < 0.5)
    for _ in range(5):
        from_store, to_store = rng.sample(stores, 2)
        stocked = [p for p in products if p.stock_levels.filter(store=from_store, quantity__gte=1)]
        lines = [(product, 1) for product in rng.sample(stocked, min(2, len(stocked)))]
        if lines:
            make_transfer(
                from_store=from_store, to_store=to_store, lines=lines, dispatch=rng.random() < 0.5
            )
    products[0].archive()
    products[1].supplier.archive()

    attention = needs_attention()

    expected = list(Product.objects.active().needing_reorder().order_by("projected", "name", "pk"))
    assert len(expected) > ATTENTION_ROWS  # the list is cut, so "lowest" is what is tested
    # Some have units coming, on drafts or in transit: their terms are tested.
    assert any(product.projected != product.on_hand + product.on_order for product in expected)
    assert attention["in_total_count"] == len(expected)
    assert [(p.pk, p.projected, p.supplier.name, p.unit.symbol) for p in attention["in_total"]] == [
        (p.pk, p.projected, p.supplier.name, p.unit.symbol) for p in expected
    ][:ATTENTION_ROWS]


def test_a_product_deleted_between_its_two_reads_is_left_out(monkeypatch):
    """The products to reorder are read as values, then the ones shown whole: one deleted in
    between (a product with no history may be) is left out, not an error."""
    gone, kept = ProductFactory(name="Gone", reorder_level=5), ProductFactory(name="Kept")
    kept.reorder_level = 5
    kept.save()
    read_whole = ProductQuerySet.select_related

    def deleting_first(queryset, *fields):
        Product.objects.filter(pk=gone.pk).delete()
        return read_whole(queryset, *fields)

    monkeypatch.setattr(ProductQuerySet, "select_related", deleting_first)

    attention = needs_attention()

    assert [product.name for product in attention["in_total"]] == ["Kept"]
