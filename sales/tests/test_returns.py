"""Customer returns through the stock engine: restocked units come back at the cost they
left with, damaged ones are written off, and a refused return writes nothing."""

from decimal import Decimal

import pytest

from core.exceptions import OperationRefused
from products.models import StockMovement, Unit
from products.services import QuantityRefused
from products.tests.factories import ProductFactory, stock_up
from products.tests.stock_checks import average_cost, on_hand, stock_snapshot
from products.valuation import revalue, valuation_differences
from sales.models import ProductSales, ReturnDay, SaleDay, SaleReturn, SaleReturnLine
from sales.returns import ReturnLineInput, ReturnRefused, returnable_quantities, sale_return
from sales.services import sale_void, totals_differences_from_lines
from sales.tests.factories import make_sale

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

Kind = StockMovement.Kind


@pytest.fixture
def widget():
    return ProductFactory(name="Blue Widget", sale_price=Decimal("10.00"))


@pytest.fixture
def sold(store, widget, clerk):
    """5 widgets sold at 10.00 that cost 4.00 each; 5 left on the shelf."""
    stock_up(widget, store, Decimal("10"), unit_cost=Decimal("4.00"))
    return make_sale(store=store, user=clerk, lines=[(widget, Decimal("5"), Decimal("10.00"))])


def back(sale, quantity, *, restock=True, reason="", line=0):
    return ReturnLineInput(sale.lines.all()[line], Decimal(quantity), restock, reason)


def test_restocked_units_come_back_at_the_cost_they_left_with(sold, store, widget, clerk):
    stock_up(widget, store, Decimal("5"), unit_cost=Decimal("10.00"))  # average now 7.00
    assert average_cost(widget) == Decimal("7.0000")

    credit = sale_return(sale=sold, lines=[back(sold, "2", reason="Wrong size")], user=clerk)

    assert on_hand(widget, store) == Decimal("12")
    movement = StockMovement.objects.get(kind=Kind.SALE_RETURN)
    assert (movement.quantity, movement.unit_cost, movement.document_id) == (
        Decimal("2"),
        Decimal("4.0000"),
        sold.pk,
    )
    # 10 units worth 70.00, plus 2 at 4.00: 78.00 for 12.
    assert average_cost(widget) == Decimal("6.5000")
    line = credit.lines.get()
    assert (line.unit_price, line.unit_cost, line.value, line.reason) == (
        Decimal("10.00"),
        Decimal("4.0000"),
        Decimal("20.00"),
        "Wrong size",
    )
    assert credit.refund == Decimal("20.00")
    assert credit.store == store and credit.customer == sold.customer


def test_damaged_units_are_written_off_and_move_no_stock(sold, store, widget, clerk):
    sale_return(sale=sold, lines=[back(sold, "1", restock=False, reason="Cracked")], user=clerk)

    assert on_hand(widget, store) == Decimal("5")
    assert not StockMovement.objects.filter(kind=Kind.SALE_RETURN).exists()
    day = ReturnDay.objects.get()
    assert (day.documents, day.units, day.value, day.cost, day.written_off) == (
        1,
        Decimal("1"),
        Decimal("10"),
        Decimal("4"),
        Decimal("4"),
    )


def test_a_return_takes_its_units_out_of_the_products_sales_but_not_the_sale_day(
    sold, widget, clerk
):
    sale_return(sale=sold, lines=[back(sold, "2"), back(sold, "1", restock=False)], user=clerk)

    assert ProductSales.objects.get(product=widget).units == Decimal("2")
    assert ProductSales.objects.get(product=widget).value == Decimal("20")
    # The sale's day keeps the sale; the return counts on its own day.
    assert SaleDay.objects.get().units == Decimal("5")
    day = ReturnDay.objects.get()
    assert (day.units, day.value, day.cost, day.written_off) == (
        Decimal("3"),
        Decimal("30"),
        Decimal("12"),
        Decimal("4"),
    )


