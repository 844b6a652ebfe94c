"""Reads that feed the purchases' pages."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from core.models import STOCK_QUANTITY
from core.money import ZERO, TaxBand, tax_bands
from products.models import StockLevel
from purchases.models import Purchase, PurchaseLine, PurchaseReturn, PurchaseReturnLine


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


def debit_note_lines(debit_note: PurchaseReturn) -> list[PurchaseReturnLine]:
    """The debit note's lines as its page, print view and PDF list them, in one query."""
    return list(debit_note.lines.select_related("product__unit"))


@dataclass(frozen=True)
class PurchaseAmounts:
    """A purchase's totals summed from its lines' rounded amounts, as the lines show them."""

    net: Decimal
    tax: Decimal
    bands: list[TaxBand]  # the tax per rate, lowest first; none when nothing is taxed

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def purchase_amounts(lines: list[PurchaseLine] | list[PurchaseReturnLine]) -> PurchaseAmounts:
    """The net, tax per rate and gross under a purchase's or a debit note's (loaded) lines;
    no query.

    Sums of the amounts each line shows, rounded per line as on the supplier's
    invoice, so the foot always adds up to the lines above it.
    """
    bands = tax_bands((line.tax_percent, line.net_amount, line.tax_amount) for line in lines)
    return PurchaseAmounts(
        net=sum((band.net for band in bands), ZERO),
        tax=sum((band.tax for band in bands), ZERO),
        bands=bands if any(band.percent for band in bands) else [],
    )
