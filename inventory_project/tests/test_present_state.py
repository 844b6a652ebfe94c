"""The present state kept beside the stock rows (products.state), across the documents.

Purchases, sales, voids, adjustments and purchase orders keep each product's
``on_hand``/``on_order`` equal to its stock rows' sums; a purchase that moves the
average cost revalues every store's ``stock_value``; a reorder-level change and
archiving keep each row's ``minimum``/``maximum`` and ``listed``, hence the generated
``needs_replenishing``; a kept figure corrupted behind the engine's back is named by
``state_differences()`` and ``verify_stock``, and ``rebuild_totals`` repairs it. Each
store's units and value are kept in parts (``StoreStock``) that follow every document.
Every test ends with the ledger and running-totals check (``ledger_stays_consistent``).
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from products.models import STOCK_STRIPES, Product, StockLevel, StoreStock, Unit, stripe_of
from products.services import stock_adjust
from products.state import state_differences
from products.tests.factories import ProductFactory, stock_up
from purchases.orders import ReceiptLineInput, order_cancel, order_receive
from purchases.services import purchase_void
from purchases.tests.factories import make_order, make_purchase
from replenishment.tests.factories import level, set_rule
from sales.services import sale_void
from sales.tests.factories import make_sale

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]


def assert_totals(product, on_hand, on_order):
    """The product's kept totals are these numbers, and so are its stock rows' sums."""
    kept = Product.objects.values_list("on_hand", "on_order").get(pk=product.pk)
    sums = StockLevel.objects.filter(product=product).aggregate(Sum("quantity"), Sum("on_order"))
    assert kept == (Decimal(on_hand), Decimal(on_order))
    assert (sums["quantity__sum"], sums["on_order__sum"]) == kept
    assert state_differences() == []


def flags(*products) -> dict[tuple[str, str], tuple[bool, bool]]:
    """(product, store) -> (listed, needs_replenishing) of the products' stock rows."""
    rows = StockLevel.objects.filter(product__in=products).values_list(
        "product__name", "store__name", "listed", "needs_replenishing"
    )
    return {(product, store): (listed, needs) for product, store, listed, needs in rows}


# 1. Product totals follow every document


def test_documents_keep_the_product_totals_equal_to_the_stock_rows(store, other_store, clerk):
    widget = ProductFactory(name="Widget")
    make_purchase(store=store, user=clerk, lines=[(widget, 10)])
    make_purchase(store=other_store, user=clerk, lines=[(widget, 3)])
    assert_totals(widget, 13, 0)

    sale = make_sale(store=store, user=clerk, lines=[(widget, 4)])
    assert_totals(widget, 9, 0)
    sale_void(sale=sale, user=clerk, reason="Returned")
    assert_totals(widget, 13, 0)

    mistake = make_purchase(store=other_store, user=clerk, lines=[(widget, 2)])
    assert_totals(widget, 15, 0)
    purchase_void(purchase=mistake, user=clerk, reason="Entered twice")
    assert_totals(widget, 13, 0)

    stock_adjust(product=widget, store=other_store, user=clerk, reason="Stocktake", counted=1)
    assert_totals(widget, 11, 0)

    order = make_order(store=other_store, user=clerk, lines=[(widget, 6)], place=True)
    assert_totals(widget, 11, 6)
    [line] = order.lines.all()
    order_receive(order=order, user=clerk, lines=[ReceiptLineInput(line, Decimal("2"))])
    assert_totals(widget, 13, 4)

    cancelled = make_order(store=store, user=clerk, lines=[(widget, 5)], place=True)
    assert_totals(widget, 13, 9)
    order_cancel(order=cancelled, user=clerk, reason="Supplier out of stock")
    assert_totals(widget, 13, 4)


# 2. Stock values follow the average cost, at every store


