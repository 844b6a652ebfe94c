"""Recording and voiding purchases: each one transaction through the stock engine."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from products.models import Product, StockMovement
from products.services import AlreadyVoided, StockChange, move_stock
from purchases.models import Purchase, PurchaseLine


@dataclass(frozen=True)
class PurchaseLineInput:
    product: Product
    quantity: int
    unit_cost: Decimal


def purchase_record(
    *, supplier, store, lines: list[PurchaseLineInput], user, date=None, reference="", notes=""
) -> Purchase:
    """Record a purchase and receive its lines into ``store``, atomically."""
    if not lines:
        raise ValueError("A purchase needs at least one line.")
    if any(line.quantity <= 0 for line in lines):
        # A negative line would move stock the wrong way under the document's name.
        raise ValueError("Every line needs a quantity above zero.")
    with transaction.atomic():
        purchase = Purchase.objects.create(
            supplier=supplier,
            store=store,
            date=date or timezone.localdate(),
            reference=reference,
            notes=notes,
            created_by=user,
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
        PurchaseLine.objects.bulk_create(
            PurchaseLine(
                purchase=purchase,
                product=line.product,
                quantity=line.quantity,
                unit_cost=line.unit_cost,
            )
            for line in lines
        )
    return purchase


def purchase_void(*, purchase: Purchase, user, reason: str) -> Purchase:
    """Take a purchase's stock back out of its store and mark it voided.

    Raises :class:`~products.services.InsufficientStock` when some of that
    stock has already left the store; then nothing changes.
    """
    with transaction.atomic():
        # Locking the document first makes a second, simultaneous void wait
        # and then see the first one.
        purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
        if purchase.is_voided:
            raise AlreadyVoided(f"{purchase} was already voided.")
        move_stock(
            store=purchase.store,
            changes=[
                StockChange(line.product_id, -line.quantity, line.unit_cost)
                for line in purchase.lines.all()
            ],
            kind=StockMovement.Kind.PURCHASE_VOID,
            user=user,
            document_id=purchase.pk,
            note=reason,
        )
        purchase.voided_at = timezone.now()
        purchase.voided_by = user
        purchase.void_reason = reason[:255]
        purchase.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return purchase
