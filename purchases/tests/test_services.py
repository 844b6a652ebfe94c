"""Recording and voiding purchases through the stock engine: what each writes, and that a
failure writes nothing.

Stock that has to leave the store before a void is taken out with a stock
adjustment (the products layer), never a sale: purchases do not import sales.
Every test ends with the ledger invariant checked (see ``ledger_stays_consistent``).
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError

from core.exceptions import AlreadyVoided
from people.tests.factories import SupplierFactory
from products.models import StockLevel, StockMovement
from products.services import InsufficientStock, StockChange, move_stock, stock_adjust
from products.tests.factories import ProductFactory
from products.tests.stock_checks import average_cost, on_hand, only_movement, stock_snapshot
from purchases.models import Purchase
from purchases.services import PurchaseLineInput, purchase_record, purchase_void

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

Kind = StockMovement.Kind


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


def test_purchase_void_of_all_stock_gives_back_the_average_from_before_it(store, widget, clerk):
    buy(store, clerk, (widget, 10, "3.00"))
    stock_adjust(product=widget, store=store, user=clerk, reason="Sold out", change=-10)
    purchase = buy(store, clerk, (widget, 10, "5.00"))

    purchase_void(purchase=purchase, user=clerk, reason="Returned")

    # As if it was never recorded: nothing on hand, the last average kept.
    assert average_cost(widget) == Decimal("3.0000")
    void = only_movement(kind=Kind.PURCHASE_VOID)
    assert (void.unit_cost, void.value, void.average_cost_after) == (
        Decimal("5.0000"),
        Decimal("-50.0000"),
        Decimal("3.0000"),
    )


def test_purchase_void_refused_when_its_stock_left_writes_nothing(store, widget, clerk):
    purchase = buy(store, clerk, (widget, 10, "3.00"))
    # 4 units leave the store (written off, as a sale would take them out).
    stock_adjust(product=widget, store=store, user=clerk, reason="Broken", change=-4)
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
    # Stock leaves the store in one operation, as a two-line sale would take it out.
    move_stock(
        store=store,
        changes=[StockChange(widget.pk, -1), StockChange(gizmo.pk, -5)],
        kind=Kind.ADJUSTMENT,
        user=clerk,
    )
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


# The database's check constraint, reached past the engine's check


def test_check_constraint_firing_in_a_purchase_void_writes_nothing(store, widget, clerk, request):
    purchase = buy(store, clerk, (widget, 10, "3.00"))
    # 8 units leave the store (written off, as a sale would take them out).
    stock_adjust(product=widget, store=store, user=clerk, reason="Broken", change=-8)
    before = stock_snapshot()
    request.getfixturevalue("skip_the_stock_check")

    with pytest.raises(InsufficientStock) as caught:
        purchase_void(purchase=purchase, user=clerk, reason="Returned")

    assert isinstance(caught.value.__cause__, IntegrityError)
    assert stock_snapshot() == before
