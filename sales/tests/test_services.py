"""Confirming and voiding sales through the stock engine: what each writes, and that a
failure writes nothing.

Stock to sell is put on hand with ``stock_up`` (a valued stock adjustment, the
products layer), never a purchase: sales do not import purchases. ``stock_up``
at a unit cost moves the average cost exactly as a purchase at that cost would.
Every test ends with the ledger invariant checked (see ``ledger_stays_consistent``).
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError

from core.exceptions import AlreadyVoided
from people.tests.factories import CustomerFactory
from products.models import StockLevel, StockMovement
from products.services import InsufficientStock
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import average_cost, on_hand, only_movement, stock_snapshot
from sales.models import Sale, SaleLine
from sales.services import SaleLineInput, sale_confirm, sale_void

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


# sale_confirm


def test_sale_confirm_issues_stock_and_writes_one_movement(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))

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
    stock_up(widget, store, 10, Decimal("3.00"))
    stock_up(widget, store, 10, Decimal("5.00"))

    sale = sell(store, clerk, (widget, 5, "9.00"))

    assert average_cost(widget) == Decimal("4.0000")
    line = sale.lines.get()
    assert line.unit_cost == Decimal("4.0000")
    assert line.gross_profit == Decimal("25.0000")


def test_sale_line_unit_cost_survives_later_purchases(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))
    sale = sell(store, clerk, (widget, 5, "9.00"))

    # Stock received later at 9.00 moves the average cost as a purchase at 9.00 would.
    stock_up(widget, store, 5, Decimal("9.00"))

    assert average_cost(widget) == Decimal("6.0000")
    assert sale.lines.get().unit_cost == Decimal("3.0000")
    assert Sale.objects.with_totals().get(pk=sale.pk).gross_profit == Decimal("30.00")


def test_sale_confirm_can_sell_everything_on_hand(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))

    sell(store, clerk, (widget, 10, "9.00"))

    assert on_hand(widget, store) == 0
    assert only_movement(kind=Kind.SALE).balance_after == 0


def test_sale_confirm_two_lines_of_one_product_count_together(store, widget, clerk):
    stock_up(widget, store, 5, Decimal("3.00"))

    sale = sell(store, clerk, (widget, 2, "9.00"), (widget, 3, "8.00"))

    assert on_hand(widget, store) == 0
    assert sale.lines.count() == 2
    movement = only_movement(kind=Kind.SALE)
    assert (movement.quantity, movement.balance_after) == (-5, 0)


def test_sale_confirm_two_lines_of_one_product_short_together_writes_nothing(store, widget, clerk):
    stock_up(widget, store, 5, Decimal("3.00"))
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
    stock_up(widget, store, 3, Decimal("3.00"))
    stock_up(gadget, store, 10, Decimal("2.00"))
    stock_up(gizmo, other_store, 50, Decimal("1.00"))  # stock elsewhere does not count
    before = stock_snapshot()

    with pytest.raises(InsufficientStock) as caught:
        sell(store, clerk, (widget, 5, "9.00"), (gadget, 2, "9.00"), (gizmo, 1, "9.00"))

    error = caught.value
    assert {(s.product, s.available, s.requested) for s in error.shortfalls} == {
        (widget, 3, 5),
        (gizmo, 0, 1),
    }
    assert error.for_product(gadget.pk) is None
    assert (
        str(error.for_product(widget.pk))
        == "Only 3 pcs of Blue Widget in Main Street, 5 pcs requested"
    )
    assert "Only 0 pcs of Green Gizmo in Main Street, 1 pcs requested" in str(error)
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
    stock_up(widget, store, 10, Decimal("3.00"))
    before = stock_snapshot()

    with pytest.raises(ValueError, match="above zero"):
        sell(store, clerk, (widget, quantity, "9.00"))

    assert stock_snapshot() == before


# sale_void


def test_sale_void_returns_stock_through_the_ledger(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))
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
    stock_up(widget, store, 10, Decimal("3.00"))
    sale = sell(store, clerk, (widget, 5, "9.00"))  # leaves at 3
    stock_up(widget, store, 5, Decimal("6.00"))  # average (5 × 3 + 5 × 6) / 10 = 4.5

    sale_void(sale=sale, user=clerk, reason="Returned")

    # (4.5 × 10 + 5 × 3) / 15
    assert average_cost(widget) == Decimal("4.0000")


def test_sale_void_twice_raises_already_voided_and_writes_nothing(store, widget, clerk):
    stock_up(widget, store, 10, Decimal("3.00"))
    sale = sell(store, clerk, (widget, 4, "9.00"))
    sale_void(sale=sale, user=clerk, reason="First")
    before = stock_snapshot()

    with pytest.raises(AlreadyVoided):
        sale_void(sale=sale, user=clerk, reason="Second")

    assert stock_snapshot() == before
    assert on_hand(widget, store) == 10


# The database's check constraint, reached past the engine's check


def test_check_constraint_firing_in_a_sale_writes_nothing(store, widget, gadget, clerk, request):
    stock_up(widget, store, 3, Decimal("3.00"))
    stock_up(gadget, store, 10, Decimal("2.00"))
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
