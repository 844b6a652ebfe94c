from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from inventory_project.totals import add_to_totals

# One line may not move more than this many units: anything larger is a typo,
# and it keeps every total far from integer overflow.
MAX_LINE_QUANTITY = 1_000_000
TOTAL = DecimalField(max_digits=20, decimal_places=2)


class DatedQuerySet(models.QuerySet):
    def in_period(self, start=None, end=None):
        """Rows dated from ``start`` to ``end``, both days included."""
        queryset = self
        if start:
            queryset = queryset.filter(date__gte=start)
        if end:
            queryset = queryset.filter(date__lte=end)
        return queryset


class DocumentQuerySet(DatedQuerySet):
    """Reads shared by purchases and sales."""

    def not_voided(self):
        return self.filter(voided_at__isnull=True)

    def annotate_line_totals(self, **sums):
        """Annotate ``line_count`` and each named sum over the document's lines.

        ``sums`` maps a name to ``(expression, output_field)``. They are
        correlated subqueries, so the database totals only the rows a page
        actually shows; joining and grouping every line would total all of
        history before ORDER BY and LIMIT apply.
        """
        line_model = self.model._meta.get_field("lines").related_model
        document = self.model._meta.model_name
        lines = line_model.objects.filter(**{document: OuterRef("pk")}).order_by().values(document)

        def total(aggregate, output_field):
            return Coalesce(
                Subquery(
                    lines.annotate(result=aggregate).values("result"), output_field=output_field
                ),
                Value(0, output_field=output_field),
            )

        return self.annotate(
            line_count=total(Count("pk"), IntegerField()),
            **{name: total(Sum(expression), field) for name, (expression, field) in sums.items()},
        )


class DocumentLineQuerySet(models.QuerySet):
    """Reads shared by purchase and sale lines; ``document`` names the line's parent field."""

    document = ""

    def of_valid_documents(self):
        """Lines of documents that were not voided: the only ones any total counts."""
        return self.filter(**{f"{self.document}__voided_at__isnull": True})

    def in_period(self, start=None, end=None):
        """Lines of documents dated from ``start`` to ``end``, both days included."""
        queryset = self
        if start:
            queryset = queryset.filter(**{f"{self.document}__date__gte": start})
        if end:
            queryset = queryset.filter(**{f"{self.document}__date__lte": end})
        return queryset


class DailyTotalsQuerySet(DatedQuerySet):
    def add(self, date, **amounts) -> None:
        """Add ``amounts`` (negative ones take away) to the totals of ``date``."""
        add_to_totals(self.model, "date", {date: amounts}, using=self.db)

    def totals(self) -> dict:
        """The documents, units and value of these days together."""
        return self.aggregate(**self.summed())

    def summed(self) -> dict:
        return {
            "documents": Coalesce(Sum("documents"), 0),
            "units": Coalesce(Sum("units"), 0),
            "value": Coalesce(Sum("value"), Decimal("0"), output_field=TOTAL),
        }


class DailyTotals(models.Model):
    """One day's totals of the documents that were not voided.

    Kept by the app's services in the same transaction that records or voids
    a document, so the dashboard reads one row per day instead of every line
    of history; ``verify_stock`` checks them against the lines.
    """

    date = models.DateField(unique=True)
    documents = models.BigIntegerField(default=0)
    units = models.BigIntegerField(default=0)
    value = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal("0"))

    objects = DailyTotalsQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["date"]
        # Written by the services only; no one is given rights to edit them.
        default_permissions = ()

    def __str__(self):
        return f"{self.date}: {self.documents} documents, {self.units} units, {self.value}"


class Document(models.Model):
    """What purchases and sales share: when, who, and how they were voided."""

    date = models.DateField(default=timezone.localdate, db_index=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        abstract = True
        ordering = ["-date", "-pk"]

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


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
            units=Coalesce(Sum("quantity"), 0),
            value=Coalesce(Sum(F("quantity") * F("unit_cost")), Decimal("0"), output_field=TOTAL),
        )


class PurchaseLine(models.Model):
    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="purchase_lines"
    )
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LINE_QUANTITY)]
    )
    unit_cost = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    objects = PurchaseLineQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchase_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="purchase_line_unit_cost_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_cost
