"""The numbers behind the dashboard, each computed by the database.

Every function runs a fixed number of queries whatever the amount of history.
"""

import datetime
from decimal import Decimal

from django.db.models import DecimalField, F, Sum
from django.db.models.functions import TruncMonth

from dashboard.periods import MAX_DAILY_POINTS, Period
from people.models import Customer, Supplier
from products.models import Category, Product, StockLevel
from purchases.models import Purchase, PurchaseLine
from sales.models import Sale, SaleLine
from stores.models import Store

STOCK_VALUE = DecimalField(max_digits=24, decimal_places=4)
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
    """Purchase and sale totals for the period; voided documents count in none of them."""
    return {
        "purchased": PurchaseLine.objects.in_period(period.start, period.end).totals(),
        "sold": SaleLine.objects.in_period(period.start, period.end).totals(),
    }


def stock_value_by_store() -> list[dict]:
    """Units on hand and their value (on-hand × average cost) per store, now."""
    return list(
        StockLevel.objects.filter(quantity__gt=0)
        .values("store_id", "store__name")
        .annotate(
            units=Sum("quantity"),
            value=Sum(F("quantity") * F("product__average_cost"), output_field=STOCK_VALUE),
        )
        .order_by("store__name")
    )


def _buckets(period: Period, first_day: datetime.date | None) -> tuple[str, list[datetime.date]]:
    """The chart's x axis: every day of the period, or every month for long periods."""
    start = period.start or first_day or period.end
    if (period.end - start).days < MAX_DAILY_POINTS and period.start is not None:
        days = (period.end - start).days + 1
        return "day", [start + datetime.timedelta(days=n) for n in range(days)]
    months, month = [], start.replace(day=1)
    while month <= period.end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return "month", months


def _value_series(lines, document: str, price: str, period: Period, step: str) -> dict:
    date_field = f"{document}__date"
    bucket = F(date_field) if step == "day" else TruncMonth(date_field)
    rows = (
        lines.in_period(period.start, period.end)
        .of_valid_documents()
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(value=Sum(F("quantity") * F(price), output_field=STOCK_VALUE))
        .order_by("bucket")
    )
    return {_as_date(row["bucket"]): row["value"] for row in rows}


def _as_date(value) -> datetime.date:
    # TruncMonth of a date gives a date on every backend but MariaDB may hand
    # back a datetime; normalise so buckets compare equal.
    return value.date() if isinstance(value, datetime.datetime) else value


def value_chart(period: Period) -> dict:
    """Sales and purchase value per day (or month) over the period, zeros included."""
    first_day = None
    if period.start is None:
        first_dates = [
            model.objects.not_voided().order_by("date").values_list("date", flat=True).first()
            for model in (Sale, Purchase)
        ]
        first_day = min(filter(None, first_dates), default=None)
    step, buckets = _buckets(period, first_day)
    sales = _value_series(SaleLine.objects, "sale", "unit_price", period, step)
    purchases = _value_series(PurchaseLine.objects, "purchase", "unit_cost", period, step)
    zero = Decimal("0")
    return {
        "step": step,
        "points": [
            {"bucket": b, "sales": sales.get(b, zero), "purchases": purchases.get(b, zero)}
            for b in buckets
        ],
    }


def top_products(period: Period, limit: int = TOP_PRODUCTS) -> list[dict]:
    """The products with the highest sales value in the period."""
    return list(
        SaleLine.objects.in_period(period.start, period.end)
        .of_valid_documents()
        .values("product_id", "product__name", "product__sku")
        .annotate(
            units=Sum("quantity"),
            value=Sum(F("quantity") * F("unit_price"), output_field=STOCK_VALUE),
        )
        .order_by("-value", "product_id")[:limit]
    )


def needs_attention() -> dict:
    """Active products at or below their reorder level, per store and in total."""
    per_store = (
        StockLevel.objects.filter(
            product__is_active=True,
            store__is_active=True,
            quantity__lte=F("product__reorder_level"),
        )
        .select_related("product", "store")
        .order_by("quantity", "product__name", "pk")
    )
    in_total = (
        Product.objects.active()
        .below_reorder_level()
        .select_related("supplier")
        .order_by("on_hand", "name", "pk")
    )
    return {
        "per_store": list(per_store[:ATTENTION_ROWS]),
        "per_store_count": per_store.count(),
        "in_total": list(in_total[:ATTENTION_ROWS]),
        "in_total_count": in_total.count(),
    }


def latest_documents(limit: int = 5) -> dict:
    return {
        "purchases": list(
            Purchase.objects.select_related("supplier", "store")
            .with_totals()
            .order_by("-date", "-pk")[:limit]
        ),
        "sales": list(
            Sale.objects.select_related("customer", "store")
            .with_totals()
            .order_by("-date", "-pk")[:limit]
        ),
    }


def dashboard_summary(period: Period) -> dict:
    """Everything the dashboard shows, for ``period`` (stock figures are always "now")."""
    stock = stock_value_by_store()
    return {
        "counts": record_counts(),
        **period_totals(period),
        "stock_by_store": stock,
        "stock_value": sum((row["value"] for row in stock), Decimal("0")),
        "stock_units": sum(row["units"] for row in stock),
        "chart": value_chart(period),
        "top_products": top_products(period),
        "attention": needs_attention(),
        "latest": latest_documents(),
    }
