"""Confirming and voiding sales: each one transaction through the stock engine."""

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import batched

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import AlreadyVoided, OperationRefused
from core.models import COST_TOTAL, TOTAL
from core.totals import add_to_totals, totals_differences
from core.transactions import retry_on_deadlock
from products.costs import sees_costs
from products.models import Product, StockMovement
from products.services import StockChange, move_stock
from products.valuation import CostChange
from sales.models import ProductSales, ReturnDay, Sale, SaleDay, SaleLine, SaleReturnLine
from sales.pricing import (
    OVERRIDE_PERMISSION,
    Discount,
    LineToPrice,
    PricingError,
    below_cost,
    is_overridden,
    override_refusals,
    price_lines,
)
from sales.returns import (
    expected_return_days,
    over_returned,
    restate_return_costs,
    restocked_differences,
    return_cost_differences,
)
from stores.numbering import next_document_number


@dataclass(frozen=True)
class SaleLineInput:
    product: Product
    quantity: Decimal
    # None: the product's sale price.
    unit_price: Decimal | None = None
    discount: Discount | None = None


class PriceRefused(OperationRefused):
    """A price or discount the user may not give, or one larger than the line; nothing
    was written."""


def sale_confirm(
    *,
    customer,
    store,
    lines: list[SaleLineInput],
    user,
    date=None,
    notes="",
    discount: Discount | None = None,
) -> Sale:
    """Check availability of every line at ``store``, then record the sale and issue its stock.

    Raises :class:`~products.services.InsufficientStock` listing every short
    product (lines of the same product count together), or :class:`PriceRefused`
    when a price, a discount or a price below cost needs a permission ``user``
    lacks (see :mod:`sales.pricing`); then nothing is written.
    """
    if not lines:
        raise ValueError("A sale needs at least one line.")
    if any(line.quantity <= 0 for line in lines):
        # A negative line would move stock the wrong way under the document's name.
        raise ValueError("Every line needs a quantity above zero.")
    lines = [
        line if line.unit_price is not None else replace(line, unit_price=line.product.sale_price)
        for line in lines
    ]
    includes_tax = settings.PRICES_INCLUDE_TAX
    # The rates in force now, in one query whatever the number of lines.
    tax_percent = Product.objects.filter(pk__in={line.product.pk for line in lines}).tax_percents()
    try:
        priced = price_lines(
            [
                LineToPrice(
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    tax_percent=tax_percent[line.product.pk],
                    discount=line.discount,
                )
                for line in lines
            ],
            discount=discount,
            includes_tax=includes_tax,
        )
    except PricingError as error:
        raise PriceRefused(str(error)) from None
    if refusals := override_refusals(user, lines, priced):
        raise PriceRefused("; ".join(refusals))
    with transaction.atomic():
        sale = Sale.objects.create(
            customer=customer,
            store=store,
            date=date or timezone.localdate(),
            notes=notes,
            created_by=user,
            discount=sum((amounts.document_discount for amounts in priced), Decimal("0")),
            discount_percent=discount.percent if discount else None,
            prices_include_tax=includes_tax,
        )
        movements = move_stock(
            store=store,
            changes=[StockChange(line.product.pk, -line.quantity) for line in lines],
            kind=StockMovement.Kind.SALE,
            user=user,
            document_id=sale.pk,
        )
        # The engine read each product's average cost under its lock; a sale
        # leaves the average unchanged, so it is the cost of these units.
        unit_cost = {movement.product_id: movement.product.average_cost for movement in movements}
        sale_lines = [
            SaleLine(
                sale=sale,
                sale_date=sale.date,
                product=line.product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                unit_cost=unit_cost[line.product.pk],
                list_price=line.product.sale_price,
                discount=amounts.discount,
                discount_percent=line.discount.percent if line.discount else None,
                document_discount=amounts.document_discount,
                tax_percent=tax_percent[line.product.pk],
                net_amount=amounts.net,
                tax_amount=amounts.tax,
                price_set_by=(
                    user
                    if is_overridden(line.unit_price, line.product.sale_price, amounts)
                    else None
                ),
            )
            for line, amounts in zip(lines, priced, strict=True)
        ]
        # Below cost is known only now, at the cost read under the product locks:
        # refused without the permission, reported to the caller (a warning) with it.
        sale.below_cost = below_cost(sale_lines)
        if sale.below_cost and not sees_costs(user):
            # Which lines, but not what they cost, for those who may not see costs.
            sale.below_cost = below_cost(sale_lines, with_cost=False)
        if sale.below_cost and not user.has_perm(OVERRIDE_PERMISSION):
            raise PriceRefused(
                gettext("Below cost, which needs a manager: %(lines)s")
                % {"lines": "; ".join(sale.below_cost)}
            )
        sale_lines = SaleLine.objects.bulk_create(sale_lines)
        _add_to_totals(sale.date, sale_lines, sign=1)
        # Last: the store's counter stays locked until the commit (see stores.numbering).
        sale.number = next_document_number(store, "sale", sale.date)
        Sale.objects.filter(pk=sale.pk).update(number=sale.number)
    return sale


