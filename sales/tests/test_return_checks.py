"""``verify_stock`` checks customer returns against their documents: no sale line has more
units or money back than it sold, the restocked units are the ledger's SALE_RETURN
movements, a return line costs what its sale line cost, and ``ReturnDay`` holds what the
return lines add up to (which ``rebuild_totals`` recomputes).

Each test breaks one thing behind the services' back, with a queryset ``update()`` or
``delete()``, and reads what the command says. The checks of the documents themselves
still fail after ``rebuild_totals``: recomputing the totals from wrong lines hides nothing.
"""

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, QuerySet
from django.utils import timezone

from people.tests.factories import CustomerFactory
from products.models import StockMovement, Unit
from products.tests.factories import ProductFactory, stock_up
from sales.models import ReturnDay, SaleReturnLine
from sales.returns import ReturnLineInput, sale_return
from sales.tests.factories import make_sale

pytestmark = pytest.mark.django_db

D = Decimal
SALE_DAY = timezone.localdate() - datetime.timedelta(days=5)
FIRST_RETURN_DAY = SALE_DAY + datetime.timedelta(days=1)
SECOND_RETURN_DAY = SALE_DAY + datetime.timedelta(days=3)


def verify_stock() -> str:
    out = StringIO()
    call_command("verify_stock", stdout=out)
    return out.getvalue()


def verify_stock_failure() -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_stock", stdout=out)
    return out.getvalue(), str(raised.value)


def rebuild_totals() -> None:
    call_command("rebuild_totals", stdout=StringIO())


@pytest.fixture
def shop(store):
    """5 widgets at 10.00 (cost 4.00) and 2.5 m of cable at 3.00 (cost 1.00) sold; 2 widgets
    back on the shelf on one day, then 1 widget and 0.5 m of cable written off on another.

    Another sale of both, with nothing back, keeps the products' all-time totals above
    zero when a test returns more than the first sale sold: only the sale line shows it.
    """
    widget = ProductFactory(name="Blue Widget", sku="WID-1", sale_price=D("10.00"))
    cable = ProductFactory(
        name="Copper cable", sku="CAB-2", unit=Unit.objects.standard()["m"],
        sale_price=D("3.00"),
    )  # fmt: skip
    stock_up(widget, store, 10, unit_cost=D("4.00"))
    stock_up(cable, store, 20, unit_cost=D("1.00"))
    sale = make_sale(
        store=store,
        customer=CustomerFactory(),
        lines=[(widget, 5, D("10.00")), (cable, D("2.5"), D("3.00"))],
        date=SALE_DAY,
    )
    make_sale(store=store, lines=[(widget, 3, D("10.00")), (cable, 2, D("3.00"))], date=SALE_DAY)
    widget_line, cable_line = sale.lines.get(product=widget), sale.lines.get(product=cable)
    restocked = sale_return(
        sale=sale,
        lines=[ReturnLineInput(widget_line, D(2), True, "Wrong size")],
        user=sale.created_by,
        date=FIRST_RETURN_DAY,
    )
    written_off = sale_return(
        sale=sale,
        lines=[
            ReturnLineInput(widget_line, D(1), False, "Cracked"),
            ReturnLineInput(cable_line, D("0.5"), False, "Cut badly"),
        ],
        user=sale.created_by,
        date=SECOND_RETURN_DAY,
    )
    return {
        "store": store,
        "sale": sale,
        "widget": widget,
        "cable": cable,
        "widget_line": widget_line,
        "cable_line": cable_line,
        "restocked": restocked.lines.get(),
        "widget_written_off": written_off.lines.get(product=widget),
        "cable_written_off": written_off.lines.get(product=cable),
    }


def test_returns_as_recorded_verify(shop):
    assert verify_stock().startswith("OK: all 2 stock levels match the ledger")


def without_guard(movements) -> QuerySet:
    """``movements`` as a plain queryset: the ledger refuses updates and deletes, a bad
    restore or hand-written SQL does not."""
    return QuerySet(model=movements.model, query=movements.query)


# More back than was sold


