"""Returns to suppliers through the stock engine: units leave the purchase's store at the
cost they came in at, never more than was purchased or than the store holds, and a refused
return writes nothing.

Stock that has to leave the store first is taken out with a stock adjustment (the
products layer), never a sale: purchases do not import sales.
"""

import datetime
from decimal import Decimal

import pytest

from core.exceptions import OperationRefused
from people.tests.factories import SupplierFactory
from products.models import StockMovement, Unit
from products.services import InsufficientStock, QuantityRefused, stock_adjust
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import average_cost, on_hand, stock_snapshot
from products.valuation import ValuationRefused, valuation_differences
from purchases.models import PurchaseDay, PurchaseReturn, PurchaseReturnDay, PurchaseReturnLine
from purchases.orders import ReceiptLineInput, order_receive
from purchases.returns import (
    PurchaseReturnLineInput,
    PurchaseReturnRefused,
    purchase_return,
    returnable_quantities,
)
from purchases.services import (
    PurchaseLineInput,
    purchase_record,
    purchase_void,
    rebuild_totals,
    totals_differences_from_lines,
)
from purchases.tests.factories import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

Kind = StockMovement.Kind


@pytest.fixture
def widget():
    return ProductFactory(name="Blue Widget", cost_price=Decimal("4.00"))


def buy(store, user, *lines, **kwargs):
    """Record a purchase at ``store``; each line is (product, quantity, unit_cost)."""
    return purchase_record(
        supplier=SupplierFactory(name="Acme"),
        store=store,
        user=user,
        lines=[
            PurchaseLineInput(product, Decimal(quantity), Decimal(cost))
            for product, quantity, cost in lines
        ],
        **kwargs,
    )


@pytest.fixture
def bought(store, widget, clerk):
    """10 widgets bought at 4.00 into the store."""
    return buy(store, clerk, (widget, "10", "4.00"))


def back(purchase, quantity, *, reason="", line=0):
    return PurchaseReturnLineInput(purchase.lines.all()[line], Decimal(quantity), reason)


def nothing_returned() -> bool:
    return not (
        PurchaseReturn.objects.exists()
        or PurchaseReturnLine.objects.exists()
        or PurchaseReturnDay.objects.exists()
        or StockMovement.objects.filter(kind=Kind.PURCHASE_RETURN).exists()
    )


def test_returned_units_leave_the_store_at_the_purchase_cost(bought, store, widget, manager):
    debit_note = purchase_return(
        purchase=bought, lines=[back(bought, "3", reason="Damaged in transit")], user=manager
    )

    assert on_hand(widget, store) == Decimal("7")
    movement = StockMovement.objects.get(kind=Kind.PURCHASE_RETURN)
    assert (movement.quantity, movement.unit_cost, movement.value, movement.document_id) == (
        Decimal("-3"),
        Decimal("4.0000"),
        Decimal("-12"),
        bought.pk,
    )
    assert movement.note == f"Return to supplier #{debit_note.pk}"
    assert debit_note.number == f"DN-{store.code}-{debit_note.date.year}-000001"
    assert movement.get_document_url() == bought.get_absolute_url()
    line = debit_note.lines.get()
    assert (line.quantity, line.unit_cost, line.line_total, line.reason) == (
        Decimal("3"),
        Decimal("4.00"),
        Decimal("12"),
        "Damaged in transit",
    )
    assert (debit_note.store, debit_note.supplier, debit_note.purchase) == (
        store,
        bought.supplier,
        bought,
    )
    assert str(debit_note) == f"Debit note {debit_note.number}" == f"Debit note {debit_note.label}"


def test_a_return_takes_its_cost_out_of_the_average(store, widget, manager, clerk):
    buy(store, clerk, (widget, "10", "4.00"))
    dear = buy(store, clerk, (widget, "10", "8.00"))
    assert average_cost(widget) == Decimal("6.0000")

    purchase_return(purchase=dear, lines=[back(dear, "5")], user=manager)

    # 20 units worth 120.00, less 5 at 8.00: 80.00 for 15.
    assert average_cost(widget) == Decimal("5.3333")
    assert StockMovement.objects.get(kind=Kind.PURCHASE_RETURN).unit_cost == Decimal("8.0000")


def test_partial_returns_add_up_to_what_was_purchased_and_no_more(bought, store, widget, manager):
    purchase_return(purchase=bought, lines=[back(bought, "4")], user=manager)
    purchase_return(purchase=bought, lines=[back(bought, "5")], user=manager)
    assert returnable_quantities(bought) == {bought.lines.get().pk: Decimal("1")}
    before = stock_snapshot()

    with pytest.raises(PurchaseReturnRefused, match="2 pcs asked, only 1 pcs can still go back"):
        purchase_return(purchase=bought, lines=[back(bought, "2")], user=manager)

    assert stock_snapshot() == before
    assert PurchaseReturn.objects.count() == 2
    purchase_return(purchase=bought, lines=[back(bought, "1")], user=manager)
    assert returnable_quantities(bought) == {bought.lines.get().pk: Decimal("0")}
    assert on_hand(widget, store) == Decimal("0")