def test_a_purchase_at_one_store_revalues_the_other_stores_and_its_void_restores_them(
    store, other_store, clerk
):
    widget = ProductFactory(name="Widget")
    stock_up(widget, other_store, 3, unit_cost=Decimal("10.00"))
    assert level(widget, other_store).stock_value == Decimal("30")

    purchase = make_purchase(store=store, user=clerk, lines=[(widget, 4, Decimal("11.00"))])

    widget.refresh_from_db()
    assert widget.average_cost == Decimal("10.5714")  # 74 / 7
    assert level(widget, other_store).stock_value == 3 * widget.average_cost == Decimal("31.7142")
    assert level(widget, store).stock_value == 4 * widget.average_cost

    purchase_void(purchase=purchase, user=clerk, reason="Wrong supplier")

    widget.refresh_from_db()
    assert widget.average_cost == Decimal("10.0000")
    assert level(widget, other_store).stock_value == Decimal("30")
    assert level(widget, store).stock_value == 0
    assert state_differences() == []


def store_totals() -> dict[str, tuple[Decimal, Decimal]]:
    """Store name -> (units, value) as the dashboard reads them: the sums of the kept parts."""
    names = dict(StockLevel.objects.values_list("store_id", "store__name").distinct())
    return {
        names[row["store_id"]]: (row["units"], row["value"])
        for row in StoreStock.objects.per_store()
    }


def test_the_stores_kept_totals_follow_every_document_and_revaluation(store, other_store, clerk):
    # Two products in different parts of each store's totals (product id modulo 16).
    widget, gadget = ProductFactory(name="Widget"), ProductFactory(name="Gadget")
    assert stripe_of(widget.pk) != stripe_of(gadget.pk)
    make_purchase(store=other_store, user=clerk, lines=[(widget, 3, Decimal("10.00"))])
    make_purchase(store=store, user=clerk, lines=[(gadget, 5, Decimal("2.00"))])
    assert store_totals() == {"Harbour Road": (3, Decimal("30")), "Main Street": (5, Decimal("10"))}

    # Bought at Main at 11.00: the widget's average moves to 74 / 7 = 10.5714, and the
    # three at the annex are worth that too.
    purchase = make_purchase(store=store, user=clerk, lines=[(widget, 4, Decimal("11.00"))])
    assert store_totals() == {
        "Harbour Road": (3, Decimal("31.7142")),
        "Main Street": (9, Decimal("10") + 4 * Decimal("10.5714")),
    }
    sale = make_sale(store=store, user=clerk, lines=[(gadget, 5), (widget, 1)])
    assert store_totals() == {
        "Harbour Road": (3, Decimal("31.7142")),
        "Main Street": (3, 3 * Decimal("10.5714")),
    }
    sale_void(sale=sale, user=clerk, reason="Returned")
    purchase_void(purchase=purchase, user=clerk, reason="Wrong supplier")
    assert store_totals() == {"Harbour Road": (3, Decimal("30")), "Main Street": (5, Decimal("10"))}
    assert StoreStock.objects.filter(store=store).count() == 2  # one row per part used

    stock_adjust(product=widget, store=other_store, user=clerk, reason="Stocktake", counted=0)
    assert store_totals() == {"Main Street": (5, Decimal("10"))}  # holding nothing: left out
    assert state_differences() == []


def test_a_corrupted_store_total_is_reported_and_rebuilt(store, other_store, clerk):
    widget = ProductFactory(name="Widget")
    make_purchase(store=store, user=clerk, lines=[(widget, 10, Decimal("4.00"))])
    make_purchase(store=other_store, user=clerk, lines=[(widget, 2, Decimal("7.00"))])
    StoreStock.objects.filter(store=store).update(on_hand=11)
    StoreStock.objects.create(store=other_store, stripe=(stripe_of(widget.pk) + 1) % STOCK_STRIPES)

    differences = state_differences()

    assert [d.split(":")[0] for d in differences] == [
        f"Stock totals of (store, part) ({store.pk}, {stripe_of(widget.pk)})"
    ]  # the empty row is no difference: a part at zero
    call_command("rebuild_totals", stdout=StringIO())
    assert state_differences() == []
    assert store_totals() == {
        "Main Street": (10, 10 * Decimal("4.5")),
        "Harbour Road": (2, 2 * Decimal("4.5")),
    }


