"""The present state of the stock kept beside the stock rows, and its checks.

The stock engine keeps, under the product locks it takes, each product's units
on hand and on order across all stores (``Product.on_hand``, ``on_order``) and
each stock row's value at the average cost (``StockLevel.stock_value``, also when a
revaluation changes the average). Rule edits and reorder-level changes keep
each stock row's rule in force (``StockLevel.minimum``, ``maximum``), from
which the database derives the indexed ``needs_replenishing`` flag. Each
store's units on hand, their value and its stock rows holding units are kept in
parts (``StoreStock``). Lists, reports and the dashboard read these instead of
summing 160,000 stock rows per request. ``verify_stock`` compares them with what they summarise, and
``rebuild_totals`` recomputes them (registered in products.apps).
"""

from decimal import Decimal

from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Mod, Round

from core.models import QUANTITY_PLACES, STOCK_QUANTITY
from core.quantities import plain_quantity
from core.totals import totals_differences
from products.models import (
    STOCK_STRIPES,
    Product,
    StockLevel,
    StoreStock,
    listed_in_force,
    rule_in_force,
)

TOTALS = ["on_hand", "on_order"]
STORE_TOTALS = ["on_hand", "stock_value", "rows_in_stock"]
# How many stock rows with a stale rule or value a report lists (and then "more").
LISTED_ROWS = 20
VALUE_TOLERANCE = Value(
    Decimal("0.0001"), output_field=models.DecimalField(max_digits=27, decimal_places=7)
)


def expected_product_totals() -> dict[int, dict]:
    """Product id -> its stock rows' sums of ``on_hand`` and ``on_order`` (products with rows)."""
    rows = (
        StockLevel.objects.order_by()
        .values("product_id")
        .annotate(on_hand=Sum("quantity"), on_order=Sum("on_order"))
    )
    return {row.pop("product_id"): row for row in rows}


def state_differences() -> list[str]:
    """Each product whose kept totals, and each stock row whose kept rule, differ from what
    they summarise (empty: all agree)."""
    stored = {row.pop("pk"): row for row in Product.objects.values("pk", *TOTALS)}
    differences = totals_differences(
        "Stock totals of product", expected_product_totals(), stored, TOTALS
    )
    store_stock = {
        (row.pop("store_id"), row.pop("stripe")): row
        for row in StoreStock.objects.values("store_id", "stripe", *STORE_TOTALS)
    }
    differences += totals_differences(
        "Stock totals of (store, part)", expected_store_stock(), store_stock, STORE_TOTALS
    )
    return differences + _stale_rules() + _stale_values() + _stale_listing()


def expected_store_stock() -> dict[tuple[int, int], dict]:
    """(store id, part) -> the sums of its stock rows' ``quantity`` and ``stock_value``, and
    how many hold units: what ``StoreStock`` keeps (see ``stripe_of``)."""
    rows = (
        StockLevel.objects.order_by()
        .values("store_id", stripe=Mod("product_id", STOCK_STRIPES))
        .annotate(
            on_hand=Sum("quantity"),
            stock_value=Sum("stock_value"),
            rows_in_stock=Count("pk", filter=Q(quantity__gt=0)),
        )
    )
    return {(row.pop("store_id"), int(row.pop("stripe"))): row for row in rows}


def _listed(rows: list, describe) -> list[str]:
    """One line per row of ``rows`` (fetched with one more than listed), then "… more"."""
    lines = [describe(*row) for row in rows[:LISTED_ROWS]]
    if len(rows) > LISTED_ROWS:
        lines.append("… and more stock rows like these")
    return lines


def _stale_rules() -> list[str]:
    minimum, maximum = rule_in_force()
    stale = (
        StockLevel.objects.annotate(in_force_minimum=minimum, in_force_maximum=maximum)
        .exclude(Q(minimum=F("in_force_minimum")) & Q(maximum=F("in_force_maximum")))
        .order_by("pk")
        .values_list("pk", "minimum", "maximum", "in_force_minimum", "in_force_maximum")
    )
    return _listed(
        list(stale[: LISTED_ROWS + 1]),
        lambda pk, stored_min, stored_max, min_, max_: (
            f"Rule of stock row {pk}: stored minimum {plain_quantity(stored_min)} and maximum "
            f"{plain_quantity(stored_max)}, in force {plain_quantity(min_)} and "
            f"{plain_quantity(max_)}"
        ),
    )


def _stale_listing() -> list[str]:
    stale = (
        StockLevel.objects.annotate(in_force=listed_in_force())
        .exclude(listed=F("in_force"))
        .order_by("pk")
        .values_list("pk", "listed")
    )
    return _listed(
        list(stale[: LISTED_ROWS + 1]),
        lambda pk, listed: (
            f"Stock row {pk} is {'listed' if listed else 'not listed'} for replenishing, "
            "but its product, supplier and store say otherwise"
        ),
    )


def _stale_values() -> list[str]:
    worth = F("quantity") * F("product__average_cost")
    stale = (
        StockLevel.objects.annotate(worth=worth)
        # Within a ten-thousandth: SQLite multiplies and stores as floating point.
        .filter(
            Q(stock_value__gt=F("worth") + VALUE_TOLERANCE)
            | Q(stock_value__lt=F("worth") - VALUE_TOLERANCE)
        )
        .order_by("pk")
        .values_list("pk", "stock_value", "worth")
    )
    return _listed(
        list(stale[: LISTED_ROWS + 1]),
        lambda pk, value, worth: (
            f"Value of stock row {pk}: stored {value}, on hand × average cost {worth}"
        ),
    )


def rebuild_state() -> None:
    """Recompute every product's totals and every stock row's rule in force (after a bulk
    load or a restore; no one may record documents meanwhile)."""
    quantity = models.DecimalField(**STOCK_QUANTITY)

    def total(column: str):
        per_product = (
            StockLevel.objects.filter(product=OuterRef("pk"))
            .order_by()
            .values("product")
            # Rounded: SQLite sums as floating point (5.0000000001 would not be <= 5).
            .annotate(total=Round(Sum(column), QUANTITY_PLACES))
            .values("total")
        )
        return Coalesce(Subquery(per_product, output_field=quantity), Decimal("0"))

    with transaction.atomic():
        Product.objects.update(on_hand=total("quantity"), on_order=total("on_order"))
        average_cost = Subquery(
            Product.objects.filter(pk=OuterRef("product_id")).values("average_cost")[:1]
        )
        StockLevel.objects.update(stock_value=F("quantity") * average_cost)
        StockLevel.objects.refresh_rules()
        StockLevel.objects.refresh_listing()
        StoreStock.objects.all().delete()
        StoreStock.objects.bulk_create(
            StoreStock(store_id=store_id, stripe=stripe, **totals)
            for (store_id, stripe), totals in expected_store_stock().items()
        )


def describe_state() -> str:
    return (
        f"{Product.objects.count():,} products' stock totals and "
        f"{StockLevel.objects.count():,} stock rows' values and rules, "
        f"{StoreStock.objects.count():,} parts of the stores' stock totals"
    )