def test_more_units_back_than_sold_are_reported_even_after_rebuild_totals(shop):
    # 2 back on the shelf, and now 4 instead of 1 written off: 6 of the 5 sold.
    SaleReturnLine.objects.filter(pk=shop["widget_written_off"].pk).update(quantity=D(4))

    output, error = verify_stock_failure()

    line = shop["widget_line"]
    assert f"Sale line {line.pk}: 6 returned of 5 sold" in output
    # The written-off units are in their day's totals too.
    assert f"Returns on {SECOND_RETURN_DAY}: stored {{'documents': 1, 'units': 1.5" in output
    assert "running total(s) differ from the document lines" in error

    rebuild_totals()

    output, error = verify_stock_failure()
    assert output.splitlines() == [f"Sale line {line.pk}: 6 returned of 5 sold"]
    assert "1 running total(s) differ" in error


def test_rebuild_totals_refuses_returns_beyond_all_the_products_sales_and_changes_nothing(shop):
    # 8 widgets sold in all; 2 back on the shelf and now 10 written off would leave the
    # product's all-time sales below zero, which its totals' constraint refuses.
    SaleReturnLine.objects.filter(pk=shop["widget_written_off"].pk).update(quantity=D(10))
    days_before = list(ReturnDay.objects.order_by("pk").values())

    with pytest.raises(CommandError, match=r"(?s)Nothing was rebuilt.*Run verify_stock"):
        call_command("rebuild_totals", stdout=StringIO())

    assert list(ReturnDay.objects.order_by("pk").values()) == days_before
    output, _ = verify_stock_failure()
    assert f"Sale line {shop['widget_line'].pk}: 12 returned of 5 sold" in output


def test_a_fraction_of_a_metre_more_than_sold_is_reported(shop):
    # 2.5 m sold, 0.5 m written off: 2.501 m back is more than was sold.
    SaleReturnLine.objects.filter(pk=shop["cable_written_off"].pk).update(quantity=D("2.501"))
    rebuild_totals()

    output, _ = verify_stock_failure()

    assert output.splitlines() == [f"Sale line {shop['cable_line'].pk}: 2.501 returned of 2.5 sold"]


def test_more_money_back_than_was_paid_for_the_line_is_reported(shop):
    # The widget line's 50.00: 20.00 came back, then 10.00; now 30.01 instead of 10.00.
    SaleReturnLine.objects.filter(pk=shop["widget_written_off"].pk).update(net_amount=D("30.01"))
    rebuild_totals()

    output, error = verify_stock_failure()

    assert output.splitlines() == [
        f"Sale line {shop['widget_line'].pk}: 50.01 net and 0.00 tax came back "
        "of 50.00 and 0.00 paid"
    ]
    assert "1 running total(s) differ" in error


def test_as_much_back_as_was_sold_is_no_difference(shop):
    # The rest of both lines comes back, as a clerk would take it.
    sale_return(
        sale=shop["sale"],
        lines=[
            ReturnLineInput(shop["widget_line"], D(2), True),
            ReturnLineInput(shop["cable_line"], D(2), True),
        ],
        user=shop["sale"].created_by,
    )

    assert verify_stock().startswith("OK:")


# Restocked units and the ledger


def restock_difference(sale, product, restocked: int, ledger: int) -> re.Pattern:
    """The line naming ``sale``'s ``product``; its quantities are printed as the database
    sums them (``2`` on SQLite, ``2.000`` on PostgreSQL and MariaDB)."""
    return re.compile(
        rf"Sale #{sale.pk}, product {product.pk}: {restocked}(\.0+)? restocked by returns, "
        rf"{ledger}(\.0+)? in the ledger"
    )


def lines_matching(pattern: re.Pattern, output: str) -> list[str]:
    return [line for line in output.splitlines() if pattern.fullmatch(line)]


def test_a_deleted_return_movement_is_reported(shop):
    widget, sale = shop["widget"], shop["sale"]
    without_guard(
        StockMovement.objects.filter(kind=StockMovement.Kind.SALE_RETURN, product=widget)
    ).delete()

    output, _ = verify_stock_failure()

    # The stock level no longer matches its ledger either; the return is named apart.
    expected = restock_difference(sale, widget, 2, 0)
    assert len(lines_matching(expected, output)) == 1
    rebuild_totals()
    assert len(lines_matching(expected, verify_stock_failure()[0])) == 1


