"""``manage.py verify_stock``: check that every stock level equals the sum of its ledger.

It also checks the running totals kept beside the stock (``PurchaseDay``,
``SaleDay``, ``ProductSales``…) against the document lines: each document app
registers its own check (see :mod:`core.totals`), so the engine imports none.

It also checks valuation: replaying each product's ledger must give its
stored average cost and every movement's unit cost, value and average after
(see :mod:`products.valuation`); ``--fix`` repairs those by replay, with the
cost of the sales they feed (for databases written before valuation by replay).

The stock engine keeps ``StockLevel.quantity`` and the ``StockMovement`` ledger
in step inside one transaction; this command proves it after the fact (after
a bulk import, a restore, or a suspected bug) and fails loudly if not.
"""

from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db.models import (
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round

from core.models import QUANTITY_PLACES, STOCK_QUANTITY
from core.quantities import plain_quantity
from core.totals import registered_running_totals
from products.models import Product, StockLevel, StockMovement
from products.valuation import revalue_from_start, valuation_differences
from stores.models import Store


def ledger_sum(product, store):
    """The sum of the movements of one (product, store), as a correlated subquery."""
    return Subquery(
        StockMovement.objects.filter(product=product, store=store)
        .order_by()
        .values("product")
        .annotate(total=Sum("quantity"))
        .values("total"),
        output_field=DecimalField(**STOCK_QUANTITY),
    )


def stock_differences():
    """Every (product, store) whose stock level differs from its ledger, in one query.

    Rows are ``(product_id, store_id, on_hand, ledger, has_stock_level)``. Two
    halves of one UNION: stock levels whose ledger sums to something else
    (including levels with no movements at all), and movements whose
    (product, store) has no stock level.
    """
    levels = (
        StockLevel.objects.order_by()
        .annotate(
            on_hand=F("quantity"),
            # Rounded: SQLite sums decimals as floating point (0.1 + 0.2 is
            # 0.30000000000000004), and the stock level holds them rounded.
            ledger=Round(
                Coalesce(ledger_sum(OuterRef("product"), OuterRef("store")), Decimal("0")),
                QUANTITY_PLACES,
            ),
            has_stock_level=Value(1, output_field=IntegerField()),
        )
        .filter(~Q(on_hand=F("ledger")))
        .values_list("product_id", "store_id", "on_hand", "ledger", "has_stock_level")
    )
    orphan_movements = (
        StockMovement.objects.order_by()
        .filter(
            ~Exists(StockLevel.objects.filter(product=OuterRef("product"), store=OuterRef("store")))
        )
        .values("product_id", "store_id")
        .annotate(
            on_hand=Value(Decimal("0"), output_field=DecimalField(**STOCK_QUANTITY)),
            ledger=Sum("quantity"),
            has_stock_level=Value(0, output_field=IntegerField()),
        )
        .values_list("product_id", "store_id", "on_hand", "ledger", "has_stock_level")
    )
    return levels.union(orphan_movements, all=True).order_by("product_id", "store_id")


class Command(BaseCommand):
    help = (
        "Recompute every product's on-hand quantity per store from the stock movement "
        "ledger, and the dashboard's running totals from the document lines, and report "
        "any difference; exits non-zero when there is one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Revalue by replay every product whose valuation differs from its ledger.",
        )

    def handle(self, *args, **options):
        valuation_problems = self.check_valuation(fix=options["fix"])
        # The running totals the dashboard reads are written in the same
        # transactions as the stock, so they are checked with it.
        totals_differences = [
            difference
            for totals in registered_running_totals()
            for difference in totals.differences()
        ]
        for difference in totals_differences:
            self.stdout.write(difference)
        differences = list(stock_differences())
        if not differences and not totals_differences and not valuation_problems:
            levels = StockLevel.objects.count()
            movements = StockMovement.objects.count()
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: all {levels:,} stock levels match the ledger ({movements:,} movements), "
                    "every average cost and movement value matches its replay, "
                    "and the daily and per-product totals match the document lines."
                )
            )
            return
        if not differences:
            # A wrong average cost also makes the stock rows' kept values wrong: both said.
            problems = []
            if valuation_problems:
                problems.append(
                    f"{valuation_problems} product(s) are valued differently from their ledger "
                    "(`manage.py verify_stock --fix` revalues them by replay)"
                )
            if totals_differences:
                problems.append(
                    f"{len(totals_differences)} running total(s) differ from the document lines "
                    "(`manage.py rebuild_totals` recomputes the stored totals; goods in transit "
                    "that differ need the transfer and its movements looked at)"
                )
            raise CommandError("; ".join(problems) + "; see the lines above.")

        products = Product.objects.in_bulk({row[0] for row in differences})
        stores = Store.objects.in_bulk({row[1] for row in differences})
        for product_id, store_id, on_hand, ledger, has_stock_level in differences:
            product, store = products[product_id], stores[store_id]
            where = f"{product.sku} {product.name} at {store.code} {store.name}"
            if has_stock_level:
                self.stdout.write(
                    f"{where}: on hand {plain_quantity(on_hand)}, ledger {plain_quantity(ledger)} "
                    f"(off by {plain_quantity(on_hand - ledger, signed=True)})"
                )
            else:
                self.stdout.write(f"{where}: no stock level row, ledger {plain_quantity(ledger)}")
        raise CommandError(
            f"{len(differences)} stock level(s) differ from the ledger; see the lines above."
        )

    def check_valuation(self, *, fix: bool) -> int:
        """Report (or, with ``fix``, repair) each product valued unlike its ledger's replay.

        Returns how many products are still wrong.
        """
        differences = valuation_differences()
        products = Product.objects.in_bulk(list(differences))
        for product_id, found in sorted(differences.items()):
            product = products[product_id]
            shown = found[:5] + ([f"… and {len(found) - 5} more"] if len(found) > 5 else [])
            for difference in shown:
                self.stdout.write(f"{product.sku} {product.name}: {difference}")
            if fix:
                revaluation = revalue_from_start(product_id)
                self.stdout.write(
                    f"{product.sku} {product.name}: revalued {len(revaluation.changed)} "
                    f"movement(s), {len(revaluation.cost_changes)} sale cost(s); average cost "
                    f"{revaluation.new_average}"
                )
        return len(valuation_differences()) if fix else len(differences)
