"""Purchase orders: what each step writes, what counts as on order, and what is refused.

Every test ends with the ledger invariant and the on-order check of
``verify_stock`` (see ``ledger_stays_consistent``).
"""

from decimal import Decimal

import pytest

from products.forms import ProductForm
from products.models import StockLevel, StockMovement, Unit
from products.services import QuantityRefused
from products.tests.factories import ProductFactory
from products.tests.stock_checks import average_cost, on_hand
from purchases.models import PurchaseOrder
from purchases.orders import (
    OrderRefused,
    OverReceipt,
    ReceiptLineInput,
    on_order_differences,
    order_cancel,
    order_close_short,
    order_delete,
    order_place,
    order_receive,
    rebuild_on_order,
)
from purchases.services import purchase_void
from purchases.tests.factories import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

Status = PurchaseOrder.Status


def on_order(product, store) -> Decimal:
    return StockLevel.objects.filter(product=product, store=store).values_list(
        "on_order", flat=True
    ).first() or Decimal("0")


@pytest.fixture
def widget():
    return ProductFactory(name="Blue Widget", cost_price=Decimal("3.00"))


@pytest.fixture
def gadget():
    return ProductFactory(name="Red Gadget", cost_price=Decimal("2.00"))


def receive(order, user, *quantities, **kwargs):
    """Receive ``quantities`` against the order's lines, in line order (None: skip the line)."""
    lines = list(order.lines.all())
    return order_receive(
        order=order,
        user=user,
        lines=[
            ReceiptLineInput(order_line=line, quantity=Decimal(quantity))
            for line, quantity in zip(lines, quantities, strict=False)
            if quantity is not None
        ],
        **kwargs,
    )


def status(order) -> str:
    order.refresh_from_db()
    return order.status


def test_a_draft_is_not_on_order_and_moves_nothing(store, clerk, widget):
    make_order(store=store, lines=[(widget, 10)], user=clerk)
    assert on_order(widget, store) == 0
    assert not StockMovement.objects.exists()


def test_placing_counts_the_lines_as_on_order_without_moving_stock(store, clerk, widget, gadget):
    order = make_order(store=store, lines=[(widget, 10), (gadget, 4)], user=clerk)
    order_place(order=order, user=clerk)
    assert status(order) == Status.ORDERED
    assert order.ordered_by == clerk and order.ordered_at is not None
    assert on_order(widget, store) == 10
    assert on_order(gadget, store) == 4
    assert on_hand(widget, store) == 0
    assert not StockMovement.objects.exists()


def test_a_partial_receipt_moves_stock_in_at_the_agreed_cost(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10, Decimal("2.50"))], user=clerk, place=True)
    receipt = receive(order, clerk, 4)
    assert receipt.order == order
    assert status(order) == Status.PARTIAL
    assert on_hand(widget, store) == 4
    assert on_order(widget, store) == 6
    line = receipt.lines.get()
    assert line.unit_cost == Decimal("2.50")
    assert line.order_line == order.lines.get()
    assert average_cost(widget) == Decimal("2.50")


def test_receiving_the_rest_makes_the_order_received(store, clerk, widget, gadget):
    order = make_order(store=store, lines=[(widget, 10), (gadget, 3)], user=clerk, place=True)
    receive(order, clerk, 4, None)
    receive(order, clerk, 6, 3)
    assert status(order) == Status.RECEIVED
    assert on_order(widget, store) == 0
    assert on_order(gadget, store) == 0
    assert on_hand(widget, store) == 10
    assert order.receipts.count() == 2


def test_a_price_change_on_a_receipt_is_kept_beside_the_agreed_cost(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10, Decimal("2.00"))], user=clerk, place=True)
    line = order.lines.get()
    receipt = order_receive(
        order=order,
        user=clerk,
        lines=[ReceiptLineInput(order_line=line, quantity=Decimal(10), unit_cost=Decimal("2.40"))],
    )
    received = receipt.lines.get()
    assert received.unit_cost == Decimal("2.40")
    assert received.order_line.unit_cost == Decimal("2.00")
    assert average_cost(widget) == Decimal("2.40")


