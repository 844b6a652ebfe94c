"""Returns to suppliers: units of a purchase going back, each return one transaction.

A return never rewrites its purchase. Its units leave the purchase's store
through the stock engine (never more than the store holds) at the cost they
came in at: the ledger's ``PURCHASE_RETURN`` movement names the purchase,
whose cost it carries (``CARRIES_COST_OF``). A purchase's own movement
carries a cost of its own, which no revaluation changes, so neither does
its returns' cost. The return is counted on its own day
(:class:`~purchases.models.PurchaseReturnDay`); the purchase's day keeps the purchase.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import OperationRefused
from core.models import QUANTITY_PLACES, TOTAL
from core.money import round_money
from core.quantities import exact_quantity, format_quantity, plain_quantity
from core.transactions import retry_on_deadlock
from products.models import StockMovement
from products.services import StockChange, check_line_units, move_stock
from purchases.models import (
    Purchase,
    PurchaseLine,
    PurchaseReturn,
    PurchaseReturnDay,
    PurchaseReturnLine,
)
from stores.numbering import next_document_number


class PurchaseReturnRefused(OperationRefused):
    """The return asks for something the purchase does not allow; nothing was written."""


@dataclass(frozen=True)
class PurchaseReturnLineInput:
    purchase_line: PurchaseLine
    quantity: Decimal
    reason: str = ""

    @property
    def product(self):  # what check_line_units reads
        return self.purchase_line.product


def returnable_quantities(purchase: Purchase, *, lock: bool = False) -> dict[int, Decimal]:
    """Per purchase line id, the units purchased less those already sent back.

    ``lock`` reads the returned quantities with a locking read, which sees
    the latest committed rows whatever the isolation level (MariaDB's
    repeatable read, should it be configured, would otherwise show the
    snapshot of the transaction's first read).
    """
    lines = list(PurchaseLine.objects.filter(purchase=purchase).order_by("pk"))
    returned = _returned([line.pk for line in lines], lock=lock)
    return {line.pk: line.quantity - returned[line.pk][0] for line in lines}


def _returned(purchase_line_ids, *, lock: bool) -> dict[int, list[Decimal]]:
    """Per purchase line id, [units, tax] already sent back (zeros if none)."""
    # By the lines' ids, not through a join: a locking read locks every row it joins.
    returned_lines = PurchaseReturnLine.objects.filter(
        purchase_line_id__in=purchase_line_ids
    ).order_by()
    if lock:
        returned_lines = returned_lines.select_for_update()
    returned: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for purchase_line_id, quantity, tax in returned_lines.values_list(
        "purchase_line_id", "quantity", "tax_amount"
    ):
        returned[purchase_line_id][0] += quantity
        returned[purchase_line_id][1] += tax
    return returned


def _share_of_tax(line: PurchaseLine, quantity: Decimal, returned: list[Decimal]) -> Decimal:
    """The tax of ``quantity`` units of ``line`` going back, ``returned`` [units, tax]
    having gone back before.

    Rounded cumulatively, as a customer return shares out what was paid for a sale line:
    the units sent back so far carry their proportion of the line's tax rounded
    half-up to cents, and this return the difference. So no return's tax is
    negative, together they never exceed what the supplier charged (rounding
    each return's own part up could: 3 returns of 1 of 3 units taxed 0.05
    would claim 0.02 each), and the line's last units get exactly what is left.
    """
    share = min((returned[0] + quantity) / line.quantity, Decimal("1"))
    claimed = round_money(line.tax_amount * share) - returned[1]
    return min(max(claimed, Decimal("0")), line.tax_amount - returned[1])


@retry_on_deadlock
def purchase_return(
    *, purchase: Purchase, lines: list[PurchaseReturnLineInput], user, date=None, notes=""
) -> PurchaseReturn:
    """Send units of ``purchase`` back to its supplier from its store, all or nothing.

    Raises :class:`PurchaseReturnRefused` when the purchase was voided, a line
    belongs to another purchase, or a line asks for more than was purchased
    less what already went back (every such line named);
    :class:`~products.services.QuantityRefused` for a quantity finer than its
    unit; :class:`~products.services.InsufficientStock` (every short product
    named) when the store holds less than goes back; then nothing is written.
    """
    lines = [line for line in lines if line.quantity]
    if not lines:
        raise PurchaseReturnRefused(gettext("Enter the quantity going back on at least one line."))
    if any(line.quantity < 0 for line in lines):
        raise PurchaseReturnRefused(gettext("A quantity going back cannot be negative."))
    if any(line.purchase_line.purchase_id != purchase.pk for line in lines):
        raise PurchaseReturnRefused(
            gettext("Every line must be a line of %(purchase)s.") % {"purchase": purchase}
        )
    check_line_units(lines)
    with transaction.atomic():
        # The purchase first, as a void locks it: returns and voids of one
        # purchase queue here, so two returns of its last unit cannot both see
        # it returnable, and a void cannot slip in between.
        purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
        if purchase.is_voided:
            raise PurchaseReturnRefused(
                gettext("%(purchase)s was voided; nothing can go back from it.")
                % {"purchase": purchase}
            )
        purchase_lines = {
            line.pk: line for line in PurchaseLine.objects.filter(purchase=purchase).order_by("pk")
        }
        returned = _returned(list(purchase_lines), lock=True)
        returnable = {pk: line.quantity - returned[pk][0] for pk, line in purchase_lines.items()}
        asked: dict[int, Decimal] = defaultdict(Decimal)
        for line in lines:
            asked[line.purchase_line.pk] += line.quantity
        too_many = [
            gettext("%(product)s: %(asked)s asked, only %(returnable)s can still go back")
            % {
                "product": line.product.name,
                "asked": format_quantity(asked[pk], unit),
                "returnable": format_quantity(returnable[pk], unit),
            }
            for line in lines
            for pk, unit in [(line.purchase_line.pk, line.product.unit)]
            if asked[pk] > returnable[pk]
        ]
        if too_many:
            raise PurchaseReturnRefused("; ".join(dict.fromkeys(too_many)))
        # Each line's rate and tax from the purchase line as stored (read under
        # the purchase's lock), not from the caller's copy.
        taxes = []
        for line in lines:
            purchase_line = purchase_lines[line.purchase_line.pk]
            tax = _share_of_tax(purchase_line, line.quantity, returned[purchase_line.pk])
            taxes.append((purchase_line.tax_percent, tax))
            # A second input of the same purchase line in this return comes after this one.
            returned[purchase_line.pk][0] += line.quantity
            returned[purchase_line.pk][1] += tax
        purchase_return = PurchaseReturn.objects.create(
            purchase=purchase,
            store_id=purchase.store_id,
            supplier_id=purchase.supplier_id,
            date=date or timezone.localdate(),
            notes=notes,
            created_by=user,
        )
        move_stock(
            store=purchase.store,
            changes=[
                StockChange(line.purchase_line.product_id, -line.quantity, unit_cost)
                for line, unit_cost in zip(lines, _ledger_costs(purchase, lines), strict=True)
            ],
            kind=StockMovement.Kind.PURCHASE_RETURN,
            user=user,
            document_id=purchase.pk,
            # Its number is taken last (below); the ledger names it by its id.
            note=f"Return to supplier #{purchase_return.pk}",
        )
        # Lines after the stock, as a purchase writes them: inserting one takes
        # a shared lock on its product (MariaDB's foreign-key check), which
        # before the engine's exclusive product lock could deadlock.
        return_lines = PurchaseReturnLine.objects.bulk_create(
            PurchaseReturnLine(
                purchase_return=purchase_return,
                purchase_line_id=line.purchase_line.pk,
                product_id=line.purchase_line.product_id,
                quantity=line.quantity,
                reason=line.reason[:255],
                unit_cost=purchase_lines[line.purchase_line.pk].unit_cost,
                tax_percent=tax_percent,
                tax_amount=tax_amount,
            )
            for line, (tax_percent, tax_amount) in zip(lines, taxes, strict=True)
        )
        # The day next: every return of the day updates that one row.
        PurchaseReturnDay.objects.add(
            purchase_return.date,
            documents=1,
            units=sum(line.quantity for line in return_lines),
            value=sum((line.line_total for line in return_lines), Decimal("0")),
        )
        # Last: the store's counter stays locked until the commit (see stores.numbering).
        purchase_return.number = next_document_number(
            purchase.store, "debit_note", purchase_return.date, prefix="DN-"
        )
        PurchaseReturn.objects.filter(pk=purchase_return.pk).update(number=purchase_return.number)
    return purchase_return


def _ledger_costs(purchase: Purchase, lines: list[PurchaseReturnLineInput]) -> list[Decimal]:
    """The unit cost each line's units leave the ledger at: its purchase movement's.

    That is the purchase line's own cost, except when the purchase holds the
    product on several lines at different costs: its one movement per product
    moved them at their mean, and the replay (``CARRIES_COST_OF``) gives a
    return that mean, so the ledger must too. The debit note keeps each
    line's cost. Read without the product locks: a purchase's movement has a
    cost of its own, which no revaluation restates.
    """
    cost = dict(
        StockMovement.objects.filter(
            kind=StockMovement.Kind.PURCHASE,
            document_id=purchase.pk,
            product_id__in={line.purchase_line.product_id for line in lines},
        ).values_list("product_id", "unit_cost")
    )
    # Every purchase moved its products; the line's cost stands in should one not have.
    return [cost.get(line.purchase_line.product_id, line.purchase_line.unit_cost) for line in lines]


def expected_return_days():
    """Per-day totals computed from the return lines: what PurchaseReturnDay holds."""
    return (
        PurchaseReturnLine.objects.values(day=F("purchase_return__date"))
        .annotate(
            documents=Count("purchase_return", distinct=True),
            units=Sum("quantity"),
            value=Sum(F("quantity") * F("unit_cost"), output_field=TOTAL),
        )
        .order_by("day")
    )


def returned_differences() -> list[str]:
    """Each (purchase, product) whose return lines differ from its return movements."""
    returned = {
        (purchase_id, product_id): quantity
        for purchase_id, product_id, quantity in PurchaseReturnLine.objects.values_list(
            "purchase_line__purchase_id", "product_id"
        )
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    moved = {
        (purchase_id, product_id): -quantity
        for purchase_id, product_id, quantity in StockMovement.objects.filter(
            kind=StockMovement.Kind.PURCHASE_RETURN
        )
        .values_list("document_id", "product_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    return [
        f"Purchase #{purchase_id}, product {product_id}: {plain_quantity(sent_back)} sent back "
        f"by returns, {plain_quantity(in_ledger)} in the ledger"
        for key in sorted(set(returned) | set(moved))
        for purchase_id, product_id in [key]
        # Exact to the quantity's places: SQLite sums as floating point.
        for sent_back, in_ledger in [
            (exact_quantity(returned.get(key, 0)), exact_quantity(moved.get(key, 0)))
        ]
        if sent_back != in_ledger
    ]


def over_returned() -> list[str]:
    """Each purchase line with more units, or more tax, sent back than were purchased."""
    return [
        f"Purchase line {pk}: {plain_quantity(returned)} sent back of "
        f"{plain_quantity(quantity)} purchased"
        for pk, quantity, returned in PurchaseLine.objects.annotate(
            # Rounded: SQLite sums decimals as floating point (0.1 + 0.2 > 0.3).
            returned=Round(Sum("return_lines__quantity"), QUANTITY_PLACES)
        )
        .filter(returned__gt=F("quantity"))
        .values_list("pk", "quantity", "returned")
    ] + [
        f"Purchase line {pk}: {Decimal(str(tax)):.2f} tax sent back of {line_tax} charged"
        for pk, line_tax, tax in PurchaseLine.objects.annotate(
            tax=Round(Sum("return_lines__tax_amount"), 2)
        )
        .filter(tax__gt=F("tax_amount"))
        .values_list("pk", "tax_amount", "tax")
    ]