def test_the_stock_rows_holding_units_are_counted_as_they_fill_and_empty(store, other_store, clerk):
    widget, gadget = ProductFactory(name="Widget"), ProductFactory(name="Gadget")
    make_purchase(store=store, user=clerk, lines=[(widget, 2), (gadget, 1)])
    make_purchase(store=other_store, user=clerk, lines=[(widget, 1)])
    assert StoreStock.objects.rows_in_stock() == 3

    sale = make_sale(store=store, user=clerk, lines=[(widget, 2), (gadget, 1)])
    assert StoreStock.objects.rows_in_stock() == 1  # emptied: Main's two rows
    sale_void(sale=sale, user=clerk, reason="Returned")
    assert StoreStock.objects.rows_in_stock() == 3
    make_sale(store=store, user=clerk, lines=[(widget, 1)])
    assert StoreStock.objects.rows_in_stock() == 3  # still holding one
    stock_adjust(product=widget, store=other_store, user=clerk, reason="Stocktake", counted=0)
    assert StoreStock.objects.rows_in_stock() == 2
    assert StoreStock.objects.rows_in_stock() == StockLevel.objects.filter(quantity__gt=0).count()

    StoreStock.objects.filter(store=store, stripe=stripe_of(widget.pk)).update(rows_in_stock=7)
    [difference] = state_differences()
    assert "'rows_in_stock': 7" in difference
    call_command("rebuild_totals", stdout=StringIO())
    assert state_differences() == []
    assert StoreStock.objects.rows_in_stock() == 2


# 3. The rule in force follows the product's reorder level


def test_a_reorder_level_saved_refreshes_the_rows_without_a_rule_of_their_own(store, other_store):
    widget = ProductFactory(name="Widget", reorder_level=5)
    stock_up(widget, store, 6)
    stock_up(widget, other_store, 3)
    set_rule(widget, other_store, minimum=2, maximum=8)
    assert (level(widget, store).minimum, level(widget, store).maximum) == (5, 10)
    assert not level(widget, store).needs_replenishing

    product = Product.objects.get(pk=widget.pk)  # as the product form would
    product.reorder_level = Decimal("8")
    product.save()

    row, own = level(widget, store), level(widget, other_store)
    assert (row.minimum, row.maximum, row.needs_replenishing) == (8, 16, True)
    assert (own.minimum, own.maximum, own.needs_replenishing) == (2, 8, False)

    product.reorder_level = Decimal("4")
    product.save()
    row.refresh_from_db()
    assert (row.minimum, row.maximum, row.needs_replenishing) == (4, 8, False)
    assert state_differences() == []


# 4. Archiving unlists the rows it concerns, restoring relists them


@pytest.mark.parametrize("archived", ["product", "supplier", "store"])
def test_archiving_unlists_only_the_rows_it_concerns_and_restoring_relists_them(
    archived, store, other_store
):
    widget = ProductFactory(name="Widget", reorder_level=5)
    gadget = ProductFactory(name="Gadget", reorder_level=5)
    for product in (widget, gadget):
        for where in (store, other_store):
            stock_up(product, where, 1)  # at or below its minimum: needs replenishing
    all_rows = flags(widget, gadget)
    assert set(all_rows.values()) == {(True, True)}
    record, affected = {
        "product": (widget, {("Widget", "Main Street"), ("Widget", "Harbour Road")}),
        "supplier": (gadget.supplier, {("Gadget", "Main Street"), ("Gadget", "Harbour Road")}),
        "store": (other_store, {("Widget", "Harbour Road"), ("Gadget", "Harbour Road")}),
    }[archived]

    record.archive()

    assert flags(widget, gadget) == {
        key: (False, False) if key in affected else (True, True) for key in all_rows
    }
    assert state_differences() == []

    record.restore()

    assert flags(widget, gadget) == all_rows