def test_over_receiving_needs_confirmation(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    with pytest.raises(OverReceipt, match="Blue Widget: 12 pcs received, 10 pcs outstanding"):
        receive(order, clerk, 12)
    assert on_hand(widget, store) == 0
    assert on_order(widget, store) == 10
    assert not order.receipts.exists()

    receive(order, clerk, 12, allow_over=True)
    assert status(order) == Status.RECEIVED
    assert on_hand(widget, store) == 12
    assert on_order(widget, store) == 0  # never below zero


def test_voiding_a_receipt_puts_its_quantity_back_to_outstanding(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    first = receive(order, clerk, 4)
    second = receive(order, clerk, 6)
    assert status(order) == Status.RECEIVED

    purchase_void(purchase=second, user=clerk, reason="wrong delivery")
    assert status(order) == Status.PARTIAL
    assert on_order(widget, store) == 6
    assert on_hand(widget, store) == 4

    purchase_void(purchase=first, user=clerk, reason="wrong delivery")
    assert status(order) == Status.ORDERED
    assert on_order(widget, store) == 10
    assert order.lines.get().received_quantity == 0


def test_a_cancelled_order_stops_counting(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    order_cancel(order=order, user=clerk, reason="supplier out of stock")
    assert status(order) == Status.CANCELLED
    assert order.close_reason == "supplier out of stock"
    assert on_order(widget, store) == 0


def test_an_order_with_receipts_is_closed_short_not_cancelled(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    receive(order, clerk, 4)
    with pytest.raises(OrderRefused, match="partially received: only a draft or ordered order"):
        order_cancel(order=order, user=clerk, reason="no")
    order_close_short(order=order, user=clerk, reason="the rest is discontinued")
    assert status(order) == Status.CLOSED_SHORT
    assert on_order(widget, store) == 0
    assert on_hand(widget, store) == 4


def test_voiding_a_receipt_of_a_closed_order_leaves_it_closed(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    receipt = receive(order, clerk, 4)
    order_close_short(order=order, user=clerk, reason="discontinued")
    purchase_void(purchase=receipt, user=clerk, reason="returned")
    assert status(order) == Status.CLOSED_SHORT
    assert on_order(widget, store) == 0
    assert order.lines.get().received_quantity == 0


@pytest.mark.parametrize("step", ["receive", "close_short"])
def test_steps_that_do_not_fit_the_state_are_refused(store, clerk, widget, step):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk)  # a draft
    with pytest.raises(OrderRefused, match="is draft"):
        if step == "receive":
            receive(order, clerk, 1)
        else:
            order_close_short(order=order, user=clerk, reason="x")
    assert status(order) == Status.DRAFT


def test_a_placed_order_cannot_be_placed_again_or_deleted(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    with pytest.raises(OrderRefused, match="ordered: only a draft order can be placed"):
        order_place(order=order, user=clerk)
    with pytest.raises(OrderRefused, match="can be deleted"):
        order_delete(order=order)
    assert on_order(widget, store) == 10


def test_closing_needs_a_reason(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    with pytest.raises(OrderRefused, match="give a reason"):
        order_cancel(order=order, user=clerk, reason="  ")
    assert status(order) == Status.ORDERED


def test_a_draft_can_be_deleted(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk)
    order_delete(order=order)
    assert not PurchaseOrder.objects.exists()


def test_quantities_finer_than_the_unit_are_refused(store, clerk, widget):
    with pytest.raises(QuantityRefused, match=r"2\.5 is not a whole number"):
        make_order(store=store, lines=[(widget, Decimal("2.5"))], user=clerk)
    assert not PurchaseOrder.objects.exists()


def test_archived_products_are_not_ordered(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk)
    widget.is_active = False
    widget.save()
    with pytest.raises(OrderRefused, match="Blue Widget is archived"):
        order_place(order=order, user=clerk)
    assert status(order) == Status.DRAFT


def test_a_line_of_another_order_is_refused(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    other = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    with pytest.raises(OrderRefused, match="is not a line of"):
        order_receive(
            order=order,
            user=clerk,
            lines=[ReceiptLineInput(order_line=other.lines.get(), quantity=Decimal(1))],
        )
    assert on_hand(widget, store) == 0


def test_verify_finds_a_wrong_on_order_and_rebuild_repairs_it(store, clerk, widget):
    make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    StockLevel.objects.filter(product=widget, store=store).update(on_order=3)
    assert on_order_differences() == [
        f"Product {widget.pk} at store {store.pk}: 3 on order, its open purchase orders 10"
    ]
    rebuild_on_order()
    assert on_order_differences() == []
    assert on_order(widget, store) == 10


def test_verify_finds_a_received_quantity_its_receipts_do_not_explain(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    receive(order, clerk, 4)
    line = order.lines.get()
    type(line).objects.filter(pk=line.pk).update(received_quantity=5)
    problems = on_order_differences()
    assert f"Purchase order line {line.pk}: received 5, its receipts 4" in problems
    type(line).objects.filter(pk=line.pk).update(received_quantity=4)


def test_rebuild_takes_received_quantities_from_the_receipts(store, clerk, widget):
    order = make_order(store=store, lines=[(widget, 10)], user=clerk, place=True)
    receive(order, clerk, 4)
    line = order.lines.get()
    type(line).objects.filter(pk=line.pk).update(received_quantity=10)
    PurchaseOrder.objects.filter(pk=order.pk).update(status=Status.RECEIVED)
    StockLevel.objects.filter(product=widget, store=store).update(on_order=0)

    rebuild_on_order()

    assert on_order_differences() == []
    line.refresh_from_db()
    assert line.received_quantity == 4
    assert status(order) == Status.PARTIAL
    assert on_order(widget, store) == 6


def test_a_product_goes_on_one_line_of_an_order(store, clerk, widget):
    with pytest.raises(OrderRefused, match="each product goes on one line"):
        make_order(store=store, lines=[(widget, 5), (widget, 5)], user=clerk)
    assert not PurchaseOrder.objects.exists()


def test_placing_checks_the_units_again(store, clerk, widget):
    metres = Unit.objects.standard()["m"]
    widget.unit = metres
    widget.save()
    order = make_order(store=store, lines=[(widget, Decimal("2.5"))], user=clerk)
    widget.unit = Unit.objects.standard()["pcs"]
    widget.save()
    with pytest.raises(QuantityRefused, match="not a whole number"):
        order_place(order=order, user=clerk)
    assert status(order) == Status.DRAFT
    assert on_order(widget, store) == 0


def test_a_product_with_part_metres_on_order_keeps_its_unit(store, clerk, widget):
    widget.unit = Unit.objects.standard()["m"]
    widget.save()
    make_order(store=store, lines=[(widget, Decimal("2.5"))], user=clerk, place=True)
    form = ProductForm(
        instance=widget,
        data={
            "sku": widget.sku,
            "name": widget.name,
            "category": widget.category_id,
            "supplier": widget.supplier_id,
            "unit": "pcs",
            "cost_price": "1.00",
            "sale_price": "2.00",
            "reorder_level": "0",
        },
    )

    assert form.errors["unit"] == [
        "Purchase orders not yet received order parts finer than pieces allow; receive, change "
        "or close them first, or keep the unit."
    ]