def test_debit_notes_are_numbered_per_store_and_year_and_a_refused_one_takes_none(
    bought, store, other_store, widget, manager
):
    elsewhere = buy(other_store, manager, (widget, "5", "4.00"))
    first = purchase_return(purchase=bought, lines=[back(bought, "1")], user=manager)
    with pytest.raises(PurchaseReturnRefused):
        purchase_return(purchase=bought, lines=[back(bought, "99")], user=manager)
    second = purchase_return(purchase=bought, lines=[back(bought, "1")], user=manager)
    other = purchase_return(purchase=elsewhere, lines=[back(elsewhere, "1")], user=manager)

    year = first.date.year
    assert [first.number, second.number, other.number] == [
        f"DN-{store.code}-{year}-000001",
        f"DN-{store.code}-{year}-000002",
        f"DN-{other_store.code}-{year}-000001",
    ]
    first.refresh_from_db()
    assert (first.number, first.label) == (f"DN-{store.code}-{year}-000001",) * 2


def test_two_inputs_of_one_line_count_together(bought, manager):
    with pytest.raises(PurchaseReturnRefused, match="12 pcs asked, only 10 pcs"):
        purchase_return(purchase=bought, lines=[back(bought, "6"), back(bought, "6")], user=manager)
    assert nothing_returned()


def test_more_than_the_store_holds_is_refused_and_writes_nothing(
    bought, store, other_store, widget, manager
):
    stock_adjust(product=widget, store=store, user=manager, reason="Sold", change=Decimal("-8"))
    stock_up(widget, other_store, Decimal("20"))  # another store's units do not go back
    before = stock_snapshot()

    with pytest.raises(InsufficientStock) as refusal:
        purchase_return(purchase=bought, lines=[back(bought, "5")], user=manager)

    assert str(refusal.value) == "Only 2 pcs of Blue Widget in Main Street, 5 pcs requested"
    assert refusal.value.for_product(widget.pk).available == Decimal("2")
    assert stock_snapshot() == before
    assert nothing_returned()
    purchase_return(purchase=bought, lines=[back(bought, "2")], user=manager)
    assert on_hand(widget, store) == Decimal("0")


def test_every_short_product_is_named(store, widget, manager, clerk):
    gadget = ProductFactory(name="Red Gadget")
    purchase = buy(store, clerk, (widget, "5", "4.00"), (gadget, "5", "2.00"))
    for product in (widget, gadget):
        stock_adjust(product=product, store=store, user=manager, reason="Gone", change=-4)

    with pytest.raises(InsufficientStock) as refusal:
        purchase_return(
            purchase=purchase,
            lines=[back(purchase, "2"), back(purchase, "3", line=1)],
            user=manager,
        )

    assert {shortfall.product for shortfall in refusal.value.shortfalls} == {widget, gadget}
    assert nothing_returned()


def test_a_return_worth_more_than_the_stock_is_refused_and_writes_nothing(store, widget, manager):
    dear = buy(store, manager, (widget, "10", "10.00"))
    buy(store, manager, (widget, "10", "0.00"))  # average 5.00
    stock_adjust(product=widget, store=store, user=manager, reason="Gone", change=-14)
    before = stock_snapshot()

    # 6 left worth 30.00; 5 at 10.00 would leave the last one worth -20.00.
    with pytest.raises(ValuationRefused):
        purchase_return(purchase=dear, lines=[back(dear, "5")], user=manager)

    assert stock_snapshot() == before
    assert nothing_returned()


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_a_return_of_nothing_or_less_is_refused(bought, manager, quantity):
    with pytest.raises(PurchaseReturnRefused):
        purchase_return(purchase=bought, lines=[back(bought, quantity)], user=manager)
    assert nothing_returned()


def test_a_return_without_lines_is_refused(bought, manager):
    with pytest.raises(PurchaseReturnRefused, match="at least one line"):
        purchase_return(purchase=bought, lines=[], user=manager)


def test_a_line_of_another_purchase_is_refused(bought, store, widget, manager, clerk):
    other = buy(store, clerk, (widget, "1", "4.00"))
    with pytest.raises(PurchaseReturnRefused, match="line of"):
        purchase_return(purchase=bought, lines=[back(other, "1")], user=manager)
    assert nothing_returned()


def test_a_return_finer_than_the_unit_is_refused(bought, manager):
    with pytest.raises(QuantityRefused):
        purchase_return(purchase=bought, lines=[back(bought, "0.5")], user=manager)
    assert nothing_returned()


def test_a_metre_of_cable_goes_back_in_its_precision(store, manager):
    cable = ProductFactory(unit=Unit.objects.standard()["m"])
    purchase = buy(store, manager, (cable, "10", "1.20"))
    purchase_return(purchase=purchase, lines=[back(purchase, "2.75")], user=manager)
    assert on_hand(cable, store) == Decimal("7.25")
    assert PurchaseReturnDay.objects.get().value == Decimal("3.3")


def test_a_voided_purchase_takes_no_return(bought, manager):
    purchase_void(purchase=bought, user=manager, reason="Entered twice")
    with pytest.raises(PurchaseReturnRefused, match="voided"):
        purchase_return(purchase=bought, lines=[back(bought, "1")], user=manager)
    assert nothing_returned()