def test_partial_returns_add_up_to_what_was_sold_and_no_more(sold, store, widget, clerk):
    sale_return(sale=sold, lines=[back(sold, "2")], user=clerk)
    sale_return(sale=sold, lines=[back(sold, "2", restock=False)], user=clerk)
    assert returnable_quantities(sold) == {sold.lines.get().pk: Decimal("1")}
    before = stock_snapshot()

    with pytest.raises(ReturnRefused, match="2 pcs asked, only 1 pcs can still come back"):
        sale_return(sale=sold, lines=[back(sold, "2")], user=clerk)

    assert stock_snapshot() == before
    assert SaleReturn.objects.count() == 2
    sale_return(sale=sold, lines=[back(sold, "1")], user=clerk)
    assert returnable_quantities(sold) == {sold.lines.get().pk: Decimal("0")}
    assert on_hand(widget, store) == Decimal("8")


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_a_return_of_nothing_or_less_is_refused(sold, clerk, quantity):
    with pytest.raises(ReturnRefused):
        sale_return(sale=sold, lines=[back(sold, quantity)], user=clerk)
    assert not SaleReturn.objects.exists()


def test_a_line_of_another_sale_is_refused(sold, store, widget, clerk):
    other = make_sale(store=store, user=clerk, lines=[(widget, Decimal("1"))])
    with pytest.raises(ReturnRefused, match="line of"):
        sale_return(sale=sold, lines=[back(other, "1")], user=clerk)
    assert not SaleReturn.objects.exists()


def test_a_return_finer_than_the_unit_is_refused(sold, clerk):
    with pytest.raises(QuantityRefused):
        sale_return(sale=sold, lines=[back(sold, "0.5")], user=clerk)
    assert not SaleReturn.objects.exists()


def test_a_metre_of_cable_comes_back_in_its_precision(store, clerk):
    cable = ProductFactory(unit=Unit.objects.standard()["m"])
    stock_up(cable, store, Decimal("10"), unit_cost=Decimal("1.00"))
    sale = make_sale(store=store, user=clerk, lines=[(cable, Decimal("2.5"), Decimal("3.00"))])
    sale_return(sale=sale, lines=[back(sale, "1.25")], user=clerk)
    assert on_hand(cable, store) == Decimal("8.75")


def test_a_voided_sale_takes_no_return(sold, clerk, manager):
    sale_void(sale=sold, user=manager, reason="Typo")
    with pytest.raises(ReturnRefused, match="voided"):
        sale_return(sale=sold, lines=[back(sold, "1")], user=clerk)


def test_a_sale_with_a_return_cannot_be_voided(sold, clerk, manager):
    sale_return(sale=sold, lines=[back(sold, "1")], user=clerk)
    before = stock_snapshot()
    with pytest.raises(OperationRefused, match="came back on a return"):
        sale_void(sale=sold, user=manager, reason="Typo")
    sold.refresh_from_db()
    assert not sold.is_voided
    assert stock_snapshot() == before


def test_a_revaluation_re_costs_the_return_with_its_sale(store, widget, clerk, manager):
    """Void a stock-in before the sale: the sale's cost is restated, and its return follows."""
    stock_up(widget, store, Decimal("5"), unit_cost=Decimal("4.00"))
    extra = stock_up(widget, store, Decimal("5"), unit_cost=Decimal("8.00"))  # average 6.00
    sale = make_sale(store=store, user=clerk, lines=[(widget, Decimal("5"), Decimal("10.00"))])
    assert sale.lines.get().unit_cost == Decimal("6.0000")
    sale_return(sale=sale, lines=[back(sale, "2"), back(sale, "1", restock=False)], user=clerk)

    # Correct the 8.00 stock-in to 2.00 the way the engine revalues: replay from it.
    StockMovement.objects.filter(pk=extra.pk).update(
        unit_cost=Decimal("2.0000"), value=Decimal("10.0000000")
    )
    widget.refresh_from_db()
    revalue([widget], since={widget.pk: extra.pk})

    assert sale.lines.get().unit_cost == Decimal("3.0000")
    assert set(SaleReturnLine.objects.values_list("unit_cost", flat=True)) == {Decimal("3.0000")}
    assert StockMovement.objects.get(kind=Kind.SALE_RETURN).unit_cost == Decimal("3.0000")
    day = ReturnDay.objects.get()
    assert (day.cost, day.written_off) == (Decimal("9"), Decimal("3"))
    assert valuation_differences() == {}
    assert totals_differences_from_lines() == []
