"""The numbers behind the dashboard, each computed by the database.

Every function runs a fixed number of queries whatever the amount of history.
"""

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from core.expressions import GroupKey, OncePerGroup
from core.models import COST_TOTAL, TOTAL, UNITS_TOTAL
from dashboard.periods import MAX_DAILY_POINTS, MAX_MONTHLY_POINTS, Period
from people.models import Customer, Supplier
from products.models import Category, Product, StoreStock
from purchases.models import Purchase, PurchaseDay, PurchaseReturnDay
from replenishment.selectors import lowest_needs, lowest_to_reorder, planned_terms
from sales.models import (
    ProductSales,
    ReturnDay,
    Sale,
    SaleDay,
    SaleLine,
    SaleReturn,
    SaleReturnLine,
    with_profit,
)
from stores.models import Store
from transfers.models import Transfer, TransferLine

# Exact: quantities (3 places) times costs (4 places), see core.models.COST_TOTAL.
STOCK_VALUE = COST_TOTAL
ATTENTION_ROWS = 10
TOP_PRODUCTS = 10


def record_counts() -> dict:
    """How many active stores, categories, products, customers and suppliers exist."""
    return {
        "stores": Store.objects.active().count(),
        "categories": Category.objects.active().count(),
        "products": Product.objects.active().count(),
        "customers": Customer.objects.active().count(),
        "suppliers": Supplier.objects.active().count(),
    }


def period_totals(period: Period) -> dict:
    """Purchase and sale totals for the period; voided documents count in none of them.

    Values are net of tax. Purchases are net of the period's returns to
    suppliers (``sent_back``), sales net of the customer returns of the period
    (``returns``): less the units, value and cost that came back. Damaged
    units' cost stays in the cost of sales, so what was written off lowers the
    gross profit. ``returns["refunded"]`` is the money given back, tax
    included and less any fee kept: not the value the sales lost.

    Read from the daily totals the services keep, one row per day, instead of
    every line of the period; the refunds from the period's returns themselves.
    """
    sold = SaleDay.objects.in_period(period.start, period.end).totals()
    returns = ReturnDay.objects.in_period(period.start, period.end).totals()
    returns["refunded"] = refunded(period)
    purchased = PurchaseDay.objects.in_period(period.start, period.end).totals()
    sent_back = PurchaseReturnDay.objects.in_period(period.start, period.end).totals()
    return {
        # Less what went back to suppliers in the period, at what it cost.
        "purchased": {
            "documents": purchased["documents"],
            "units": purchased["units"] - sent_back["units"],
            "value": purchased["value"] - sent_back["value"],
        },
        "sent_back": sent_back,
        "sold": net_of_returns(sold, returns),
        "returns": returns,
    }


def refunded(period: Period) -> Decimal:
    """The money given back on the period's customer returns (their ``refund``)."""
    # Returns are few beside sales: read by their date index, with no daily total to keep.
    return SaleReturn.objects.in_period(period.start, period.end).aggregate(
        total=Coalesce(Sum("refund"), Decimal("0"), output_field=TOTAL)
    )["total"]


def net_of_returns(sold: dict, returns: dict) -> dict:
    """Sale totals (``documents``, ``units``, ``value``, ``cost``) less what came back."""
    return with_profit(
        {
            "documents": sold["documents"],
            "units": sold["units"] - returns["units"],
            "value": sold["value"] - returns["value"],
            "cost": sold["cost"] - (returns["cost"] - returns["written_off"]),
        }
    )


def stock_value_by_store() -> list[dict]:
    """Units on hand and their value (on-hand × average cost) per store, now: ``store_id``,
    ``store_name``, ``units``, ``value``, by store name; stores holding units only.

    The sums of each store's parts of the totals the stock engine keeps
    (``StoreStock``, 16 rows a store), not of its stock rows; the name joined
    per store.
    """
    rows = StoreStock.objects.per_store().annotate(
        store_name=Subquery(Store.objects.filter(pk=OuterRef("store_id")).values("name")[:1])
    )
    return sorted(rows, key=lambda row: (row["store_name"], row["store_id"]))


