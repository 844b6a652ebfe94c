"""The stock ledger read for managers: stock value at the end of any day, and stock ageing.

Both run a fixed number of queries whatever the number of products, stores
or movements. Each reads a row per stock level (product and store), which
finds its latest movements through an index: the cost grows with the
catalogue, not with the history.

The valuation of a past day is exact because each movement records what
the ledger looked like after it: ``balance_after`` for its product and store,
``average_cost_after`` for its product (the moving average is product-wide,
over every store). Stock value of a product at a store at a moment is the
first of its last movement there times the second of its last movement
anywhere, both before that moment.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.models import COST_TOTAL
from dashboard.forms import start_of_day
from products.costs import VIEW_COSTS
from products.models import VOIDED_KIND, StockLevel, StockMovement

# Exact: quantities (3 places) times costs (4 places), see core.models.COST_TOTAL.
VALUE = COST_TOTAL

# The latest movement first. The stock engine stamps a product's movements
# while it holds that product's row lock, so for one product created_at never
# goes back as the pk goes up: this is the ledger's own (pk) order, with the
# pk breaking ties, and the (product, store, -created_at) and
# (product, -created_at, -id) indexes find the first row without a sort.
LATEST_FIRST = ("-created_at", "-pk")

# Managers only: clerks see every list and the stock on hand, not the value
# of the stock over time or what to write off. These reports have no
# permission of their own (one would change both roles' permission sets);
# they ask for reading the ledger they are made from, for the manager-only
# permission they lead to: correcting stock, and, being made of stock values,
# for seeing costs (products.costs).
MANAGER_REPORT_PERMISSIONS = (
    "products.view_stockmovement",
    "products.adjust_stock",
    VIEW_COSTS,
)


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` ends in the local time zone (so: before it, on it)."""
    if day >= datetime.date.max:
        return datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return start_of_day(day + datetime.timedelta(days=1))


def standing(movements: QuerySet) -> QuerySet:
    """``movements`` less the voids and the movements of the documents they took back.

    As in valuation by replay (``products.valuation``), a void and what it
    reverses are left out as a pair, as if the document had never existed.
    """
    movements = movements.exclude(kind__in=list(VOIDED_KIND))
    for void_kind, kind in VOIDED_KIND.items():
        voids = StockMovement.objects.filter(
            kind=void_kind,
            document_id=OuterRef("document_id"),
            product_id=OuterRef("product_id"),
            store_id=OuterRef("store_id"),
        )
        movements = movements.exclude(Q(kind=kind) & Exists(voids))
    return movements


# Stock valuation -----------------------------------------------------------------------------


def levels_valued_at(moment: datetime.datetime) -> QuerySet:
    """Each stock level holding units just before ``moment``, as the ledger said then.

    Annotates ``balance`` (units), ``average`` (the product's average cost)
    and ``value`` (their product). A level created later, or sold out by
    then, is left out.
    """
    before = StockMovement.objects.filter(created_at__lt=moment).order_by(*LATEST_FIRST)
    balance = before.filter(product_id=OuterRef("product_id"), store_id=OuterRef("store_id"))
    average = before.filter(product_id=OuterRef("product_id"))
    return (
        StockLevel.objects.annotate(
            balance=Subquery(balance.values("balance_after")[:1]),
            average=Subquery(average.values("average_cost_after")[:1]),
        )
        .filter(balance__gt=0)
        .annotate(value=ExpressionWrapper(F("balance") * F("average"), output_field=VALUE))
    )


def valuation_by_product(levels: QuerySet, store_label: str) -> QuerySet:
    """One row per product of ``levels``: its units, average cost and value over their stores.

    ``store_label`` names the stores the row counts ("All stores", or the one
    chosen), for the CSV file, whose rows must say so on their own.
    """
    return levels.values(
        "product_id",
        "product__sku",
        "product__name",
        "product__category__name",
        unit=F("product__unit__symbol"),
    ).annotate(
        units=Sum("balance"),
        # The same for every level of a product: the average is product-wide.
        average_cost=Max("average"),
        value=Sum("value"),
        store_label=Value(store_label, output_field=CharField()),
    )