def test_a_written_off_line_marked_restocked_is_reported(shop):
    # Nothing of it went back on the shelf: the ledger has only the 2 restocked widgets.
    SaleReturnLine.objects.filter(pk=shop["widget_written_off"].pk).update(restock=True)
    rebuild_totals()

    output, error = verify_stock_failure()

    [line] = output.splitlines()
    assert restock_difference(shop["sale"], shop["widget"], 3, 2).fullmatch(line)
    assert "1 running total(s) differ" in error


def test_a_return_movement_of_another_quantity_is_reported(shop):
    widget = shop["widget"]
    without_guard(
        StockMovement.objects.filter(kind=StockMovement.Kind.SALE_RETURN, product=widget)
    ).update(quantity=D(3))

    output, _ = verify_stock_failure()

    assert len(lines_matching(restock_difference(shop["sale"], widget, 2, 3), output)) == 1


# A return line's cost


def test_a_return_line_costing_other_than_its_sale_line_is_reported(shop):
    restocked = shop["restocked"]
    SaleReturnLine.objects.filter(pk=restocked.pk).update(unit_cost=D("4.5000"))

    output, error = verify_stock_failure()

    expected = (
        f"Return line {restocked.pk} of sale line {shop['widget_line'].pk}: "
        "unit cost 4.5000, the sale line's 4.0000"
    )
    assert expected in output.splitlines()
    # Its day's cost too: 2 × 4.00 stored, 2 × 4.50 from the lines.
    assert f"Returns on {FIRST_RETURN_DAY}: stored" in output
    assert "running total(s) differ" in error

    rebuild_totals()

    output, error = verify_stock_failure()
    assert output.splitlines() == [expected]
    assert "1 running total(s) differ" in error


# ReturnDay, the returns' running totals


@pytest.mark.parametrize(
    ("day", "change", "stored"),
    [
        (FIRST_RETURN_DAY, {"units": F("units") + 1}, "{'documents': 1, 'units': 3,"),
        (FIRST_RETURN_DAY, {"documents": 2}, "{'documents': 2, 'units': 2,"),
        (SECOND_RETURN_DAY, {"value": D("0")}, "'units': 1.5, 'value': 0, 'cost': 4.5"),
        (SECOND_RETURN_DAY, {"cost": D("4.6")}, "'value': 11.5, 'cost': 4.6, 'written_off'"),
        (SECOND_RETURN_DAY, {"written_off": D("0")}, "'cost': 4.5, 'written_off': 0}"),
        (FIRST_RETURN_DAY, "deleted", "{'documents': 0, 'units': 0, 'value': 0, 'cost': 0,"),
        (SALE_DAY, "added", "{'documents': 1, 'units': 1, 'value': 10, 'cost': 4,"),
    ],
    ids=["units", "documents", "value", "cost", "written-off", "deleted", "added"],
)
def test_a_wrong_return_day_is_reported_and_rebuild_totals_repairs_it(shop, day, change, stored):
    expected = ReturnDay.objects.order_by("date").values(
        "date", "documents", "units", "value", "cost", "written_off"
    )
    before = list(expected)
    if change == "deleted":
        ReturnDay.objects.filter(date=day).delete()
    elif change == "added":  # a day with no return
        ReturnDay.objects.create(date=day, documents=1, units=1, value=10, cost=4, written_off=0)
    else:
        ReturnDay.objects.filter(date=day).update(**change)

    output, error = verify_stock_failure()

    [line] = output.splitlines()
    assert line.startswith(f"Returns on {day}: stored {{")
    stored_part, recomputed_part = line.split(", recomputed ")
    assert stored in stored_part
    assert stored not in recomputed_part
    assert "1 running total(s) differ from the document lines" in error
    assert "rebuild_totals" in error

    rebuild_totals()

    assert list(expected) == before
    assert verify_stock().startswith("OK:")
