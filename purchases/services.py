"""Recording and voiding purchases: each one transaction through the stock engine."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import AlreadyVoided, OperationRefused
from core.models import TOTAL
from core.money import percent_of
from core.totals import totals_differences
from core.transactions import retry_on_deadlock
from products.models import Product, StockMovement
from products.services import StockChange, move_stock
from purchases.models import (
    Purchase,
    PurchaseDay,
    PurchaseLine,
    PurchaseOrder,
    PurchaseReturnDay,
)
from purchases.returns import expected_return_days, over_returned, returned_differences


@dataclass(frozen=True)
class PurchaseLineInput:
    product: Product
    quantity: Decimal  # in the product's units, also when entered in packs
    unit_cost: Decimal
    # Entered as ``packs`` packs of ``pack_size`` units (quantity = packs × pack_size).
    packs: Decimal | None = None
    pack_size: Decimal | None = None
    # A receipt's line: the purchase order line it receives against.
    order_line_id: int | None = None


def purchase_record(
    *, supplier, store, lines: list[PurchaseLineInput], user, date=None, reference="", notes="",
    order=None,
) -> Purchase:  # fmt: skip
    """Record a purchase and receive its lines into ``store``, atomically.

    With ``order``, the purchase is a receipt against that purchase order:
    call :func:`purchases.orders.order_receive`, which also counts it on the order.

    Each line carries its product's tax rate of the day (see :func:`_new_line`);
    unit costs are net of it, whatever ``PRICES_INCLUDE_TAX`` says of sale prices.
    """
    if not lines:
        raise ValueError("A purchase needs at least one line.")
    if any(line.quantity <= 0 for line in lines):
        # A negative line would move stock the wrong way under the document's name.
        raise ValueError("Every line needs a quantity above zero.")
    if any(
        (line.packs is None) != (line.pack_size is None)
        or (line.packs is not None and line.packs * line.pack_size != line.quantity)
        for line in lines
    ):
        raise ValueError("A line entered in packs holds packs × pack size units.")
    with transaction.atomic():
        purchase = Purchase.objects.create(
            supplier=supplier,
            store=store,
            date=date or timezone.localdate(),
            reference=reference,
            notes=notes,
            created_by=user,
            order=order,
        )
        # Stock first, lines second: inserting a line makes MariaDB/MySQL take
        # a shared lock on its product (the foreign-key check); taken before
        # the engine's exclusive product locks, two purchases of one product
        # would each hold the shared lock the other needs to upgrade: a deadlock.
        move_stock(
            store=store,
            changes=[StockChange(line.product.pk, line.quantity, line.unit_cost) for line in lines],
            kind=StockMovement.Kind.PURCHASE,
            user=user,
            document_id=purchase.pk,
        )
        tax_percents = Product.objects.filter(
            pk__in={line.product.pk for line in lines}
        ).tax_percents()
        PurchaseLine.objects.bulk_create(
            _new_line(purchase, line, tax_percents[line.product.pk]) for line in lines
        )
        _add_to_daily_totals(purchase.date, lines, sign=1)
    return purchase


def _new_line(purchase: Purchase, line: PurchaseLineInput, tax_percent: Decimal) -> PurchaseLine:
    """The row of one line: its tax is ``tax_percent`` of its net amount rounded to cents,
    itself rounded half-up, so a purchase's tax is the sum of its lines' rounded taxes."""
    row = PurchaseLine(
        purchase=purchase,
        product=line.product,
        quantity=line.quantity,
        unit_cost=line.unit_cost,
        packs=line.packs,
        pack_size=line.pack_size,
        order_line_id=line.order_line_id,
        tax_percent=tax_percent,
    )
    row.tax_amount = percent_of(row.net_amount, tax_percent)
    return row


@retry_on_deadlock
def purchase_void(*, purchase: Purchase, user, reason: str) -> Purchase:
    """Take a purchase's stock back out of its store and mark it voided.

    Raises :class:`~core.exceptions.OperationRefused` once some of it went
    back to the supplier on a return,
    :class:`~products.services.InsufficientStock` when some of that stock has
    already left the store, and
    :class:`~products.valuation.ValuationRefused` when later sales took units
    that, without this purchase, were never there; then nothing changes.
    Otherwise its products are revalued as if it had never been recorded:
    their average cost, and the cost of the sales since.
    """
    with transaction.atomic():
        # Locking the document first makes a second, simultaneous void wait
        # and then see the first one.
        purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
        if purchase.is_voided:
            raise AlreadyVoided(
                gettext("%(purchase)s was already voided.") % {"purchase": purchase}
            )
        if purchase.returns.exists():
            # Its units went back through their own movements, carrying this
            # purchase's cost; voiding would take them out a second time.
            raise OperationRefused(
                gettext(
                    "Part of %(purchase)s went back to the supplier on a return, so it cannot be "
                    "voided: record a return of the rest instead."
                )
                % {"purchase": purchase}
            )
        if purchase.order_id is not None:
            # A receipt: its order next, before the engine's product locks, in
            # the order receiving against it takes them (order, then products).
            list(
                PurchaseOrder.objects.select_for_update()
                .filter(pk=purchase.order_id)
                .values_list("pk", flat=True)
            )
        lines = list(purchase.lines.all())
        move_stock(
            store=purchase.store,
            changes=[StockChange(line.product_id, -line.quantity) for line in lines],
            kind=StockMovement.Kind.PURCHASE_VOID,
            user=user,
            document_id=purchase.pk,
            note=reason,
        )
        purchase.voided_at = timezone.now()
        purchase.voided_by = user
        purchase.void_reason = reason[:255]
        purchase.save(update_fields=["voided_at", "voided_by", "void_reason"])
        if purchase.order_id is not None:
            # Imported here: purchases.orders records its receipts through this module.
            from purchases.orders import receipt_voided

            receipt_voided(purchase=purchase, lines=lines)
        _add_to_daily_totals(purchase.date, lines, sign=-1)
    return purchase


def _add_to_daily_totals(date, lines, *, sign: int) -> None:
    """Count a purchase in its day's totals (``sign`` 1), or take it out again (-1).

    The last write of the transaction: every purchase of the day updates this
    one row, so it is locked for as short a time as possible.
    """
    PurchaseDay.objects.add(
        date,
        documents=sign,
        units=sign * sum(line.quantity for line in lines),
        value=sign * sum((line.quantity * line.unit_cost for line in lines), Decimal("0")),
    )


def expected_daily_totals():
    """Per-day totals computed from the lines of purchases not voided: what PurchaseDay holds."""
    return (
        PurchaseLine.objects.filter(purchase__voided_at__isnull=True)
        .values(day=F("purchase__date"))
        .annotate(
            documents=Count("purchase", distinct=True),
            units=Sum("quantity"),
            value=Sum(F("quantity") * F("unit_cost"), output_field=TOTAL),
        )
        .order_by("day")
    )


def rebuild_totals() -> None:
    """Recompute every PurchaseDay and PurchaseReturnDay from the lines (after a bulk
    import or a restore)."""
    PurchaseDay.objects.all().delete()
    PurchaseDay.objects.bulk_create(
        (PurchaseDay(date=row.pop("day"), **row) for row in expected_daily_totals()),
        batch_size=1000,
    )
    PurchaseReturnDay.objects.all().delete()
    PurchaseReturnDay.objects.bulk_create(
        (PurchaseReturnDay(date=row.pop("day"), **row) for row in expected_return_days()),
        batch_size=1000,
    )


def totals_differences_from_lines() -> list[str]:
    """Each day whose stored totals differ from its lines', each purchase's returns that
    differ from the ledger or exceed the purchase (empty when all agree)."""
    fields = ["documents", "units", "value"]
    expected = {row.pop("day"): row for row in expected_daily_totals()}
    stored = {row.pop("date"): row for row in PurchaseDay.objects.values("date", *fields)}
    expected_returns = {row.pop("day"): row for row in expected_return_days()}
    stored_returns = {
        row.pop("date"): row for row in PurchaseReturnDay.objects.values("date", *fields)
    }
    return [
        *totals_differences("Purchases on", expected, stored, fields),
        *totals_differences("Returns to suppliers on", expected_returns, stored_returns, fields),
        *returned_differences(),
        *over_returned(),
    ]
