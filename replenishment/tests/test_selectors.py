"""Which (product, store) pairs need replenishing, and what is suggested: worked out by hand."""

from decimal import Decimal

import pytest

from products.models import Unit
from products.tests.factories import CategoryFactory, ProductFactory, stock_up
from purchases.orders import order_cancel
from replenishment.selectors import (
    explain,
    replenishment_count,
    replenishment_needs,
    replenishment_rows,
    replenishment_selection,
    round_up,
    rows_with_terms,
)
from replenishment.tests.factories import make_order, make_transfer, set_rule, stocked
from stores.tests.factories import StoreFactory
from transfers.services import transfer_cancel

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

D = Decimal


def rows(**filters) -> dict:
    """(product id, store id) -> the explained row, for everything listed.

    Each row's terms are also read as a page reads them (rows_with_terms: the transfer
    source chosen in Python from one query) and must be the same.
    """
    listed = explain(replenishment_needs(**filters))
    paged = {row.pk: row for row in explain(rows_with_terms([row.pk for row in listed]))}
    for row in listed:
        page_row = paged[row.pk]
        assert [getattr(page_row, term) for term in TERMS] == [
            getattr(row, term) for term in TERMS
        ], (row.product.name, row.store.name)
    return {(row.product_id, row.store_id): row for row in listed}


TERMS = [
    "quantity", "on_order", "on_drafts", "incoming", "projected", "minimum", "maximum",
    "multiple", "transfer_from", "transfer_from_name", "surplus", "suggested",
    "transfer_quantity",
]  # fmt: skip


def test_projected_counts_on_hand_on_order_drafts_and_incoming_transfers(store, other_store):
    product = stocked(store, 4, minimum=20, maximum=40, multiple=5)
    stock_up(product, other_store, 3)
    make_order(store=store, lines=[(product, 2)], place=True)  # on order
    make_order(store=store, lines=[(product, 1)])  # a draft
    make_transfer(from_store=other_store, to_store=store, lines=[(product, 1)])  # draft
    make_transfer(from_store=other_store, to_store=store, lines=[(product, 2)], dispatch=True)

    row = rows()[product.pk, store.pk]

    assert (row.quantity, row.on_order, row.on_drafts, row.incoming) == (4, 2, 1, 3)
    assert row.projected == 10
    assert (row.minimum, row.maximum, row.multiple) == (20, 40, 5)
    assert row.suggested == 30  # 40 - 10 = 30, a multiple of 5 already


def test_suggestion_is_rounded_up_to_the_multiple(store):
    product = stocked(store, 3, minimum=10, maximum=20, multiple=6)

    assert rows()[product.pk, store.pk].suggested == 18  # 17 → three sixes


def test_pack_size_is_the_default_multiple(store):
    product = stocked(store, 1, pack_size=D("12"), reorder_level=5)

    row = rows()[product.pk, store.pk]

    assert (row.minimum, row.maximum, row.multiple) == (5, 10, 12)
    assert row.suggested == 12  # 9 → one pack of 12


def test_a_store_above_its_minimum_once_drafts_count_is_not_listed(store):
    product = stocked(store, 4, minimum=10, maximum=30)
    make_order(store=store, lines=[(product, 7)])  # a draft: 11 > 10

    assert (product.pk, store.pk) not in rows()


def test_orders_and_transfers_for_another_store_do_not_count(store, other_store):
    product = stocked(store, 4, minimum=10, maximum=30)
    stock_up(product, other_store, 30)
    make_order(store=other_store, lines=[(product, 50)])
    make_transfer(from_store=store, to_store=other_store, lines=[(product, 1)])

    row = rows()[product.pk, store.pk]

    assert (row.on_drafts, row.incoming, row.projected) == (0, 0, 4)


def test_cancelled_orders_and_transfers_do_not_count(store, other_store, clerk):
    product = stocked(store, 4, minimum=10, maximum=30)
    stock_up(product, other_store, 5)
    order = make_order(store=store, lines=[(product, 20)], place=True)
    order_cancel(order=order, user=clerk, reason="supplier out of stock")
    transfer = make_transfer(
        from_store=other_store, to_store=store, lines=[(product, 5)], dispatch=True
    )
    transfer_cancel(transfer=transfer, user=clerk, reason="van broke down")

    row = rows()[product.pk, store.pk]

    assert (row.on_order, row.on_drafts, row.incoming, row.projected) == (0, 0, 0, 4)