def valuation_totals(levels: QuerySet) -> dict:
    """Units and value of ``levels`` per store, per category and in all.

    One grouped query (a row per store and category) instead of one per
    grouping: each reads every level's latest movements again.
    """
    rows = list(
        levels.values("store__name", "product__category__name")
        .annotate(units=Sum("balance"), value=Sum("value"))
        .order_by()
    )

    def total_by(name: str) -> list[dict]:
        totals: dict[str, dict] = {}
        for row in rows:
            total = totals.setdefault(
                row[name], {"label": row[name], "units": 0, "value": Decimal("0")}
            )
            total["units"] += row["units"]
            total["value"] += row["value"]
        return sorted(totals.values(), key=lambda total: total["label"].casefold())

    return {
        "by_store": total_by("store__name"),
        "by_category": total_by("product__category__name"),
        "total": {
            "units": sum(row["units"] for row in rows),
            "value": sum((row["value"] for row in rows), Decimal("0")),
        },
    }


# Stock ageing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBand:
    name: str  # in English, as the CSV export writes it ("0–30 days")
    max_days: int | None  # the oldest age in the band, in days; None: no limit

    @property
    def label(self) -> str:
        """The band as pages show it, in the user's language."""
        return gettext(self.name)


AGE_BANDS = (
    AgeBand(gettext_noop("0–30 days"), 30),
    AgeBand(gettext_noop("31–60 days"), 60),
    AgeBand(gettext_noop("61–90 days"), 90),
    AgeBand(gettext_noop("91–180 days"), 180),
    AgeBand(gettext_noop("Over 180 days"), None),
)


def aged_levels(*, dead_since: datetime.datetime) -> QuerySet:
    """The stock levels holding units now, with when their stock came and last sold.

    Annotates:

    - ``last_received``: the last receipt at that store (a movement in, not a
      void, of a document not voided since), else its first movement: the
      units on hand are at least that old;
    - ``last_sold``: the last sale there not voided since, or ``None``;
    - ``is_dead``: no such sale since ``dead_since``;
    - ``value``: the units at the product's average cost now.

    The age band is worked out from ``last_received`` in Python
    (:func:`age_band`): in SQL each band's test would read the ledger again.
    """
    of_level = StockMovement.objects.filter(
        product_id=OuterRef("product_id"), store_id=OuterRef("store_id")
    )
    receipts = standing(of_level.filter(quantity__gt=0)).order_by(*LATEST_FIRST)
    first = of_level.order_by("created_at", "pk")
    sales = standing(of_level.filter(kind=StockMovement.Kind.SALE)).order_by(*LATEST_FIRST)
    return (
        StockLevel.objects.filter(quantity__gt=0)
        .annotate(
            last_received=Coalesce(
                Subquery(receipts.values("created_at")[:1]),
                Subquery(first.values("created_at")[:1]),
            ),
            last_sold=Subquery(sales.values("created_at")[:1]),
        )
        .annotate(
            # Never sold (NULL) is not "since": dead too.
            is_dead=Case(
                When(last_sold__gte=dead_since, then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            ),
            value=ExpressionWrapper(F("quantity") * F("product__average_cost"), output_field=VALUE),
        )
    )


def dead_since(today: datetime.date, dead_days: int) -> datetime.datetime:
    """The start of the last ``dead_days`` local days, today included."""
    return start_of_day(today - datetime.timedelta(days=dead_days - 1))


def age_in_days(moment: datetime.datetime, today: datetime.date) -> int:
    """Whole local days from ``moment`` to ``today`` (0 on the day itself, never negative)."""
    return max((today - timezone.localdate(moment)).days, 0)


def age_band(age_days: int) -> AgeBand:
    return next(band for band in AGE_BANDS if band.max_days is None or age_days <= band.max_days)


def ageing_summary(levels: QuerySet, today: datetime.date) -> dict:
    """Stock levels, units and value of ``levels`` per age band, of the dead stock, and in all.

    One query reading a short row per stock level (bounded by the catalogue,
    not by history); the bands are counted here, see :func:`aged_levels`.
    """

    def group() -> dict:
        return {"rows": 0, "units": 0, "value": Decimal("0")}

    bands = {band: group() for band in AGE_BANDS}
    dead, total = group(), group()
    rows = levels.order_by().values_list("quantity", "value", "last_received", "is_dead")
    for quantity, value, received, is_dead in rows:
        groups = [bands[age_band(age_in_days(received, today))], total]
        if is_dead:
            groups.append(dead)
        for figures in groups:
            figures["rows"] += 1
            figures["units"] += quantity
            figures["value"] += value
    return {
        "bands": [{"band": band, **figures} for band, figures in bands.items()],
        "dead": dead,
        "total": total,
    }


def attach_ages(levels, today: datetime.date) -> None:
    """Set ``age_days`` and ``age_band`` on each of ``levels`` (a page, already fetched)."""
    for level in levels:
        level.age_days = age_in_days(level.last_received, today)
        level.age_band = age_band(level.age_days).label