@retry_on_deadlock
def sale_void(*, sale: Sale, user, reason: str) -> Sale:
    """Return a sale's stock to its store at the cost it left with, and mark it voided.

    Its products are revalued as if the sale had never happened, which can
    change the cost of later sales (see :mod:`products.valuation`).
    """
    with transaction.atomic():
        sale = Sale.objects.select_for_update().get(pk=sale.pk)
        if sale.is_voided:
            raise AlreadyVoided(gettext("%(sale)s was already voided.") % {"sale": sale})
        if sale.returns.exists():
            raise OperationRefused(
                gettext(
                    "Part of %(sale)s came back on a return, so it cannot be voided: "
                    "record a return of the rest instead."
                )
                % {"sale": sale}
            )
        move_stock(
            store=sale.store,
            changes=[
                StockChange(product_id, quantity)
                for product_id, quantity in sale.lines.values_list("product_id", "quantity")
            ],
            kind=StockMovement.Kind.SALE_VOID,
            user=user,
            document_id=sale.pk,
            note=reason,
        )
        # Read under the product locks: a revaluation that committed while we
        # waited may have changed these lines' cost, and the day's cost total
        # must lose what they cost now.
        lines = list(sale.lines.all())
        sale.voided_at = timezone.now()
        sale.voided_by = user
        sale.void_reason = reason[:255]
        sale.save(update_fields=["voided_at", "voided_by", "void_reason"])
        sale.lines.update(voided=True)
        _add_to_totals(sale.date, lines, sign=-1)
    return sale


def _add_to_totals(date, lines: list[SaleLine], *, sign: int) -> None:
    """Count a sale in its products' and its day's totals (``sign`` 1), or take it out (-1).

    The products' rows first (in product order, as the stock engine already
    locked those products). The day's row last, as every sale of the day
    updates it: it stays locked only until the commit right after.
    """
    per_product = defaultdict(lambda: {"units": Decimal("0"), "value": Decimal("0")})
    for line in lines:
        per_product[line.product_id]["units"] += line.quantity
        per_product[line.product_id]["value"] += line.line_total
    ProductSales.objects.add(
        {
            product_id: {"units": sign * totals["units"], "value": sign * totals["value"]}
            for product_id, totals in per_product.items()
        }
    )
    SaleDay.objects.add(
        date,
        documents=sign,
        units=sign * sum(line.quantity for line in lines),
        value=sign * sum((line.line_total for line in lines), Decimal("0")),
        cost=sign * sum((line.quantity * line.unit_cost for line in lines), Decimal("0")),
    )