def test_at_the_minimum_is_listed_above_it_is_not(store):
    at_minimum = stocked(store, 10, minimum=10, maximum=20)
    above = stocked(store, 11, minimum=10, maximum=20)

    listed = rows()

    assert (at_minimum.pk, store.pk) in listed
    assert (above.pk, store.pk) not in listed


def test_a_maximum_not_above_projected_suggests_nothing(store):
    # Minimum and maximum 0 (the defaults of a product with no reorder level): never ordered.
    nothing_wanted = stocked(store, 0, minimum=0, maximum=0)
    capped = stocked(store, 5, minimum=5, maximum=5)

    listed = rows()

    assert (nothing_wanted.pk, store.pk) not in listed
    assert (capped.pk, store.pk) not in listed


def test_archived_products_and_stores_and_missing_rows_are_not_listed(store):
    archived = stocked(store, 1, minimum=10)
    archived.archive()
    closed = StoreFactory()
    in_closed = stocked(closed, 1, minimum=10)
    closed.archive()
    never_stocked = ProductFactory(reorder_level=50)

    products = {product_id for product_id, _ in rows()}

    assert products.isdisjoint({archived.pk, in_closed.pk, never_stocked.pk})


def test_a_rule_edit_creates_the_row_and_lists_the_pair(store):
    product = ProductFactory(reorder_level=0)
    set_rule(product, store, minimum=2, maximum=6)

    row = rows()[product.pk, store.pk]

    assert (row.quantity, row.projected, row.suggested) == (0, 0, 6)


def test_transfer_from_the_store_with_the_largest_surplus(store):
    north, south = StoreFactory(name="North"), StoreFactory(name="South")
    product = stocked(store, 2, minimum=10, maximum=30)  # suggests 28
    set_rule(product, north, minimum=5, maximum=10)
    set_rule(product, south, minimum=5, maximum=10)
    stock_up(product, north, 25)  # surplus 15
    stock_up(product, south, 30)  # surplus 20

    row = rows()[product.pk, store.pk]

    assert (row.transfer_from, row.transfer_from_name, row.surplus) == (south.pk, "South", 20)
    assert row.transfer_quantity == 20  # min(surplus 20, suggestion 28)


def test_transfer_never_beyond_the_suggestion(store, other_store):
    product = stocked(store, 8, minimum=10, maximum=12)  # suggests 4
    set_rule(product, other_store, minimum=1, maximum=2)
    stock_up(product, other_store, 40)

    row = rows()[product.pk, store.pk]

    assert (row.suggested, row.transfer_quantity) == (4, 4)


def test_draft_transfers_out_use_up_the_surplus(store, other_store):
    third = StoreFactory()
    product = stocked(store, 0, minimum=10, maximum=20)
    set_rule(product, other_store, minimum=1, maximum=2)
    stock_up(product, other_store, 10)  # surplus 8 ...
    make_transfer(from_store=other_store, to_store=third, lines=[(product, 8)])  # ... promised

    row = rows()[product.pk, store.pk]

    assert (row.transfer_from, row.transfer_quantity) == (None, None)


def test_no_transfer_from_a_store_within_its_maximum_or_archived(store, other_store):
    product = stocked(store, 0, minimum=10, maximum=20)
    set_rule(product, other_store, minimum=5, maximum=50)
    stock_up(product, other_store, 50)  # at its maximum: no surplus
    closed = StoreFactory()
    stock_up(product, closed, 500)
    closed.archive()

    row = rows()[product.pk, store.pk]

    assert row.transfer_from is None and row.transfer_quantity is None


def test_a_surplus_in_parts_of_a_metre_moves_exactly(store, other_store):
    metres = Unit.objects.standard()["m"]
    cable = stocked(store, D("0.5"), unit=metres, minimum=10, maximum=20)
    stock_up(cable, other_store, D("25.25"))  # default maximum: 2 × reorder level 5

    row = rows()[cable.pk, store.pk]

    assert (row.surplus, row.transfer_quantity) == (D("15.25"), D("15.25"))
    assert row.suggested == 20  # 19.5, rounded up to the multiple of 1


def test_parts_of_a_metre_add_up_exactly(store):
    # 0.1 + 0.2 is 0.30000000000000004 in floating point, as SQLite adds.
    metres = Unit.objects.standard()["m"]
    cable = stocked(store, D("0.1"), unit=metres, minimum=D("0.3"), maximum=1, multiple=D("0.1"))
    make_order(store=store, lines=[(cable, D("0.2"))])

    row = rows()[cable.pk, store.pk]

    assert row.projected == D("0.3")
    assert row.suggested == D("0.7")


