"""The stock engine, one operation at a time: what each writes, and that a failure writes nothing.

Every test ends with the ledger invariant checked (see ``ledger_stays_consistent``):
for each (product, store), on-hand equals the sum of its movements and each
movement's ``balance_after`` equals the running sum.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import AlreadyVoided
from people.tests.factories import CustomerFactory, SupplierFactory
from products import services
from products.models import Product, StockLevel, StockMovement
from products.services import (
    InsufficientStock,
    StockChange,
    move_stock,
    stock_adjust,
)
from products.tests.factories import ProductFactory
from products.tests.stock_checks import on_hand, stock_snapshot
from purchases.models import Purchase
from purchases.services import PurchaseLineInput, purchase_record, purchase_void
from sales.models import Sale, SaleLine
from sales.services import SaleLineInput, sale_confirm, sale_void
from stores.tests.factories import StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

Kind = StockMovement.Kind


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user("clerk")


@pytest.fixture
def other_store():
    return StoreFactory(name="Harbour Road")


@pytest.fixture
def widget():
    return ProductFactory(name="Blue Widget", cost_price=Decimal("3.00"))


@pytest.fixture
def gadget():
    return ProductFactory(name="Red Gadget", cost_price=Decimal("2.00"))


@pytest.fixture
def gizmo():
    return ProductFactory(name="Green Gizmo", cost_price=Decimal("1.00"))


def buy(store, user, *lines, **kwargs):
    """Record a purchase at ``store``; each line is (product, quantity, unit_cost)."""
    return purchase_record(
        supplier=SupplierFactory(),
        store=store,
        user=user,
        lines=[
            PurchaseLineInput(product, quantity, Decimal(cost)) for product, quantity, cost in lines
        ],
        **kwargs,
    )


def sell(store, user, *lines, **kwargs):
    """Confirm a sale at ``store``; each line is (product, quantity, unit_price)."""
    return sale_confirm(
        customer=CustomerFactory(),
        store=store,
        user=user,
        lines=[
            SaleLineInput(product, quantity, Decimal(price)) for product, quantity, price in lines
        ],
        **kwargs,
    )


def average_cost(product) -> Decimal:
    return Product.objects.values_list("average_cost", flat=True).get(pk=product.pk)


def only_movement(**filters) -> StockMovement:
    return StockMovement.objects.get(**filters)


# purchase_record


def test_purchase_record_receives_stock_and_writes_one_movement(store, widget, clerk):
    purchase = buy(store, clerk, (widget, 10, "3.00"), reference="INV-1")

    assert on_hand(widget, store) == 10
    movement = only_movement(product=widget)
    assert movement.store == store
    assert movement.quantity == 10
    assert movement.kind == Kind.PURCHASE
    assert movement.document_id == purchase.pk
    assert movement.balance_after == 10
    assert movement.created_by == clerk
    assert list(purchase.lines.values_list("product_id", "quantity", "unit_cost")) == [
        (widget.pk, 10, Decimal("3.00"))
    ]
    assert purchase.created_by == clerk
    assert purchase.reference == "INV-1"


def test_purchase_record_second_receipt_adds_to_balance(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    second = buy(store, clerk, (widget, 4, "3.00"))

    assert on_hand(widget, store) == 14
    assert only_movement(document_id=second.pk).balance_after == 14


def test_purchase_record_keeps_stock_per_store(store, other_store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    buy(other_store, clerk, (widget, 3, "3.00"))

    assert on_hand(widget, store) == 10
    assert on_hand(widget, other_store) == 3
    assert StockLevel.objects.filter(product=widget).count() == 2


def test_purchase_record_moves_average_cost(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    assert average_cost(widget) == Decimal("3.0000")

    buy(store, clerk, (widget, 10, "5.00"))

    assert average_cost(widget) == Decimal("4.0000")


def test_purchase_record_average_cost_counts_every_store(store, other_store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    buy(other_store, clerk, (widget, 30, "7.00"))

    # (10 × 3 + 30 × 7) / 40 = 6
    assert average_cost(widget) == Decimal("6.0000")


def test_purchase_record_average_cost_rounds_to_four_places(store, widget, clerk):
    buy(store, clerk, (widget, 1, "0.00"))
    buy(store, clerk, (widget, 2, "1.00"))

    assert average_cost(widget) == Decimal("0.6667")


def test_purchase_record_two_lines_of_one_product_make_one_movement(store, widget, clerk):
    purchase = buy(store, clerk, (widget, 3, "2.00"), (widget, 7, "4.00"))

    assert on_hand(widget, store) == 10
    assert purchase.lines.count() == 2
    movement = only_movement(product=widget)
    assert (movement.quantity, movement.balance_after) == (10, 10)
    # (3 × 2 + 7 × 4) / 10
    assert average_cost(widget) == Decimal("3.4000")


def test_purchase_record_several_products_one_movement_each(store, widget, gadget, clerk):
    purchase = buy(store, clerk, (gadget, 5, "2.00"), (widget, 8, "3.00"))

    assert dict(
        StockMovement.objects.filter(document_id=purchase.pk).values_list("product_id", "quantity")
    ) == {widget.pk: 8, gadget.pk: 5}


def test_purchase_record_without_lines_writes_nothing(store, clerk):
    before = stock_snapshot()

    with pytest.raises(ValueError, match="at least one line"):
        buy(store, clerk)

    assert stock_snapshot() == before


@pytest.mark.parametrize("quantity", [0, -5])
def test_purchase_record_line_without_positive_quantity_writes_nothing(
    store, widget, clerk, quantity
):
    buy(store, clerk, (widget, 10, "3.00"))
    before = stock_snapshot()

    with pytest.raises(ValueError, match="above zero"):
        buy(store, clerk, (widget, 5, "3.00"), (widget, quantity, "3.00"))

    assert stock_snapshot() == before


# purchase_void


def test_purchase_void_takes_stock_back_out(store, widget, clerk):
    purchase = buy(store, clerk, (widget, 10, "3.00"))

    purchase_void(purchase=purchase, user=clerk, reason="Wrong supplier")

    assert on_hand(widget, store) == 0
    movement = only_movement(kind=Kind.PURCHASE_VOID)
    assert (movement.product, movement.store) == (widget, store)
    assert movement.quantity == -10
    assert movement.document_id == purchase.pk
    assert movement.balance_after == 0
    assert movement.created_by == clerk
    assert movement.note == "Wrong supplier"
    purchase.refresh_from_db()
    assert purchase.is_voided
    assert purchase.voided_by == clerk
    assert purchase.void_reason == "Wrong supplier"
    # The lines stay, for the record.
    assert purchase.lines.count() == 1


def test_purchase_void_restores_the_average_cost(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    second = buy(store, clerk, (widget, 10, "5.00"))

    purchase_void(purchase=second, user=clerk, reason="Returned")

    # (4 × 20 − 10 × 5) / 10
    assert average_cost(widget) == Decimal("3.0000")


def test_purchase_void_of_all_stock_keeps_last_average_cost(store, widget, clerk):
    purchase = buy(store, clerk, (widget, 10, "3.00"))

    purchase_void(purchase=purchase, user=clerk, reason="Returned")

    assert average_cost(widget) == Decimal("3.0000")


def test_purchase_void_refused_when_its_stock_left_writes_nothing(store, widget, clerk):
    purchase = buy(store, clerk, (widget, 10, "3.00"))
    sell(store, clerk, (widget, 4, "9.00"))
    before = stock_snapshot()

    with pytest.raises(InsufficientStock) as caught:
        purchase_void(purchase=purchase, user=clerk, reason="Returned")

    assert [(s.product, s.available, s.requested) for s in caught.value.shortfalls] == [
        (widget, 6, 10)
    ]
    assert stock_snapshot() == before
    purchase.refresh_from_db()
    assert not purchase.is_voided


def test_purchase_void_refused_lists_every_product_lacking_stock(
    store, widget, gadget, gizmo, clerk
):
    purchase = buy(store, clerk, (widget, 10, "3.00"), (gadget, 5, "2.00"), (gizmo, 5, "1.00"))
    sell(store, clerk, (widget, 1, "9.00"), (gizmo, 5, "9.00"))
    before = stock_snapshot()

    with pytest.raises(InsufficientStock) as caught:
        purchase_void(purchase=purchase, user=clerk, reason="Returned")

    assert {(s.product, s.available, s.requested) for s in caught.value.shortfalls} == {
        (widget, 9, 10),
        (gizmo, 0, 5),
    }
    assert stock_snapshot() == before


def test_purchase_void_twice_raises_already_voided_and_writes_nothing(store, widget, clerk):
    purchase = buy(store, clerk, (widget, 10, "3.00"))
    purchase_void(purchase=purchase, user=clerk, reason="First")
    buy(store, clerk, (widget, 10, "3.00"))  # stock a second void could wrongly take
    before = stock_snapshot()

    with pytest.raises(AlreadyVoided):
        purchase_void(purchase=purchase, user=clerk, reason="Second")

    assert stock_snapshot() == before
    purchase.refresh_from_db()
    assert purchase.void_reason == "First"


def test_purchase_void_with_stale_instance_still_refuses_second_void(store, widget, clerk):
    purchase = buy(store, clerk, (widget, 10, "3.00"))
    stale = Purchase.objects.get(pk=purchase.pk)
    buy(store, clerk, (widget, 10, "3.00"))
    purchase_void(purchase=purchase, user=clerk, reason="First")
    before = stock_snapshot()

    with pytest.raises(AlreadyVoided):
        purchase_void(purchase=stale, user=clerk, reason="Second")

    assert stock_snapshot() == before


# sale_confirm


def test_sale_confirm_issues_stock_and_writes_one_movement(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))

    sale = sell(store, clerk, (widget, 4, "9.50"))

    assert on_hand(widget, store) == 6
    movement = only_movement(kind=Kind.SALE)
    assert (movement.product, movement.store) == (widget, store)
    assert movement.quantity == -4
    assert movement.document_id == sale.pk
    assert movement.balance_after == 6
    assert movement.created_by == clerk
    assert list(sale.lines.values_list("product_id", "quantity", "unit_price")) == [
        (widget.pk, 4, Decimal("9.50"))
    ]


def test_sale_confirm_keeps_average_cost_and_records_it_on_the_line(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    buy(store, clerk, (widget, 10, "5.00"))

    sale = sell(store, clerk, (widget, 5, "9.00"))

    assert average_cost(widget) == Decimal("4.0000")
    line = sale.lines.get()
    assert line.unit_cost == Decimal("4.0000")
    assert line.gross_profit == Decimal("25.0000")


def test_sale_line_unit_cost_survives_later_purchases(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    sale = sell(store, clerk, (widget, 5, "9.00"))

    buy(store, clerk, (widget, 5, "9.00"))

    assert average_cost(widget) == Decimal("6.0000")
    assert sale.lines.get().unit_cost == Decimal("3.0000")
    assert Sale.objects.with_totals().get(pk=sale.pk).gross_profit == Decimal("30.00")


def test_sale_confirm_can_sell_everything_on_hand(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))

    sell(store, clerk, (widget, 10, "9.00"))

    assert on_hand(widget, store) == 0
    assert only_movement(kind=Kind.SALE).balance_after == 0


def test_sale_confirm_two_lines_of_one_product_count_together(store, widget, clerk):
    buy(store, clerk, (widget, 5, "3.00"))

    sale = sell(store, clerk, (widget, 2, "9.00"), (widget, 3, "8.00"))

    assert on_hand(widget, store) == 0
    assert sale.lines.count() == 2
    movement = only_movement(kind=Kind.SALE)
    assert (movement.quantity, movement.balance_after) == (-5, 0)


def test_sale_confirm_two_lines_of_one_product_short_together_writes_nothing(store, widget, clerk):
    buy(store, clerk, (widget, 5, "3.00"))
    before = stock_snapshot()

    # Each line alone fits; together they ask for 6 of 5.
    with pytest.raises(InsufficientStock) as caught:
        sell(store, clerk, (widget, 3, "9.00"), (widget, 3, "9.00"))

    [shortfall] = caught.value.shortfalls
    assert (shortfall.product, shortfall.available, shortfall.requested) == (widget, 5, 6)
    assert stock_snapshot() == before


def test_sale_confirm_short_lists_every_short_product_and_writes_nothing(
    store, other_store, widget, gadget, gizmo, clerk
):
    buy(store, clerk, (widget, 3, "3.00"), (gadget, 10, "2.00"))
    buy(other_store, clerk, (gizmo, 50, "1.00"))  # stock elsewhere does not count
    before = stock_snapshot()

    with pytest.raises(InsufficientStock) as caught:
        sell(store, clerk, (widget, 5, "9.00"), (gadget, 2, "9.00"), (gizmo, 1, "9.00"))

    error = caught.value
    assert {(s.product, s.available, s.requested) for s in error.shortfalls} == {
        (widget, 3, 5),
        (gizmo, 0, 1),
    }
    assert error.for_product(gadget.pk) is None
    assert str(error.for_product(widget.pk)) == "Only 3 × Blue Widget in Main Street, 5 requested"
    assert "Only 0 × Green Gizmo in Main Street, 1 requested" in str(error)
    assert stock_snapshot() == before
    assert not Sale.objects.exists()
    assert not SaleLine.objects.exists()


def test_sale_confirm_of_never_stocked_product_writes_nothing(store, widget, clerk):
    before = stock_snapshot()

    with pytest.raises(InsufficientStock):
        sell(store, clerk, (widget, 1, "9.00"))

    assert stock_snapshot() == before
    assert not StockLevel.objects.exists()


def test_sale_confirm_without_lines_writes_nothing(store, clerk):
    before = stock_snapshot()

    with pytest.raises(ValueError, match="at least one line"):
        sell(store, clerk)

    assert stock_snapshot() == before


@pytest.mark.parametrize("quantity", [0, -5])
def test_sale_confirm_line_without_positive_quantity_writes_nothing(store, widget, clerk, quantity):
    buy(store, clerk, (widget, 10, "3.00"))
    before = stock_snapshot()

    with pytest.raises(ValueError, match="above zero"):
        sell(store, clerk, (widget, quantity, "9.00"))

    assert stock_snapshot() == before


# sale_void


def test_sale_void_returns_stock_through_the_ledger(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    sale = sell(store, clerk, (widget, 4, "9.00"))

    sale_void(sale=sale, user=clerk, reason="Customer cancelled")

    assert on_hand(widget, store) == 10
    movement = only_movement(kind=Kind.SALE_VOID)
    assert (movement.product, movement.store) == (widget, store)
    assert movement.quantity == 4
    assert movement.document_id == sale.pk
    assert movement.balance_after == 10
    assert movement.created_by == clerk
    assert movement.note == "Customer cancelled"
    sale.refresh_from_db()
    assert sale.is_voided
    assert (sale.voided_by, sale.void_reason) == (clerk, "Customer cancelled")


def test_sale_void_returns_units_at_the_cost_they_left_with(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    sale = sell(store, clerk, (widget, 5, "9.00"))  # leaves at 3
    buy(store, clerk, (widget, 5, "6.00"))  # average (5 × 3 + 5 × 6) / 10 = 4.5

    sale_void(sale=sale, user=clerk, reason="Returned")

    # (4.5 × 10 + 5 × 3) / 15
    assert average_cost(widget) == Decimal("4.0000")


def test_sale_void_twice_raises_already_voided_and_writes_nothing(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    sale = sell(store, clerk, (widget, 4, "9.00"))
    sale_void(sale=sale, user=clerk, reason="First")
    before = stock_snapshot()

    with pytest.raises(AlreadyVoided):
        sale_void(sale=sale, user=clerk, reason="Second")

    assert stock_snapshot() == before
    assert on_hand(widget, store) == 10


# stock_adjust


def test_stock_adjust_to_counted_quantity_writes_the_difference(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))

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
    buy(store, clerk, (widget, 10, "3.00"))

    movement = stock_adjust(product=widget, store=store, user=clerk, reason="Found", counted=12)

    assert (movement.quantity, movement.balance_after) == (2, 12)
    assert on_hand(widget, store) == 12
    assert average_cost(widget) == Decimal("3.0000")


def test_stock_adjust_counted_at_a_store_never_stocked_creates_the_row(store, widget, clerk):
    movement = stock_adjust(product=widget, store=store, user=clerk, reason="Found", counted=4)

    assert (movement.quantity, movement.balance_after) == (4, 4)
    assert on_hand(widget, store) == 4


def test_stock_adjust_counted_equal_to_books_writes_nothing(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    before = stock_snapshot()

    assert stock_adjust(product=widget, store=store, user=clerk, reason="OK", counted=10) is None

    assert stock_snapshot() == before


def test_stock_adjust_counted_to_zero_empties_the_store(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))

    movement = stock_adjust(product=widget, store=store, user=clerk, reason="Flood", counted=0)

    assert (movement.quantity, movement.balance_after) == (-10, 0)


def test_stock_adjust_by_signed_change(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))

    added = stock_adjust(product=widget, store=store, user=clerk, reason="Found", change=5)
    removed = stock_adjust(product=widget, store=store, user=clerk, reason="Broken", change=-3)

    assert (added.quantity, added.balance_after) == (5, 15)
    assert (removed.quantity, removed.balance_after) == (-3, 12)
    assert on_hand(widget, store) == 12


def test_stock_adjust_change_below_zero_writes_nothing(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    before = stock_snapshot()

    with pytest.raises(InsufficientStock) as caught:
        stock_adjust(product=widget, store=store, user=clerk, reason="Broken", change=-11)

    assert str(caught.value) == "Only 10 × Blue Widget in Main Street, 11 requested"
    assert stock_snapshot() == before


def test_stock_adjust_negative_count_writes_nothing(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    before = stock_snapshot()

    with pytest.raises(InsufficientStock):
        stock_adjust(product=widget, store=store, user=clerk, reason="Typo", counted=-1)

    assert stock_snapshot() == before


def test_stock_adjust_zero_change_writes_nothing(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
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
    buy(store, clerk, (widget, 2, "3.00"))
    before = stock_snapshot()

    with pytest.raises(InsufficientStock) as caught:
        move_stock(
            store=store,
            changes=[StockChange(gadget.pk, 5), StockChange(widget.pk, -3)],
            kind=Kind.ADJUSTMENT,
        )

    assert [s.product for s in caught.value.shortfalls] == [widget]
    assert stock_snapshot() == before


@pytest.fixture
def skip_the_stock_check(monkeypatch):
    """Simulate the race the row locks prevent: the engine's check, before writing,
    sees nothing short, so only the database's check constraint can stop the write."""
    real_find_shortfalls = services._find_shortfalls
    calls = []

    def stale_check_first(*args, **kwargs):
        calls.append(args)
        return [] if len(calls) == 1 else real_find_shortfalls(*args, **kwargs)

    monkeypatch.setattr(services, "_find_shortfalls", stale_check_first)
    return calls