def restate_sale_costs(changes: list[CostChange]) -> None:
    """Give sale lines the unit cost a revaluation found; their days' cost totals the change.

    Called by :mod:`products.valuation` inside the revaluing transaction, with
    the products locked. Only sales that were not voided are revalued.
    """
    new_cost = {(change.document_id, change.product_id): change.new_unit_cost for change in changes}
    lines = []
    # In batches: a product with many later sales must not exceed SQLite's bound parameters.
    for sale_ids in batched(sorted({sale_id for sale_id, _ in new_cost}), 500):
        lines += [
            line
            for line in SaleLine.objects.filter(
                sale_id__in=sale_ids, product_id__in={product_id for _, product_id in new_cost}
            ).select_related("sale")
            if (line.sale_id, line.product_id) in new_cost
        ]
    cost_change: dict = defaultdict(Decimal)
    same_cost: dict = defaultdict(list)
    for line in lines:
        unit_cost = new_cost[line.sale_id, line.product_id]
        cost_change[line.sale.date] += line.quantity * (unit_cost - line.unit_cost)
        same_cost[unit_cost].append(line.pk)
    # One UPDATE per new cost (sales between two purchases share one), not a CASE per line.
    for unit_cost, pks in same_cost.items():
        for batch in batched(pks, 500):
            SaleLine.objects.filter(pk__in=batch).update(unit_cost=unit_cost)
    # The lines' returns follow them (their cost is the sale line's).
    restate_return_costs(new_cost)
    cost_change = {day: change for day, change in cost_change.items() if change}
    if not cost_change:
        return
    # Lock every day row first, in date order: two revaluations touching the
    # same days then queue instead of each holding one the other needs. The
    # rows exist, since the sales were counted in them.
    list(
        SaleDay.objects.select_for_update()
        .filter(date__in=list(cost_change))
        .order_by("date")
        .values_list("pk", flat=True)
    )
    # Rises and falls apart: add_to_totals either adds to rows or takes from them.
    unchanged = {"documents": 0, "units": 0, "value": Decimal("0")}
    for rows in (
        {day: {**unchanged, "cost": change} for day, change in cost_change.items() if change > 0},
        {day: {**unchanged, "cost": change} for day, change in cost_change.items() if change < 0},
    ):
        add_to_totals(SaleDay, "date", rows)


def _valid_lines():
    return SaleLine.objects.filter(sale__voided_at__isnull=True)


def expected_daily_totals():
    """Per-day totals computed from the lines of sales not voided: what SaleDay holds."""
    return (
        _valid_lines()
        .values(day=F("sale__date"))
        .annotate(
            documents=Count("sale", distinct=True),
            units=Sum("quantity"),
            value=Sum("net_amount", output_field=TOTAL),
            cost=Sum(F("quantity") * F("unit_cost"), output_field=COST_TOTAL),
        )
        .order_by("day")
    )


def expected_product_sales() -> list[dict]:
    """Per-product totals computed from the lines of sales not voided, less what came
    back on returns: what ProductSales holds."""
    returned = {
        row.pop("product_id"): row
        for row in SaleReturnLine.objects.values("product_id")
        .annotate(
            units=Sum("quantity"),
            value=Sum("net_amount", output_field=TOTAL),
        )
        .order_by()
    }
    nothing = {"units": Decimal("0"), "value": Decimal("0")}
    return [
        {
            "product_id": row["product_id"],
            "units": row["units"] - returned.get(row["product_id"], nothing)["units"],
            "value": row["value"] - returned.get(row["product_id"], nothing)["value"],
        }
        for row in _valid_lines()
        .values("product_id")
        .annotate(
            units=Sum("quantity"),
            value=Sum("net_amount", output_field=TOTAL),
        )
        .order_by("product_id")
    ]


