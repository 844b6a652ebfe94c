"""Reads that feed the purchases' pages."""

from django.db.models import DecimalField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from core.models import STOCK_QUANTITY
from products.models import StockLevel
from purchases.models import Purchase, PurchaseLine


def returnable_lines(purchase: Purchase) -> list[PurchaseLine]:
    """The purchase's lines for a return to the supplier, in one query.

    Each with its product and unit, ``returned`` and ``returnable`` (see
    :meth:`~purchases.models.PurchaseLineQuerySet.with_returned`), and
    ``on_hand``: what the purchase's store holds of the product now.
    """
    stock = DecimalField(**STOCK_QUANTITY)
    on_hand = StockLevel.objects.filter(
        store_id=purchase.store_id, product_id=OuterRef("product_id")
    ).values("quantity")[:1]
    return list(
        PurchaseLine.objects.filter(purchase=purchase)
        .select_related("product__unit")
        .with_returned()
        .annotate(
            on_hand=Coalesce(Subquery(on_hand, output_field=stock), Value(0, output_field=stock))
        )
        .order_by("pk")
    )