def test_filters_by_store_supplier_category_and_search(store, other_store):
    category = CategoryFactory(name="Paint")
    bolt = stocked(store, 1, minimum=10, name="Hex bolt", sku="BOLT-1")
    paint = stocked(store, 1, minimum=10, name="Wall paint", category=category)
    stock_up(bolt, other_store, 1)

    assert set(rows(store=other_store)) == {(bolt.pk, other_store.pk)}
    assert set(rows(supplier=paint.supplier)) == {(paint.pk, store.pk)}
    assert set(rows(category=category)) == {(paint.pk, store.pk)}
    assert set(rows(store=store, search="bolt-")) == {(bolt.pk, store.pk)}  # SKU, any case
    assert set(rows(store=store, search="PAINT")) == {(paint.pk, store.pk)}  # name


def test_the_count_is_the_listings_length_with_products_planned_and_coming(store, other_store):
    category = CategoryFactory(name="Paint")
    bolt = stocked(store, 1, minimum=10, maximum=20, name="Hex bolt", sku="BOLT-1")
    paint = stocked(store, 1, minimum=10, maximum=20, name="Wall paint", category=category)
    nail = stocked(store, 1, minimum=10, maximum=20, name="Nail")
    for product in (bolt, paint, nail):
        stock_up(product, other_store, 1)
    make_order(store=store, lines=[(bolt, 15)])  # planned: bolt at store no longer low
    make_order(store=store, lines=[(paint, 2)])  # planned, still low at store
    make_transfer(from_store=store, to_store=other_store, lines=[(nail, 1)])  # coming, still low

    for filters in [
        {},
        {"store": store},
        {"store": other_store},
        {"supplier": paint.supplier},
        {"category": category},
        {"search": "bolt"},
    ]:
        listed = set(replenishment_rows(**filters).values_list("product_id", "store_id"))
        assert listed == set(rows(**filters)), filters
        assert replenishment_count(**filters) == len(listed), filters
        # What a page passes both: the planned products and their rows still low, once.
        selection = replenishment_selection(**filters)
        selected = replenishment_rows(**selection).values_list("product_id", "store_id")
        assert set(selected) == listed, filters
        assert replenishment_count(**selection) == len(listed), filters
    # Bolt is off the list at store (its draft covers it); the others are all still low.
    assert replenishment_count() == 5
    assert replenishment_count(planned_or_coming=[]) == 6  # told nothing is planned


def test_ordered_by_product_name_then_store():
    b_store, a_store = StoreFactory(name="B store"), StoreFactory(name="A store")
    zinc = stocked(b_store, 1, minimum=5, name="Zinc plate")
    anchor = stocked(b_store, 1, minimum=5, name="Anchor bolt")
    for product in (zinc, anchor):
        set_rule(product, a_store, minimum=5)

    listed = [(row.product.name, row.store.name) for row in replenishment_needs()]

    # Within a product, by store in the order the stores were created (the index's order).
    assert listed == [
        ("Anchor bolt", "B store"),
        ("Anchor bolt", "A store"),
        ("Zinc plate", "B store"),
        ("Zinc plate", "A store"),
    ]
    assert [(row.product.name, row.store.name) for row in replenishment_rows()] == listed


@pytest.mark.parametrize(
    ("quantity", "multiple", "expected"),
    [(D("17"), D("6"), D("18")), (D("18"), D("6"), D("18")), (D("0.7"), D("0.25"), D("0.75"))],
)
def test_round_up(quantity, multiple, expected):
    assert round_up(quantity, multiple) == expected


def test_a_transfer_never_takes_the_source_below_its_own_minimum(store, other_store):
    # Main Street's maximum was set at 10; the reorder level (its minimum there) is raised to 25.
    product = stocked(store, 30, maximum=10, reorder_level=D("5"))
    set_rule(product, other_store, minimum=2, maximum=10)
    product.reorder_level = D("25")
    product.save()

    row = rows()[product.pk, other_store.pk]

    assert (row.transfer_from, row.surplus, row.transfer_quantity) == (store.pk, 5, 5)
    make_transfer(from_store=store, to_store=other_store, lines=[(product, 5)], dispatch=True)
    # Main Street is left at its minimum (which is its maximum now): nothing to replenish.
    assert (product.pk, store.pk) not in rows()


def test_products_of_archived_suppliers_are_not_listed(store):
    listed = stocked(store, 1, minimum=5, maximum=10)
    unlisted = stocked(store, 1, minimum=5, maximum=10)
    unlisted.supplier.archive()

    assert set(rows()) == {(listed.pk, store.pk)}
