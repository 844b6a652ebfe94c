"""Value every existing ledger movement, and re-cost sales, by replaying each product's ledger.

Before this, movements carried no value and a void took its document's value
out at the time of the void, which could leave a wrong (even zero) average.
This migration fills what each movement carried (purchases from their lines;
sales and adjustments at the average of their moment), then replays every
product's movements in order, leaving out each voided document and its void,
and writes the movements' values, the products' average costs, the sale
lines' unit costs and the daily cost totals.

A frozen copy of ``products.valuation.replay`` in its lenient form: history
written before this change may hold a purchase voided after its units were
sold, which the engine now refuses but a migration must still value.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations
from django.db.models import F, Sum

PLACES = Decimal("0.0001")
ZERO = Decimal("0")
VOIDED_KIND = {"purchase_void": "purchase", "sale_void": "sale"}
AT_AVERAGE_KINDS = ("sale", "adjustment")
BATCH = 2000


def _replay(rows):
    """Yield ``(row, unit_cost, value, average_after)`` for one product's rows in pk order."""
    voided = {(VOIDED_KIND[r["kind"]], r["document_id"]) for r in rows if r["kind"] in VOIDED_KIND}
    left_out = {}
    on_hand, average = 0, ZERO
    for row in rows:
        key = (row["kind"], row["document_id"])
        if row["kind"] in VOIDED_KIND:
            original = (VOIDED_KIND[row["kind"]], row["document_id"])
            unit_cost, value = left_out.get(original, (ZERO, ZERO))
            yield row, unit_cost, -value, average
            continue
        quantity = row["quantity"]
        if row["at_average_cost"]:
            unit_cost, value = average, quantity * average
        else:
            unit_cost, value = row["unit_cost"], row["value"]
        if key in voided:
            left_out[key] = (unit_cost, value)
            yield row, unit_cost, value, average
            continue
        if not row["at_average_cost"]:
            if on_hand < 0:
                if quantity > 0:
                    average = abs(value / quantity).quantize(PLACES, ROUND_HALF_UP)
            elif on_hand + quantity > 0 and average * on_hand + value >= 0:
                average = ((average * on_hand + value) / (on_hand + quantity)).quantize(
                    PLACES, ROUND_HALF_UP
                )
        on_hand += quantity
        yield row, unit_cost, value, average


def value_the_ledger(apps, schema_editor):
    StockMovement = apps.get_model("products", "StockMovement")
    Product = apps.get_model("products", "Product")
    PurchaseLine = apps.get_model("purchases", "PurchaseLine")
    SaleLine = apps.get_model("sales", "SaleLine")
    SaleDay = apps.get_model("sales", "SaleDay")

    StockMovement.objects.filter(kind__in=AT_AVERAGE_KINDS).update(at_average_cost=True)
    purchased = {
        (row["purchase_id"], row["product_id"]): row["value"]
        for row in PurchaseLine.objects.values("purchase_id", "product_id").annotate(
            value=Sum(F("quantity") * F("unit_cost"))
        )
    }

    movements, sale_costs, averages = [], {}, {}

    def value_product(rows):
        for row in rows:
            if row["kind"] in ("purchase", "purchase_void"):
                value = Decimal(purchased.get((row["document_id"], row["product_id"]), 0))
                row["value"] = abs(value)
                row["unit_cost"] = (abs(value) / abs(row["quantity"])).quantize(PLACES)
        average = ZERO
        for row, unit_cost, value, average in _replay(rows):
            movements.append(
                StockMovement(
                    pk=row["pk"], unit_cost=unit_cost, value=value, average_cost_after=average
                )
            )
            if row["kind"] == "sale":
                sale_costs[row["document_id"], row["product_id"]] = unit_cost
        averages[rows[0]["product_id"]] = average
        if len(movements) >= BATCH:
            flush()

    def flush():
        StockMovement.objects.bulk_update(
            movements, ["unit_cost", "value", "average_cost_after"], batch_size=500
        )
        movements.clear()

    fields = ["pk", "product_id", "kind", "document_id", "quantity", "at_average_cost"]
    current, rows = None, []
    for row in StockMovement.objects.order_by("product_id", "pk").values(*fields).iterator(5000):
        if row["product_id"] != current and rows:
            value_product(rows)
            rows = []
        current = row["product_id"]
        rows.append({**row, "unit_cost": ZERO, "value": ZERO})
    if rows:
        value_product(rows)
    flush()

    Product.objects.bulk_update(
        [Product(pk=pid, average_cost=average) for pid, average in averages.items()],
        ["average_cost"],
        batch_size=500,
    )
    lines = []
    for line in SaleLine.objects.only("pk", "sale_id", "product_id", "unit_cost").iterator(5000):
        unit_cost = sale_costs.get((line.sale_id, line.product_id))
        if unit_cost is not None and unit_cost != line.unit_cost:
            line.unit_cost = unit_cost
            lines.append(line)
    SaleLine.objects.bulk_update(lines, ["unit_cost"], batch_size=500)

    day_costs = defaultdict(
        Decimal,
        SaleLine.objects.filter(sale__voided_at__isnull=True)
        .values_list("sale__date")
        .annotate(cost=Sum(F("quantity") * F("unit_cost")))
        .order_by(),
    )
    days = list(SaleDay.objects.all())
    for day in days:
        day.cost = Decimal(day_costs[day.date]).quantize(PLACES)
    SaleDay.objects.bulk_update(days, ["cost"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0007_ledger_valuation"),
        ("purchases", "0003_bounded_money"),
        ("sales", "0003_bounded_money"),
    ]

    operations = [migrations.RunPython(value_the_ledger, migrations.RunPython.noop)]