def test_a_purchase_with_a_return_cannot_be_voided(bought, manager):
    purchase_return(purchase=bought, lines=[back(bought, "1")], user=manager)
    before = stock_snapshot()

    with pytest.raises(OperationRefused, match="went back to the supplier on a return"):
        purchase_void(purchase=bought, user=manager, reason="Typo")

    bought.refresh_from_db()
    assert not bought.is_voided
    assert stock_snapshot() == before


def test_a_return_counts_on_its_own_day_and_leaves_the_purchase_day(bought, widget, manager):
    day = bought.date + datetime.timedelta(days=1)
    purchase_return(
        purchase=bought, lines=[back(bought, "2"), back(bought, "1")], user=manager, date=day
    )
    purchase_return(purchase=bought, lines=[back(bought, "3")], user=manager, date=day)

    purchases = PurchaseDay.objects.get()
    assert (purchases.date, purchases.documents, purchases.units, purchases.value) == (
        bought.date,
        1,
        Decimal("10"),
        Decimal("40"),
    )
    returns = PurchaseReturnDay.objects.get()
    assert (returns.date, returns.documents, returns.units, returns.value) == (
        day,
        2,
        Decimal("6"),
        Decimal("24"),
    )
    assert totals_differences_from_lines() == []


def test_the_running_totals_check_finds_a_wrong_return_day_and_rebuild_mends_it(bought, manager):
    purchase_return(purchase=bought, lines=[back(bought, "2")], user=manager)
    PurchaseReturnDay.objects.update(units=Decimal("5"))

    [difference] = totals_differences_from_lines()
    assert difference.startswith("Returns to suppliers on ")
    assert "'units': 5" in difference and "'units': 2" in difference

    rebuild_totals()
    assert totals_differences_from_lines() == []
    assert PurchaseReturnDay.objects.get().units == Decimal("2")


def test_the_running_totals_check_finds_return_lines_the_ledger_does_not_have(bought, manager):
    debit_note = purchase_return(purchase=bought, lines=[back(bought, "2")], user=manager)
    # As if a line had been written past the service: more back than the ledger moved,
    # and more than was purchased.
    line = debit_note.lines.get()
    PurchaseReturnLine.objects.filter(pk=line.pk).update(quantity=Decimal("11"))
    rebuild_totals()  # the day's totals agree with the lines again; the rest does not

    assert totals_differences_from_lines() == [
        f"Purchase #{bought.pk}, product {line.product_id}: 11 sent back by returns, "
        "2 in the ledger",
        f"Purchase line {line.purchase_line_id}: 11 sent back of 10 purchased",
    ]
    PurchaseReturnLine.objects.filter(pk=line.pk).update(quantity=Decimal("2"))
    rebuild_totals()


def test_a_revaluation_leaves_the_return_at_its_purchase_cost(store, widget, manager):
    """Void an earlier purchase: the replay passes the return, whose cost is its purchase's."""
    cheap = buy(store, manager, (widget, "10", "2.00"))
    dear = buy(store, manager, (widget, "10", "8.00"))
    purchase_return(purchase=dear, lines=[back(dear, "2")], user=manager)

    purchase_void(purchase=cheap, user=manager, reason="Entered twice")

    movement = StockMovement.objects.get(kind=Kind.PURCHASE_RETURN)
    assert (movement.unit_cost, movement.value) == (Decimal("8.0000"), Decimal("-16"))
    assert average_cost(widget) == Decimal("8.0000")
    assert PurchaseReturnLine.objects.get().unit_cost == Decimal("8.00")
    assert valuation_differences() == {}


def test_one_product_on_two_lines_goes_back_at_the_purchase_mean_in_the_ledger(
    store, widget, manager
):
    """The ledger moved the purchase's widgets as one movement, at their mean cost, and
    the replay carries that to its returns; the debit note keeps the line's own cost."""
    purchase = buy(store, manager, (widget, "5", "4.00"), (widget, "5", "6.00"))
    assert StockMovement.objects.get(kind=Kind.PURCHASE).unit_cost == Decimal("5.0000")

    purchase_return(purchase=purchase, lines=[back(purchase, "2", line=1)], user=manager)

    assert StockMovement.objects.get(kind=Kind.PURCHASE_RETURN).unit_cost == Decimal("5.0000")
    assert PurchaseReturnLine.objects.get().unit_cost == Decimal("6.00")
    assert valuation_differences() == {}


def test_goods_received_against_an_order_can_go_back(store, widget, manager):
    order = make_order(store=store, lines=[(widget, 10, Decimal("4.00"))], place=True)
    receipt = order_receive(
        order=order, user=manager, lines=[ReceiptLineInput(order.lines.get(), Decimal("10"))]
    )

    purchase_return(purchase=receipt, lines=[back(receipt, "4")], user=manager)

    assert on_hand(widget, store) == Decimal("6")
    # The order was received in full; what went back is the return's, not the order's.
    assert order.lines.get().received_quantity == Decimal("10")