def rebuild_totals() -> None:
    """Recompute SaleDay, ReturnDay and ProductSales from the lines (after a bulk import or
    a restore)."""
    SaleDay.objects.all().delete()
    SaleDay.objects.bulk_create(
        (SaleDay(date=row.pop("day"), **row) for row in expected_daily_totals()), batch_size=1000
    )
    ReturnDay.objects.all().delete()
    ReturnDay.objects.bulk_create(
        (ReturnDay(date=row.pop("day"), **row) for row in expected_return_days()), batch_size=1000
    )
    ProductSales.objects.all().delete()
    ProductSales.objects.bulk_create(
        (ProductSales(**row) for row in expected_product_sales()), batch_size=1000
    )
    copy_sales_onto_lines()


def copy_sales_onto_lines() -> None:
    """Rewrite each line's copy of its sale's date and voided state (``SaleLine.sale_date``,
    ``voided``) from the sale, where they differ."""
    SaleLine.objects.exclude(sale_date=F("sale__date")).update(
        sale_date=Subquery(Sale.objects.filter(pk=OuterRef("sale_id")).values("date"))
    )
    for voided, sales in (
        (True, Sale.objects.filter(voided_at__isnull=False)),
        (False, Sale.objects.filter(voided_at__isnull=True)),
    ):
        SaleLine.objects.filter(voided=not voided, sale__in=sales).update(voided=voided)


def line_copy_differences() -> list[str]:
    """Each sale line whose copy of its sale's date or voided state is not the sale's."""
    different = SaleLine.objects.filter(
        ~Q(sale_date=F("sale__date"))
        | Q(voided=True, sale__voided_at__isnull=True)
        | Q(voided=False, sale__voided_at__isnull=False)
    )
    return [
        f"Sale #{sale_id} line {pk}: dated {line_date}{' voided' if voided else ''}, "
        f"its sale {sale_date}{' voided' if voided_at else ''}"
        for pk, sale_id, line_date, voided, sale_date, voided_at in different.values_list(
            "pk", "sale_id", "sale_date", "voided", "sale__date", "sale__voided_at"
        ).order_by("pk")
    ]


def totals_differences_from_lines() -> list[str]:
    """Each day and product whose stored sales totals differ from the lines' (empty if none)."""
    day_fields = ["documents", "units", "value", "cost"]
    expected_days = {row.pop("day"): row for row in expected_daily_totals()}
    stored_days = {row.pop("date"): row for row in SaleDay.objects.values("date", *day_fields)}
    product_fields = ["units", "value"]
    expected_products = {row.pop("product_id"): row for row in expected_product_sales()}
    stored_products = {
        row.pop("product_id"): row
        for row in ProductSales.objects.values("product_id", *product_fields)
    }
    return_fields = [*day_fields, "written_off"]
    expected_returns = {row.pop("day"): row for row in expected_return_days()}
    stored_returns = {
        row.pop("date"): row for row in ReturnDay.objects.values("date", *return_fields)
    }
    return [
        *totals_differences("Sales on", expected_days, stored_days, day_fields),
        *totals_differences("Sales of product", expected_products, stored_products, product_fields),
        *totals_differences("Returns on", expected_returns, stored_returns, return_fields),
        *line_copy_differences(),
        *line_cost_differences(),
        *restocked_differences(),
        *over_returned(),
        *return_cost_differences(),
    ]


def line_cost_differences() -> list[str]:
    """Each sale line whose unit cost is not its ledger movement's (a revaluation missed it)."""
    movement_cost = StockMovement.objects.filter(
        kind=StockMovement.Kind.SALE,
        document_id=OuterRef("sale_id"),
        product_id=OuterRef("product_id"),
    ).values("unit_cost")[:1]
    return [
        f"Sale #{sale_id} line {pk}: unit cost {unit_cost}, its ledger movement {ledger_cost}"
        for pk, sale_id, unit_cost, ledger_cost in SaleLine.objects.annotate(
            ledger_cost=Subquery(movement_cost)
        )
        .exclude(ledger_cost=F("unit_cost"))
        .values_list("pk", "sale_id", "unit_cost", "ledger_cost")
    ]