def test_check_constraint_firing_becomes_insufficient_stock(store, widget, clerk, request):
    buy(store, clerk, (widget, 3, "3.00"))
    before = stock_snapshot()
    request.getfixturevalue("skip_the_stock_check")

    with pytest.raises(InsufficientStock) as caught:
        move_stock(store=store, changes=[StockChange(widget.pk, -5)], kind=Kind.ADJUSTMENT)

    assert isinstance(caught.value.__cause__, IntegrityError)
    assert str(caught.value) == "Only 3 × Blue Widget in Main Street, 5 requested"
    assert stock_snapshot() == before


def test_check_constraint_firing_in_a_sale_writes_nothing(store, widget, gadget, clerk, request):
    buy(store, clerk, (widget, 3, "3.00"), (gadget, 10, "2.00"))
    before = stock_snapshot()
    request.getfixturevalue("skip_the_stock_check")

    with pytest.raises(InsufficientStock) as caught:
        sell(store, clerk, (gadget, 1, "9.00"), (widget, 5, "9.00"))

    assert isinstance(caught.value.__cause__, IntegrityError)
    assert [(s.product, s.available, s.requested) for s in caught.value.shortfalls] == [
        (widget, 3, 5)
    ]
    assert stock_snapshot() == before
    assert not Sale.objects.exists()


def test_check_constraint_firing_in_a_purchase_void_writes_nothing(store, widget, clerk, request):
    purchase = buy(store, clerk, (widget, 10, "3.00"))
    sell(store, clerk, (widget, 8, "9.00"))
    before = stock_snapshot()
    request.getfixturevalue("skip_the_stock_check")

    with pytest.raises(InsufficientStock) as caught:
        purchase_void(purchase=purchase, user=clerk, reason="Returned")

    assert isinstance(caught.value.__cause__, IntegrityError)
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
def movement(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
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
    level = StockLevel.objects.create(product=widget, store=store, quantity=0)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(quantity=-1)

    level.refresh_from_db()
    assert level.quantity == 0
