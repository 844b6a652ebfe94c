"""The stock engine, one operation at a time: what each writes, and that a failure writes nothing.

Covers stock adjustments, :func:`~products.services.move_stock` itself, how a
negative-stock constraint firing is reported, and that the ledger and stock
levels refuse what would corrupt them. Purchases and sales, which go through
the same engine, are tested in their own apps (``purchases/tests/test_services.py``,
``sales/tests/test_services.py``); stock on hand here comes from ``stock_up``.

Every test ends with the ledger invariant checked (see ``ledger_stays_consistent``):
for each (product, store), on-hand equals the sum of its movements and each
movement's ``balance_after`` equals the running sum.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from products.models import Product, StockLevel, StockMovement
from products.services import (
    InsufficientStock,
    StockChange,
    move_stock,
    stock_adjust,
)
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import average_cost, on_hand, stock_snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

Kind = StockMovement.Kind


@pytest.fixture
def widget():
    return ProductFactory(name="Blue Widget", cost_price=Decimal("3.00"))


@pytest.fixture
def gadget():
    return ProductFactory(name="Red Gadget", cost_price=Decimal("2.00"))


# stock_adjust


def test_stock_adjust_to_counted_quantity_writes_the_difference(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))

    movement = stock_adjust(product=widget, store=store, user=clerk, reason="Stocktake", counted=7)

    assert on_hand(widget, store) == 7
    assert movement.quantity == -3
    assert movement.kind == Kind.ADJUSTMENT
    assert movement.document_id is None
    assert movement.balance_after == 7
    assert movement.created_by == clerk
    assert movement.note == "Stocktake"
    assert average_cost(widget) == Decimal("3.0000")


def test_stock_adjust_counted_above_books_adds_units(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))

    movement = stock_adjust(product=widget, store=store, user=clerk, reason="Found", counted=12)

    assert (movement.quantity, movement.balance_after) == (2, 12)
    assert on_hand(widget, store) == 12
    assert average_cost(widget) == Decimal("3.0000")


def test_stock_adjust_counted_at_a_store_never_stocked_creates_the_row(store, widget, clerk):
    movement = stock_adjust(product=widget, store=store, user=clerk, reason="Found", counted=4)

    assert (movement.quantity, movement.balance_after) == (4, 4)
    assert on_hand(widget, store) == 4


def test_stock_adjust_counted_equal_to_books_writes_nothing(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))
    before = stock_snapshot()

    assert stock_adjust(product=widget, store=store, user=clerk, reason="OK", counted=10) is None

    assert stock_snapshot() == before


def test_stock_adjust_counted_to_zero_empties_the_store(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))

    movement = stock_adjust(product=widget, store=store, user=clerk, reason="Flood", counted=0)

    assert (movement.quantity, movement.balance_after) == (-10, 0)


def test_stock_adjust_by_signed_change(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))

    added = stock_adjust(product=widget, store=store, user=clerk, reason="Found", change=5)
    removed = stock_adjust(product=widget, store=store, user=clerk, reason="Broken", change=-3)

    assert (added.quantity, added.balance_after) == (5, 15)
    assert (removed.quantity, removed.balance_after) == (-3, 12)
    assert on_hand(widget, store) == 12


def test_stock_adjust_change_below_zero_writes_nothing(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))
    before = stock_snapshot()

    with pytest.raises(InsufficientStock) as caught:
        stock_adjust(product=widget, store=store, user=clerk, reason="Broken", change=-11)

    assert str(caught.value) == "Only 10 pcs of Blue Widget in Main Street, 11 pcs requested"
    assert stock_snapshot() == before


def test_stock_adjust_negative_count_writes_nothing(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))
    before = stock_snapshot()

    with pytest.raises(InsufficientStock):
        stock_adjust(product=widget, store=store, user=clerk, reason="Typo", counted=-1)

    assert stock_snapshot() == before


def test_stock_adjust_zero_change_writes_nothing(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))
    before = stock_snapshot()

    assert stock_adjust(product=widget, store=store, user=clerk, reason="None", change=0) is None

    assert stock_snapshot() == before


@pytest.mark.parametrize("modes", [{}, {"counted": 3, "change": 3}])
def test_stock_adjust_needs_exactly_one_mode(store, widget, clerk, modes):
    before = stock_snapshot()

    with pytest.raises(ValueError, match="exactly one"):
        stock_adjust(product=widget, store=store, user=clerk, reason="?", **modes)

    assert stock_snapshot() == before


# move_stock


def test_move_stock_changes_that_cancel_out_write_nothing(store, widget, clerk):
    before = stock_snapshot()

    movements = move_stock(
        store=store,
        changes=[StockChange(widget.pk, 5), StockChange(widget.pk, -5)],
        kind=Kind.ADJUSTMENT,
        user=clerk,
    )

    assert movements == []
    assert stock_snapshot() == before


def test_move_stock_truncates_long_notes_to_the_column(store, widget, clerk):
    [movement] = move_stock(
        store=store, changes=[StockChange(widget.pk, 1)], kind=Kind.ADJUSTMENT, note="x" * 300
    )

    movement.refresh_from_db()
    assert movement.note == "x" * 255


def test_move_stock_mixed_changes_apply_only_when_all_fit(store, widget, gadget, clerk):
    stock_up(widget, store, 2, Decimal("3.00"))
    before = stock_snapshot()

    with pytest.raises(InsufficientStock) as caught:
        move_stock(
            store=store,
            changes=[StockChange(gadget.pk, 5), StockChange(widget.pk, -3)],
            kind=Kind.ADJUSTMENT,
        )

    assert [s.product for s in caught.value.shortfalls] == [widget]
    assert stock_snapshot() == before


def test_check_constraint_firing_becomes_insufficient_stock(store, widget, clerk, request):
    stock_up(widget, store, 3, Decimal("3.00"))
    before = stock_snapshot()
    request.getfixturevalue("skip_the_stock_check")

    with pytest.raises(InsufficientStock) as caught:
        move_stock(store=store, changes=[StockChange(widget.pk, -5)], kind=Kind.ADJUSTMENT)

    assert isinstance(caught.value.__cause__, IntegrityError)
    assert str(caught.value) == "Only 3 pcs of Blue Widget in Main Street, 5 pcs requested"
    assert stock_snapshot() == before


def test_other_integrity_errors_are_not_disguised(store, widget, clerk, monkeypatch):
    def duplicate_row(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: something_else")

    monkeypatch.setattr(StockMovement.objects, "bulk_create", duplicate_row)
    before = stock_snapshot()

    with pytest.raises(IntegrityError):
        move_stock(store=store, changes=[StockChange(widget.pk, 1)], kind=Kind.ADJUSTMENT)

    assert stock_snapshot() == before


# The ledger is history


@pytest.fixture
def movement(store, widget):
    stock_up(widget, store, 10, Decimal("3.00"))
    return StockMovement.objects.get()


def test_movement_save_of_existing_row_raises(movement):
    movement.quantity = 99

    with pytest.raises(TypeError, match="immutable"):
        movement.save()

    assert StockMovement.objects.get().quantity == 10


def test_movement_delete_raises(movement):
    with pytest.raises(TypeError, match="immutable"):
        movement.delete()

    assert StockMovement.objects.count() == 1


def test_movement_queryset_update_raises(movement):
    with pytest.raises(TypeError, match="immutable"):
        StockMovement.objects.filter(pk=movement.pk).update(quantity=99)

    assert StockMovement.objects.get().quantity == 10


def test_movement_queryset_delete_raises(movement):
    with pytest.raises(TypeError, match="immutable"):
        StockMovement.objects.all().delete()

    assert StockMovement.objects.count() == 1


def test_movement_related_manager_delete_raises(movement, widget):
    with pytest.raises(TypeError, match="immutable"):
        widget.movements.all().delete()

    assert StockMovement.objects.count() == 1


def test_stock_level_negative_quantity_refused_by_the_database(store, widget):
    level = StockLevel.empty(widget, store.pk)
    level.save()

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(quantity=-1)

    level.refresh_from_db()
    assert level.quantity == 0


def at_reorder_level(product) -> bool:
    """The flag as the database stored it (a generated column, not a Python property)."""
    return Product.objects.filter(pk=product.pk).values_list("at_reorder_level", flat=True).get()


def test_at_reorder_level_is_kept_as_stock_moves_and_the_level_changes(store, clerk):
    # Indexed and read by the list filters and the dashboard: it must follow every
    # change of on-hand (the engine's) and of the reorder level (a user's save).
    drill = ProductFactory(name="Drill", reorder_level=Decimal("5"))
    assert at_reorder_level(drill)  # nothing on hand

    stock_up(drill, store, 6)
    assert not at_reorder_level(drill)

    stock_adjust(product=drill, store=store, user=clerk, reason="Broken", change=Decimal("-1"))
    assert at_reorder_level(drill)  # 5: at the level counts

    drill.refresh_from_db()
    drill.reorder_level = Decimal("4")
    drill.save()
    assert not at_reorder_level(drill)
    assert list(Product.objects.below_reorder_level()) == []

    stock_adjust(product=drill, store=store, user=clerk, reason="Stocktake", counted=Decimal("4"))
    assert list(Product.objects.below_reorder_level()) == [drill]
