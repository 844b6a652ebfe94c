from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from core.models import (
    LINE_QUANTITY,
    MAX_LINE_QUANTITY,
    MAX_UNIT_PRICE,
    TOTAL,
    UNITS_TOTAL,
    DailyTotals,
    Document,
    DocumentLineQuerySet,
    DocumentQuerySet,
    bounded_line_constraints,
)


class PurchaseQuerySet(DocumentQuerySet):
    def with_totals(self):
        """Annotate ``line_count`` and ``total_value`` in the same query."""
        return self.annotate_line_totals(total_value=(F("quantity") * F("unit_cost"), TOTAL))


class Purchase(Document):
    """Goods received from a supplier into one store."""

    supplier = models.ForeignKey(
        "people.Supplier", on_delete=models.PROTECT, related_name="purchases"
    )
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="purchases")
    reference = models.CharField(
        "supplier's reference", max_length=60, blank=True, help_text="e.g. their invoice number"
    )

    objects = PurchaseQuerySet.as_manager()

    class Meta(Document.Meta):
        indexes = [models.Index(fields=["-date", "-id"], name="purchase_date")]
        permissions = [("void_purchase", "Can void a purchase")]

    def __str__(self):
        return f"Purchase #{self.pk}"

    def get_absolute_url(self):
        return reverse("purchases:detail", args=[self.pk])


class PurchaseDay(DailyTotals):
    """Purchases per day (see :class:`DailyTotals`)."""

    class Meta(DailyTotals.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(documents__gte=0, units__gte=0, value__gte=0),
                name="purchase_day_totals_gte_0",
            )
        ]


class PurchaseLineQuerySet(DocumentLineQuerySet):
    document = "purchase"

    def totals(self) -> dict:
        """Purchases, units and value of the lines of purchases that were not voided."""
        return self.of_valid_documents().aggregate(
            documents=Count("purchase", distinct=True),
            units=Coalesce(Sum("quantity"), Decimal("0"), output_field=UNITS_TOTAL),
            value=Coalesce(Sum(F("quantity") * F("unit_cost")), Decimal("0"), output_field=TOTAL),
        )


class PurchaseLine(models.Model):
    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="purchase_lines"
    )
    quantity = models.DecimalField(
        **LINE_QUANTITY,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(MAX_LINE_QUANTITY)],
    )
    unit_cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_UNIT_PRICE)],
    )
    # Entered in packs ("2 boxes of 500"): the line keeps what was entered and
    # the pack size of the day beside the quantity in units it moved.
    packs = models.DecimalField(**LINE_QUANTITY, null=True, blank=True)
    pack_size = models.DecimalField(**LINE_QUANTITY, null=True, blank=True)

    objects = PurchaseLineQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchase_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="purchase_line_unit_cost_gte_0"
            ),
            *bounded_line_constraints("purchase_line", "unit_cost"),
            models.CheckConstraint(
                condition=Q(packs__isnull=True, pack_size__isnull=True)
                | Q(packs__gt=0, pack_size__gt=0),
                name="purchase_line_packs_with_size",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_cost
