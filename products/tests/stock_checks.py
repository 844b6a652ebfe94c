"""Checks the stock tests share: a snapshot of everything a stock operation may write,
and the ledger invariant.

A failed operation must leave :func:`stock_snapshot` unchanged; after any
operation :func:`assert_ledger_consistent` must hold (the root conftest's
``ledger_stays_consistent`` fixture checks it after a test).

The engine's tests sit below the document apps, so the documents' tables are
looked up by name and their running totals through the registry they fill
(see core.totals), as verify_stock does.
"""

from collections import defaultdict
from decimal import Decimal

from django.apps import apps

from core.totals import registered_running_totals
from products.models import Product, StockLevel, StockMovement
from products.valuation import ledger_of, replay, valuation_differences


def stock_snapshot() -> dict:
    """Every row a purchase, sale, void or adjustment can write, as comparable values."""
    Purchase, PurchaseLine, PurchaseDay = (
        apps.get_model("purchases", name) for name in ("Purchase", "PurchaseLine", "PurchaseDay")
    )
    Sale, SaleLine, SaleDay, ProductSales = (
        apps.get_model("sales", name) for name in ("Sale", "SaleLine", "SaleDay", "ProductSales")
    )
    return {
        "stock_levels": sorted(
            StockLevel.objects.values_list("product_id", "store_id", "quantity")
        ),
        "movements": list(
            StockMovement.objects.order_by("pk").values_list(
                "pk", "product_id", "store_id", "quantity", "balance_after", "kind", "document_id"
            )
        ),
        "average_costs": list(Product.objects.order_by("pk").values_list("pk", "average_cost")),
        "purchases": list(
            Purchase.objects.order_by("pk").values_list("pk", "voided_at", "void_reason")
        ),
        "purchase_lines": list(
            PurchaseLine.objects.order_by("pk").values_list("pk", "product_id", "quantity")
        ),
        "sales": list(Sale.objects.order_by("pk").values_list("pk", "voided_at", "void_reason")),
        "sale_lines": list(
            SaleLine.objects.order_by("pk").values_list("pk", "product_id", "quantity")
        ),
        "purchase_days": list(PurchaseDay.objects.values_list("date", "documents", "units")),
        "sale_days": list(SaleDay.objects.values_list("date", "documents", "units")),
        "product_sales": list(
            ProductSales.objects.order_by("product_id").values_list("product_id", "units")
        ),
    }


def ledger_differences() -> list[str]:
    """Where on-hand differs from the ledger, or a balance_after from its running sum,
    or the dashboard's running totals from the document lines, or any valuation from
    the replay of its product's ledger (which new data must pass without leniency)."""
    differences = [
        difference for totals in registered_running_totals() for difference in totals.differences()
    ]
    for product_id, found in valuation_differences().items():
        differences += [f"product {product_id}: {difference}" for difference in found]
    for product in Product.objects.filter(movements__isnull=False).distinct():
        replay(product, ledger_of(product.pk))  # raises ValuationRefused if it cannot
    running: dict[tuple[int, int], int] = defaultdict(int)
    for product_id, store_id, quantity, balance_after in StockMovement.objects.order_by(
        "pk"
    ).values_list("product_id", "store_id", "quantity", "balance_after"):
        running[product_id, store_id] += quantity
        if running[product_id, store_id] != balance_after:
            differences.append(
                f"movement of product {product_id} at store {store_id}: balance_after "
                f"{balance_after}, running sum {running[product_id, store_id]}"
            )
    on_hand = {
        (product_id, store_id): quantity
        for product_id, store_id, quantity in StockLevel.objects.values_list(
            "product_id", "store_id", "quantity"
        )
    }
    for key in sorted(on_hand.keys() | running.keys()):
        if on_hand.get(key, 0) != running.get(key, 0):
            differences.append(
                f"product {key[0]} at store {key[1]}: on hand {on_hand.get(key, 0)}, "
                f"ledger {running.get(key, 0)}"
            )
        if on_hand.get(key, 0) < 0:
            differences.append(f"product {key[0]} at store {key[1]}: negative on hand")
    return differences


def assert_ledger_consistent() -> None:
    differences = ledger_differences()
    assert not differences, "\n".join(differences)


def on_hand(product, store) -> int:
    return (
        StockLevel.objects.filter(product=product, store=store)
        .values_list("quantity", flat=True)
        .first()
        or 0
    )


def average_cost(product) -> Decimal:
    """The product's average cost as stored now (the instance may hold an older one)."""
    return Product.objects.values_list("average_cost", flat=True).get(pk=product.pk)


def only_movement(**filters) -> StockMovement:
    """The one ledger row matching ``filters`` (fails if there are none or several)."""
    return StockMovement.objects.get(**filters)