def _buckets(start: datetime.date, end: datetime.date) -> tuple[str, list[datetime.date]]:
    """The chart's x axis from ``start`` to ``end``: every day, month or year of it."""
    if (end - start).days < MAX_DAILY_POINTS:
        return "day", [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    # Stepping by year and month numbers, not timedelta, so December 9999 ends cleanly.
    first_month = start.year * 12 + start.month - 1
    last_month = end.year * 12 + end.month - 1
    if last_month - first_month < MAX_MONTHLY_POINTS:
        return "month", [
            datetime.date(n // 12, n % 12 + 1, 1) for n in range(first_month, last_month + 1)
        ]
    return "year", [datetime.date(year, 1, 1) for year in range(start.year, end.year + 1)]


# What a step is called after "per" in the chart's heading ("Sales and purchase value per day").
STEP_LABELS = {
    "day": pgettext_lazy("chart step", "day"),
    "month": pgettext_lazy("chart step", "month"),
    "year": pgettext_lazy("chart step", "year"),
}


# A month or year bucket is the first 7 or 4 characters of the ISO date
# ("2025-03", "2025"): a plain string function the database runs natively.
# TruncMonth/TruncYear are Python functions on SQLite, called once per line:
# over a million sale lines that made the all-time chart take seconds.
BUCKET_LENGTHS = {"month": 7, "year": 4}


def _bucket_date(value, step: str) -> datetime.date:
    if step == "day":
        return _as_date(value)
    if step == "month":
        return datetime.date(int(value[:4]), int(value[5:7]), 1)
    return datetime.date(int(value[:4]), 1, 1)


def _value_series(day_model, period: Period, step: str) -> dict:
    bucket = (
        F("date") if step == "day" else Substr(Cast("date", CharField()), 1, BUCKET_LENGTHS[step])
    )
    rows = (
        day_model.objects.in_period(period.start, period.end)
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(total=Sum("value"))
        .order_by("bucket")
    )
    return {_bucket_date(row["bucket"], step): row["total"] for row in rows}


def _as_date(value) -> datetime.date:
    # Truncating a date gives a date on every backend but MariaDB may hand
    # back a datetime; normalise so buckets compare equal.
    return value.date() if isinstance(value, datetime.datetime) else value


def _chart_range(period: Period, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days the chart spans: the period, or for an open end, the documents' dates."""
    if period.start is not None and period.end is not None:
        return period.start, period.end
    spans = [
        _days_with_documents(model)
        .in_period(period.start, period.end)
        .aggregate(first=Min("date"), last=Max("date"))
        for model in (SaleDay, PurchaseDay)
    ]
    firsts = [span["first"] for span in spans if span["first"]]
    lasts = [span["last"] for span in spans if span["last"]]
    end = period.end or max([today, *lasts])
    start = period.start or min(firsts, default=end)
    return start, end


def value_chart(period: Period, today: datetime.date | None = None) -> dict:
    """Sales and purchase value per day (or month, or year) over the period, zeros included."""
    start, end = _chart_range(period, today or timezone.localdate())
    step, buckets = _buckets(start, end)
    sales = _value_series(SaleDay, period, step)
    purchases = _value_series(PurchaseDay, period, step)
    zero = Decimal("0")
    return {
        "step": step,
        "step_label": STEP_LABELS[step],
        "points": [
            {"bucket": b, "sales": sales.get(b, zero), "purchases": purchases.get(b, zero)}
            for b in buckets
        ],
    }


def _days_with_documents(day_model):
    # A day whose documents were all voided keeps its row, at zero.
    return day_model.objects.filter(documents__gt=0)


def _covers_all_sales(period: Period) -> bool:
    """Whether ``period`` holds every day with sales or customer returns: then the
    all-time totals per product (net of returns) are the period's."""
    spans = [
        _days_with_documents(day_model).aggregate(first=Min("date"), last=Max("date"))
        for day_model in (SaleDay, ReturnDay)
    ]
    return all(
        (period.start is None or period.start <= span["first"])
        and (period.end is None or period.end >= span["last"])
        for span in spans
        if span["first"] is not None
    )


def top_products(period: Period, limit: int = TOP_PRODUCTS) -> list[dict]:
    """The products with the highest sales value (net of tax) in the period."""
    if _covers_all_sales(period):
        # All of history: the per-product totals the services keep, not every line.
        rows = list(
            ProductSales.objects.filter(units__gt=0)
            .values("product_id", "units", "value")
            .order_by("-value", "product_id")[:limit]
        )
        products = named_products(row["product_id"] for row in rows)
        return [{**row, **products[row["product_id"]]} for row in rows]
    # Grouped by the product alone (see GroupKey): its name, SKU and unit are read
    # for the rows shown, after (grouping by them too, joined to every line, took
    # three times as long: 69 against 22 ms over the 27,000 lines of 30 days at the
    # large demo).
    returns = SaleReturnLine.objects.in_period(period.start, period.end)
    rows = list(
        SaleLine.objects.in_period(period.start, period.end)
        .of_valid_documents()
        .values(product_key=GroupKey("product_id"))
        .annotate(
            sold_units=Sum("quantity"),
            sold_value=Sum("net_amount", output_field=TOTAL),
            **returned_per_product(returns, with_cost=False),
        )
        # Net of the period's returns: the value to rank by in SQL, the units after
        # (each net figure in SQL repeats the subquery of what came back).
        .annotate(value=F("sold_value") - F("returned_value"))
        .order_by("-value", "product_key")[:limit]
    )
    products = named_products(row["product_key"] for row in rows)
    # Products that all came back (nothing left sold) are left out here, not
    # in SQL: MariaDB cannot see the outer row from a subquery in HAVING. They
    # sort last (their net value is nothing), so only a period with fewer
    # than ``limit`` products still sold shows fewer rows.
    return [
        {
            "product_id": row["product_key"],
            **products[row["product_key"]],
            "units": row["sold_units"] - row["returned_units"],
            "value": row["value"],
        }
        for row in rows
        if row["sold_units"] > row["returned_units"]
    ]


def named_products(product_ids) -> dict[int, dict]:
    """``{id: {"product__name", "product__sku", "unit"}}`` of the products, in one query:
    what a per-product row shows beside its figures. The query runs for no products too
    (-1 is never a key), so a page runs as many queries with no rows as with some."""
    return {
        pk: {"product__name": name, "product__sku": sku, "unit": unit}
        for pk, name, sku, unit in Product.objects.filter(
            pk__in=list(product_ids) or [-1]
        ).values_list("pk", "name", "sku", "unit__symbol")
    }


def returned_per_product(returns, *, with_tax: bool = False, with_cost: bool = True) -> dict:
    """Annotations of a per-product row: what came back on ``returns`` (return lines) of
    its product: ``returned_units``, ``returned_value`` (what the units sold for, net of
    tax: what the sales lose), ``with_cost``, ``restocked_cost`` (the cost of the units
    back on the shelf) and, ``with_tax``, ``returned_tax``; each a correlated subquery,
    zero if none.

    Returns are few beside sales: the subqueries run only for the rows whose product
    came back at all (the products of ``returns``, one list the database builds
    once), and read its return lines by their product index. Run for every row,
    they were most of the sales-by-product report's time (each is repeated in
    every figure computed from it in SQL: the callers compute there only the figure
    they sort by, the others in Python for the rows read).
    And they run once per row of the result (``OncePerGroup``), not once per line
    grouped into it: as grouping terms they took two thirds of the dashboard's top
    products query at the small demo (4.3 against 1.4 ms).

    The rows must be grouped by ``product_id`` (``GroupKey("product_id")`` will do).
    """
    of_product = returns.filter(product_id=OuterRef("product_id")).order_by().values("product_id")
    came_back = Q(product_id__in=returns.order_by().values("product_id"))

    def total(expression, field, **conditions):
        return OncePerGroup(
            Case(
                When(
                    came_back,
                    then=Coalesce(
                        Subquery(
                            of_product.filter(**conditions)
                            .annotate(total=Sum(expression))
                            .values("total"),
                            output_field=field,
                        ),
                        Decimal("0"),
                        output_field=field,
                    ),
                ),
                default=Value(Decimal("0")),
                output_field=field,
            )
        )

    annotations = {
        "returned_units": total(F("quantity"), UNITS_TOTAL),
        "returned_value": total(F("net_amount"), TOTAL),
    }
    if with_cost:
        annotations["restocked_cost"] = total(
            F("quantity") * F("unit_cost"), COST_TOTAL, restock=True
        )
    if with_tax:
        annotations["returned_tax"] = total(F("tax_amount"), TOTAL)
    return annotations


def needs_attention() -> dict:
    """What needs replenishing, by projected stock: per store (the replenishment list's rows,
    lowest first), and products whose total over all stores is at or below their reorder
    level (on hand + on order + drafts + in transit: ``Product.objects.needing_reorder``),
    lowest first. Both from the same terms (what is on drafts and coming), added up in
    Python."""
    terms = planned_terms()
    per_store, per_store_count = lowest_needs(ATTENTION_ROWS, terms)
    in_total, in_total_count = lowest_to_reorder(ATTENTION_ROWS, terms.in_shop)
    return {
        "per_store": per_store,
        "per_store_count": per_store_count,
        "in_total": in_total,
        "in_total_count": in_total_count,
    }


def in_transit_summary() -> dict:
    """Units and value in transit (at the cost they left with), and the oldest open transfer."""
    totals = TransferLine.objects.filter(transfer__status=Transfer.Status.DISPATCHED).aggregate(
        units=Coalesce(Sum("quantity"), Decimal("0"), output_field=UNITS_TOTAL),
        value=Coalesce(Sum(F("quantity") * F("unit_cost")), Decimal("0"), output_field=STOCK_VALUE),
        transfers=Count("transfer", distinct=True),
    )
    totals["oldest"] = (
        Transfer.objects.in_transit()
        .select_related("from_store", "to_store")
        .order_by("dispatched_at", "pk")
        .first()
    )
    return totals


def latest_documents(limit: int = 5) -> dict:
    """The latest purchases and sales that were not voided, newest first, with their totals."""
    purchases = Purchase.objects.not_voided().select_related("supplier", "store")
    sales = Sale.objects.not_voided().select_related("customer", "store")
    return {
        "purchases": Purchase.objects.add_totals(list(purchases.order_by("-date", "-pk")[:limit])),
        "sales": Sale.objects.add_totals(list(sales.order_by("-date", "-pk")[:limit])),
    }


def dashboard_summary(period: Period) -> dict:
    """Everything the dashboard shows, for ``period`` (stock figures are always "now")."""
    stock = stock_value_by_store()
    in_transit = in_transit_summary()
    stock_value = sum((row["value"] for row in stock), Decimal("0"))
    return {
        "counts": record_counts(),
        **period_totals(period),
        "stock_by_store": stock,
        "stock_value": stock_value,
        "in_transit": in_transit,
        # What the shop owns: on the shelves and on the road.
        "owned_value": stock_value + in_transit["value"],
        "stock_units": sum(row["units"] for row in stock),
        "chart": value_chart(period),
        "top_products": top_products(period),
        "attention": needs_attention(),
        "latest": latest_documents(),
    }
