"""Reads that feed the sale and return pages."""

from decimal import Decimal

from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.models import UNITS_TOTAL
from core.money import TaxBand, tax_bands
from sales.models import Sale, SaleReturn, SaleReturnLine


def with_returned(lines):
    """Annotate sale lines with ``returned``: the units of each that came back so far.

    A correlated subquery, so the lines' own query stays one row per line
    whatever their returns.
    """
    returned = (
        SaleReturnLine.objects.filter(sale_line=OuterRef("pk"))
        .order_by()
        .values("sale_line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return lines.annotate(
        returned=Coalesce(
            Subquery(returned, output_field=UNITS_TOTAL),
            Value(Decimal("0"), output_field=UNITS_TOTAL),
        )
    )


def credit_notes_of(sale: Sale):
    """The sale's returns, oldest first, each with its totals (``total_refund``…)."""
    return sale.returns.with_totals().order_by("date", "pk")


def receipt_lines(sale: Sale):
    """The sale's lines as its receipt lists them, each with its product and unit."""
    return sale.lines.select_related("product__unit")


def credit_note_lines(sale_return: SaleReturn) -> list[SaleReturnLine]:
    """The return's lines as its credit note lists them, in one query: each with its product
    and unit, and ``tax_percent``, its sale line's rate (the line's tax is its own share)."""
    return list(
        sale_return.lines.select_related("product__unit").annotate(
            tax_percent=F("sale_line__tax_percent")
        )
    )


def sale_tax_bands(lines) -> list[TaxBand]:
    """The tax per rate of a sale's or a credit note's (loaded) lines; none when nothing on
    it is taxed."""
    if not any(line.tax_percent for line in lines):
        return []
    return tax_bands((line.tax_percent, line.net_amount, line.tax_amount) for line in lines)
