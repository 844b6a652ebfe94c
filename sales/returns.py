"""Customer returns: units of a sale coming back, each return one transaction.

A return never rewrites its sale. Restocked units go back into the sale's
store through the stock engine at the cost they left with (the ledger's
``SALE_RETURN`` movement names the sale, whose cost it carries through any
revaluation), so gross profit reverses exactly; damaged units are written
off: recorded on the return, counted in its totals, but they move no stock.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import batched

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import OperationRefused
from core.models import COST_TOTAL, QUANTITY_PLACES, TOTAL
from core.money import format_money, round_money
from core.quantities import format_quantity, plain_quantity
from core.totals import add_to_totals
from core.transactions import retry_on_deadlock
from products.models import Product, StockMovement
from products.services import StockChange, check_line_units, move_stock
from sales.models import ProductSales, ReturnDay, Sale, SaleLine, SaleReturn, SaleReturnLine
from stores.numbering import next_document_number


class ReturnRefused(OperationRefused):
    """The return asks for something the sale does not allow; nothing was written."""


@dataclass(frozen=True)
class ReturnLineInput:
    sale_line: SaleLine
    quantity: Decimal
    restock: bool = True
    reason: str = ""

    @property
    def product(self):  # what check_line_units reads
        return self.sale_line.product


def returnable_quantities(sale: Sale, *, lock: bool = False) -> dict[int, Decimal]:
    """Per sale line id, the units sold less those already returned.

    ``lock`` reads the returned quantities with a locking read, which sees
    the latest committed rows whatever the isolation level (MariaDB's
    repeatable read, should it be configured, would otherwise show the
    snapshot of the transaction's first read).
    """
    sold = dict(SaleLine.objects.filter(sale=sale).order_by("pk").values_list("pk", "quantity"))
    returned = _returned(list(sold), lock=lock)
    return {pk: quantity - returned[pk][0] for pk, quantity in sold.items()}


def _returned(sale_line_ids, *, lock: bool) -> dict[int, list[Decimal]]:
    """Per sale line id, [units, net, tax] already returned (zeros if none)."""
    # By the lines' ids, not through a join: a locking read locks every row it joins.
    returned_lines = SaleReturnLine.objects.filter(sale_line_id__in=sale_line_ids).order_by()
    if lock:
        returned_lines = returned_lines.select_for_update()
    returned: dict[int, list[Decimal]] = defaultdict(
        lambda: [Decimal("0"), Decimal("0"), Decimal("0")]
    )
    for sale_line_id, *amounts in returned_lines.values_list(
        "sale_line_id", "quantity", "net_amount", "tax_amount"
    ):
        totals = returned[sale_line_id]
        for i, amount in enumerate(amounts):
            totals[i] += amount
    return returned


def _share_of_line(line: SaleLine, quantity: Decimal, returned: list[Decimal]) -> tuple:
    """(net, tax) of ``quantity`` units of ``line`` coming back, ``returned`` [units, net,
    tax] having come back before.

    Rounded cumulatively: the units returned so far are worth their proportion
    of the line rounded to cents, and this return the difference. So no return
    is negative, together they never exceed what was paid (rounding each part
    up could: 4 returns of a quarter of 0.02), and the line's last units get
    exactly what is left.
    """
    share = min((returned[0] + quantity) / line.quantity, Decimal("1"))

    def part(paid, before):
        return min(max(round_money(paid * share) - before, Decimal("0")), paid - before)

    return part(line.net_amount, returned[1]), part(line.tax_amount, returned[2])


@retry_on_deadlock
def sale_return(
    *, sale: Sale, lines: list[ReturnLineInput], user, date=None, notes="", refund=None
) -> SaleReturn:
    """Record units of ``sale`` coming back, restocking those marked so, all or nothing.

    ``refund`` is the money given back: by default what was paid for the units
    (their share of their lines' net and tax); it may be less, never more.

    Raises :class:`ReturnRefused` when the sale was voided, a line belongs to
    another sale, or a line asks for more than was sold less what was
    already returned (every such line named); then nothing is written.
    """
    lines = [line for line in lines if line.quantity]
    if not lines:
        raise ReturnRefused(gettext("Enter the quantity coming back on at least one line."))
    if any(line.quantity < 0 for line in lines):
        raise ReturnRefused(gettext("A quantity coming back cannot be negative."))
    if any(line.sale_line.sale_id != sale.pk for line in lines):
        raise ReturnRefused(gettext("Every line must be a line of %(sale)s.") % {"sale": sale})
    check_line_units(lines)
    with transaction.atomic():
        # The sale first, as a void locks it: returns and voids of one sale queue
        # here, so two returns of its last unit cannot both see it returnable.
        sale = Sale.objects.select_for_update().get(pk=sale.pk)
        if sale.is_voided:
            raise ReturnRefused(
                gettext("%(sale)s was voided; nothing can come back from it.") % {"sale": sale}
            )
        if date is not None and date < sale.date:
            raise ReturnRefused(
                gettext("Goods cannot come back before the sale's date (%(date)s).")
                % {"date": sale.date}
            )
        if date is not None and date > timezone.localdate():
            raise ReturnRefused(gettext("A return cannot be dated in the future."))
        # The products next, in the engine's order (it takes these locks again
        # as a no-op), before the sale's return lines: a revaluation holds the
        # products when it re-costs those lines. The lines' costs are read
        # under these locks, as a revaluation restates them under them.
        list(
            Product.objects.select_for_update()
            .filter(pk__in=sorted({line.sale_line.product_id for line in lines}))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        sold = dict(SaleLine.objects.filter(sale=sale).order_by("pk").values_list("pk", "quantity"))
        returned = _returned(list(sold), lock=True)
        returnable = {pk: quantity - returned[pk][0] for pk, quantity in sold.items()}
        asked: dict[int, Decimal] = defaultdict(Decimal)
        for line in lines:
            asked[line.sale_line.pk] += line.quantity
        too_many = [
            gettext("%(product)s: %(asked)s asked, only %(returnable)s can still come back")
            % {
                "product": line.product.name,
                "asked": format_quantity(asked[pk], unit),
                "returnable": format_quantity(returnable[pk], unit),
            }
            for line in lines
            for pk, unit in [(line.sale_line.pk, line.product.unit)]
            if asked[pk] > returnable[pk]
        ]
        if too_many:
            raise ReturnRefused("; ".join(dict.fromkeys(too_many)))
        current = {
            line.pk: line
            for line in SaleLine.objects.filter(pk__in=[line.sale_line.pk for line in lines])
        }
        amounts = []
        for line in lines:
            net, tax = _share_of_line(
                current[line.sale_line.pk], line.quantity, returned[line.sale_line.pk]
            )
            amounts.append((net, tax))
            # A second line of the same sale line in this return comes after this one.
            returned[line.sale_line.pk][0] += line.quantity
            returned[line.sale_line.pk][1] += net
            returned[line.sale_line.pk][2] += tax
        paid = sum((net + tax for net, tax in amounts), Decimal("0"))
        if refund is None:
            refund = paid
        elif refund > paid:
            raise ReturnRefused(
                gettext(
                    "The refund (%(refund)s) cannot be more than was paid for these units "
                    "(%(paid)s)."
                )
                % {"refund": format_money(refund), "paid": format_money(paid)}
            )
        elif refund < 0:
            raise ReturnRefused(gettext("A refund cannot be negative."))
        sale_return = SaleReturn.objects.create(
            sale=sale,
            refund=refund,
            store_id=sale.store_id,
            customer_id=sale.customer_id,
            date=date or timezone.localdate(),
            notes=notes,
            created_by=user,
        )
        move_stock(
            store=sale.store,
            changes=[
                StockChange(
                    line.sale_line.product_id, line.quantity, current[line.sale_line.pk].unit_cost
                )
                for line in lines
                if line.restock
            ],
            kind=StockMovement.Kind.SALE_RETURN,
            user=user,
            document_id=sale.pk,
            note=f"Return #{sale_return.pk}",
        )
        return_lines = SaleReturnLine.objects.bulk_create(
            SaleReturnLine(
                sale_return=sale_return,
                sale_line_id=line.sale_line.pk,
                product_id=line.sale_line.product_id,
                quantity=line.quantity,
                restock=line.restock,
                reason=line.reason[:255],
                unit_price=current[line.sale_line.pk].unit_price,
                unit_cost=current[line.sale_line.pk].unit_cost,
                net_amount=net,
                tax_amount=tax,
            )
            for line, (net, tax) in zip(lines, amounts, strict=True)
        )
        _add_to_totals(sale_return.date, return_lines)
        # Last: the store's counter stays locked until the commit (see stores.numbering).
        sale_return.number = next_document_number(
            sale.store, "return", sale_return.date, prefix="CN-"
        )
        SaleReturn.objects.filter(pk=sale_return.pk).update(number=sale_return.number)
    return sale_return


def _add_to_totals(date, lines: list[SaleReturnLine]) -> None:
    """Take the returned units out of their products' all-time sales; count the return's day.

    Products first, in product order (the engine locked them), the day last,
    as a sale does.
    """
    per_product = defaultdict(lambda: {"units": Decimal("0"), "value": Decimal("0")})
    for line in lines:
        per_product[line.product_id]["units"] -= line.quantity
        per_product[line.product_id]["value"] -= line.value
    ProductSales.objects.add(dict(per_product))
    ReturnDay.objects.add(
        date,
        documents=1,
        units=sum(line.quantity for line in lines),
        value=sum((line.value for line in lines), Decimal("0")),
        cost=sum((line.cost for line in lines), Decimal("0")),
        written_off=sum((line.cost for line in lines if not line.restock), Decimal("0")),
    )


def restate_return_costs(new_cost: dict[tuple[int, int], Decimal]) -> None:
    """Give return lines of re-costed sale lines their new unit cost, and their days the change.

    ``new_cost`` maps ``(sale_id, product_id)`` to the sale line's new unit
    cost; called by :func:`sales.services.restate_sale_costs` under the same
    product locks.
    """
    lines = []
    # In batches: a product with many later sales must not exceed SQLite's bound parameters.
    for sale_ids in batched(sorted({sale_id for sale_id, _ in new_cost}), 500):
        lines += [
            line
            for line in SaleReturnLine.objects.filter(
                sale_line__sale_id__in=sale_ids,
                product_id__in={product_id for _, product_id in new_cost},
            ).select_related("sale_return", "sale_line")
            if (line.sale_line.sale_id, line.product_id) in new_cost
        ]
    change: dict = {"cost": defaultdict(Decimal), "written_off": defaultdict(Decimal)}
    same_cost: dict = defaultdict(list)
    for line in lines:
        unit_cost = new_cost[line.sale_line.sale_id, line.product_id]
        difference = line.quantity * (unit_cost - line.unit_cost)
        change["cost"][line.sale_return.date] += difference
        if not line.restock:
            change["written_off"][line.sale_return.date] += difference
        same_cost[unit_cost].append(line.pk)
    # One UPDATE per new cost, as restate_sale_costs does.
    for unit_cost, pks in same_cost.items():
        for batch in batched(pks, 500):
            SaleReturnLine.objects.filter(pk__in=batch).update(unit_cost=unit_cost)
    days = sorted(day for day, difference in change["cost"].items() if difference)
    if not days:
        return
    # Every day row locked first, in date order, as restate_sale_costs does.
    list(ReturnDay.objects.select_for_update().filter(date__in=days).order_by("date").values("pk"))
    # Rises and falls apart, each counter on its own: add_to_totals either
    # adds to rows or takes from them.
    for counter, per_day in change.items():
        for rows in (
            {day: {counter: amount} for day, amount in per_day.items() if amount > 0},
            {day: {counter: amount} for day, amount in per_day.items() if amount < 0},
        ):
            add_to_totals(ReturnDay, "date", rows)


def expected_return_days():
    """Per-day totals computed from the return lines: what ReturnDay holds."""
    rows = (
        SaleReturnLine.objects.values(day=F("sale_return__date"))
        .annotate(
            documents=Count("sale_return", distinct=True),
            units=Sum("quantity"),
            value=Sum("net_amount", output_field=TOTAL),
            cost=Sum(F("quantity") * F("unit_cost"), output_field=COST_TOTAL),
        )
        .order_by("day")
    )
    written_off = dict(
        SaleReturnLine.objects.filter(restock=False)
        .values_list("sale_return__date")
        .annotate(total=Sum(F("quantity") * F("unit_cost"), output_field=COST_TOTAL))
        .order_by()
    )
    return [{**row, "written_off": written_off.get(row["day"], Decimal("0"))} for row in rows]


def restocked_differences() -> list[str]:
    """Each (sale, product) whose restocked return lines differ from its return movements."""
    restocked = {
        (sale_id, product_id): quantity
        for sale_id, product_id, quantity in SaleReturnLine.objects.filter(restock=True)
        .values_list("sale_line__sale_id", "product_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    moved = {
        (sale_id, product_id): quantity
        for sale_id, product_id, quantity in StockMovement.objects.filter(
            kind=StockMovement.Kind.SALE_RETURN
        )
        .values_list("document_id", "product_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    return [
        f"Sale #{sale_id}, product {product_id}: {restocked.get(key, 0)} restocked by returns, "
        f"{moved.get(key, 0)} in the ledger"
        for key in sorted(set(restocked) | set(moved))
        for sale_id, product_id in [key]
        if Decimal(restocked.get(key, 0)).quantize(Decimal("0.001"))
        != Decimal(moved.get(key, 0)).quantize(Decimal("0.001"))
    ]


def over_returned() -> list[str]:
    """Each sale line with more units, or more money, returned than were sold."""
    return [
        f"Sale line {pk}: {plain_quantity(returned)} returned of {plain_quantity(quantity)} sold"
        for pk, quantity, returned in SaleLine.objects.annotate(
            # Rounded: SQLite sums decimals as floating point (0.1 + 0.2 > 0.3).
            returned=Round(Sum("return_lines__quantity"), QUANTITY_PLACES)
        )
        .filter(returned__gt=F("quantity"))
        .values_list("pk", "quantity", "returned")
    ] + [
        f"Sale line {pk}: {Decimal(str(net)):.2f} net and {Decimal(str(tax)):.2f} tax came back "
        f"of {line_net} and {line_tax} paid"
        for pk, line_net, line_tax, net, tax in SaleLine.objects.annotate(
            net=Round(Sum("return_lines__net_amount"), 2),
            tax=Round(Sum("return_lines__tax_amount"), 2),
        )
        .filter(Q(net__gt=F("net_amount")) | Q(tax__gt=F("tax_amount")))
        .values_list("pk", "net_amount", "tax_amount", "net", "tax")
    ]


def return_cost_differences() -> list[str]:
    """Each return line whose unit cost is not its sale line's (a revaluation missed it)."""
    return [
        f"Return line {pk} of sale line {sale_line_id}: unit cost {unit_cost}, "
        f"the sale line's {sale_cost}"
        for pk, sale_line_id, unit_cost, sale_cost in SaleReturnLine.objects.exclude(
            unit_cost=F("sale_line__unit_cost")
        ).values_list("pk", "sale_line_id", "unit_cost", "sale_line__unit_cost")
    ]