def test_restoring_a_product_of_an_archived_supplier_keeps_it_unlisted(store):
    widget = ProductFactory(name="Widget")
    stock_up(widget, store, 1)
    widget.archive()
    widget.supplier.archive()

    widget.restore()

    assert flags(widget) == {("Widget", "Main Street"): (False, False)}
    widget.supplier.restore()
    assert flags(widget) == {("Widget", "Main Street"): (True, True)}


# 5. Parts of a unit summed as floating point


@pytest.mark.parametrize(
    ("minimum", "maximum", "needs"),
    [("0.3", "1", True), ("0.299", "1", False), ("0.3", "0.3", False)],
)
def test_a_tenth_on_hand_and_two_on_order_are_at_a_minimum_of_three_tenths(
    store, clerk, minimum, maximum, needs
):
    cable = ProductFactory(name="Thin cable", unit=Unit.objects.standard()["m"], reorder_level=0)
    stock_up(cable, store, Decimal("0.1"))
    make_order(store=store, user=clerk, lines=[(cable, "0.2")], place=True)
    set_rule(cable, store, minimum=minimum, maximum=maximum)

    row = level(cable, store)

    assert (row.quantity, row.on_order, row.stocked) == (
        Decimal("0.1"),
        Decimal("0.2"),
        Decimal("0.3"),
    )
    assert (row.minimum, row.maximum) == (Decimal(minimum), Decimal(maximum))
    assert row.needs_replenishing is needs


# 6. A corrupted figure is reported, and rebuilt


@pytest.mark.parametrize(
    ("corrupt", "named"),
    [
        (lambda p, row: Product.objects.filter(pk=p.pk).update(on_hand=99), "Stock totals of"),
        (lambda p, row: Product.objects.filter(pk=p.pk).update(on_order=2), "Stock totals of"),
        (lambda p, row: StockLevel.objects.filter(pk=row.pk).update(stock_value=1), "Value of"),
        (lambda p, row: StockLevel.objects.filter(pk=row.pk).update(minimum=7), "Rule of"),
        (lambda p, row: StockLevel.objects.filter(pk=row.pk).update(maximum=1), "Rule of"),
        (lambda p, row: StockLevel.objects.filter(pk=row.pk).update(listed=False), "is not listed"),
    ],
    ids=["on_hand", "on_order", "stock_value", "minimum", "maximum", "listed"],
)
def test_a_corrupted_figure_is_reported_and_rebuilt(store, other_store, clerk, corrupt, named):
    widget = ProductFactory(name="Widget")
    make_purchase(store=store, user=clerk, lines=[(widget, 10, Decimal("4.00"))])
    make_purchase(store=other_store, user=clerk, lines=[(widget, 2, Decimal("7.00"))])
    row = level(widget, store)
    untouched = level(widget, other_store)

    corrupt(widget, row)

    differences = state_differences()
    [difference] = [d for d in differences if named in d and "(store, part)" not in d]
    # A row's value is also in its store's kept total, which no longer matches it either.
    assert len(differences) == (2 if named == "Value of" else 1)
    key = widget.pk if named == "Stock totals of" else row.pk
    assert f" {key}" in difference
    assert f"row {untouched.pk}" not in difference
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_stock", stdout=out)
    assert difference in out.getvalue()

    call_command("rebuild_totals", stdout=StringIO())

    assert state_differences() == []
    assert_totals(widget, 12, 0)
    row.refresh_from_db()
    assert (row.minimum, row.maximum, row.listed) == (5, 10, True)
    assert row.stock_value == 10 * Product.objects.get(pk=widget.pk).average_cost
    out = StringIO()
    call_command("verify_stock", stdout=out)
    assert out.getvalue().startswith("OK:")
