"""Confirming and voiding sales: each one transaction through the stock engine."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from products.models import Product, StockMovement
from products.services import AlreadyVoided, StockChange, move_stock
from sales.models import Sale, SaleLine


@dataclass(frozen=True)
class SaleLineInput:
    product: Product
    quantity: int
    unit_price: Decimal


def sale_confirm(*, customer, store, lines: list[SaleLineInput], user, date=None, notes="") -> Sale:
    """Check availability of every line at ``store``, then record the sale and issue its stock.

    Raises :class:`~products.services.InsufficientStock` listing every short
    product (lines of the same product count together); then nothing is written.
    """
    if not lines:
        raise ValueError("A sale needs at least one line.")
    if any(line.quantity <= 0 for line in lines):
        # A negative line would move stock the wrong way under the document's name.
        raise ValueError("Every line needs a quantity above zero.")
    with transaction.atomic():
        sale = Sale.objects.create(
            customer=customer,
            store=store,
            date=date or timezone.localdate(),
            notes=notes,
            created_by=user,
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
        SaleLine.objects.bulk_create(
            SaleLine(
                sale=sale,
                product=line.product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                unit_cost=unit_cost[line.product.pk],
            )
            for line in lines
        )
    return sale


def sale_void(*, sale: Sale, user, reason: str) -> Sale:
    """Return a sale's stock to its store at the cost it left with, and mark it voided."""
    with transaction.atomic():
        sale = Sale.objects.select_for_update().get(pk=sale.pk)
        if sale.is_voided:
            raise AlreadyVoided(f"{sale} was already voided.")
        move_stock(
            store=sale.store,
            changes=[
                StockChange(line.product_id, line.quantity, line.unit_cost)
                for line in sale.lines.all()
            ],
            kind=StockMovement.Kind.SALE_VOID,
            user=user,
            document_id=sale.pk,
            note=reason,
        )
        sale.voided_at = timezone.now()
        sale.voided_by = user
        sale.void_reason = reason[:255]
        sale.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return sale
