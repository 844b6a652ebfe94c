from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import (
    LINE_QUANTITY,
    MAX_LINE_QUANTITY,
    MAX_UNIT_PRICE,
    TOTAL,
    UNITS_TOTAL,
    DailyTotals,
    DatedQuerySet,
    Document,
    DocumentLineQuerySet,
    DocumentQuerySet,
    bounded_line_constraints,
)
from core.money import round_money


class PurchaseQuerySet(DocumentQuerySet):
    LINE_TOTALS = {
        "total_value": (F("quantity") * F("unit_cost"), TOTAL),
        "total_tax": (F("tax_amount"), TOTAL),
    }

    def with_totals(self):
        """Annotate ``line_count``, ``total_value`` (net of tax) and ``total_tax`` in the same
        query."""
        return self.annotate_line_totals(**self.LINE_TOTALS)

    def add_totals(self, purchases: list) -> list:
        """Set on ``purchases`` (read already) what :meth:`with_totals` annotates; return them."""
        return self.add_line_totals(purchases, **self.LINE_TOTALS)


class Purchase(Document):
    """Goods received from a supplier into one store."""

    supplier = models.ForeignKey(
        "people.Supplier",
        on_delete=models.PROTECT,
        related_name="purchases",
        verbose_name=_("supplier"),
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="purchases", verbose_name=_("store")
    )
    reference = models.CharField(
        _("supplier's reference"),
        max_length=60,
        blank=True,
        help_text=_("e.g. their invoice number"),
    )
    # A receipt against a purchase order; a direct purchase has none.
    order = models.ForeignKey(
        "PurchaseOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("purchase order"),
    )

    objects = PurchaseQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        indexes = [models.Index(fields=["-date", "-id"], name="purchase_date")]
        permissions = [("void_purchase", "Can void a purchase")]

    def __str__(self):
        return gettext("Purchase #%(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("purchases:detail", args=[self.pk])

    @property
    def total_gross(self) -> Decimal:
        """What the supplier charged, tax included (needs :meth:`PurchaseQuerySet.with_totals`)."""
        return self.total_value + self.total_tax


class PurchaseDay(DailyTotals):
    """Purchases per day (see :class:`DailyTotals`)."""

    class Meta(DailyTotals.Meta):
        verbose_name = _("purchase day")
        verbose_name_plural = _("purchase days")
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

    def with_returned(self):
        """Annotate ``returned`` (units already sent back to the supplier) and ``returnable``
        (purchased less returned), with a subquery: no join, no grouping."""
        line_quantity = models.DecimalField(**LINE_QUANTITY)
        returned = (
            PurchaseReturnLine.objects.filter(purchase_line=OuterRef("pk"))
            .order_by()
            .values("purchase_line")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        return self.annotate(
            returned=Coalesce(
                Subquery(returned, output_field=line_quantity),
                Value(Decimal("0"), output_field=line_quantity),
            )
        ).annotate(returnable=ExpressionWrapper(F("quantity") - F("returned"), line_quantity))


class PurchaseLine(models.Model):
    purchase = models.ForeignKey(
        Purchase, on_delete=models.CASCADE, related_name="lines", verbose_name=_("purchase")
    )
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="purchase_lines",
        verbose_name=_("product"),
    )
    quantity = models.DecimalField(
        verbose_name=_("quantity"),
        **LINE_QUANTITY,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(MAX_LINE_QUANTITY)],
    )
    unit_cost = models.DecimalField(
        verbose_name=_("unit cost"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_UNIT_PRICE)],
    )
    # Entered in packs ("2 boxes of 500"): the line keeps what was entered and
    # the pack size of the day beside the quantity in units it moved.
    packs = models.DecimalField(verbose_name=_("packs"), **LINE_QUANTITY, null=True, blank=True)
    pack_size = models.DecimalField(
        verbose_name=_("pack size"), **LINE_QUANTITY, null=True, blank=True
    )
    # The order line this receipt line received against: its agreed cost is
    # ``order_line.unit_cost``; ``unit_cost`` here is what was charged.
    order_line = models.ForeignKey(
        "PurchaseOrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt_lines",
        verbose_name=_("order line"),
    )
    # The supplier's tax on the line, copied from the product's rate when it was
    # recorded (a later change of rate leaves it alone). ``unit_cost`` is net of
    # it: the tax is recoverable, so stock is valued without it.
    tax_percent = models.DecimalField(
        _("tax (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    # ``tax_percent`` of the rounded net amount, rounded half-up to cents.
    tax_amount = models.DecimalField(
        verbose_name=_("tax amount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
    )

    objects = PurchaseLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase line")
        verbose_name_plural = _("purchase lines")
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
            models.CheckConstraint(
                condition=Q(tax_percent__gte=0, tax_percent__lte=100),
                name="purchase_line_tax_percent_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(tax_amount__gte=0), name="purchase_line_tax_amount_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_cost

    @property
    def net_amount(self) -> Decimal:
        """Quantity × unit cost, rounded half-up to cents: the line's value without tax."""
        return round_money(self.quantity * self.unit_cost)

    @property
    def gross_amount(self) -> Decimal:
        """The line's net amount plus its tax: what the supplier charged for it."""
        return self.net_amount + self.tax_amount


class PurchaseOrderQuerySet(DatedQuerySet):
    def with_totals(self):
        """Annotate ``line_count``, ``units`` (ordered) and ``value`` (at the agreed costs)."""
        return self.annotate_line_totals(
            units=(F("quantity"), UNITS_TOTAL), value=(F("quantity") * F("unit_cost"), TOTAL)
        )

    def open(self):
        """Orders sent to the supplier and not yet fully received, cancelled or closed."""
        return self.filter(status__in=PurchaseOrder.OPEN_STATUSES)


class PurchaseOrder(models.Model):
    """Goods ordered from a supplier for one store, received in one or more receipts.

    A draft moves nothing. Once ordered, what is not yet received counts as
    *on order* at the store (``StockLevel.on_order``). Each receipt is a
    :class:`Purchase` linked to the order, which moves the stock in. See
    :mod:`purchases.orders`.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ORDERED = "ordered", _("Ordered")
        PARTIAL = "partial", _("Partially received")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED_SHORT = "closed_short", _("Closed short")

    OPEN_STATUSES = (Status.ORDERED, Status.PARTIAL)

    supplier = models.ForeignKey(
        "people.Supplier",
        on_delete=models.PROTECT,
        related_name="purchase_orders",
        verbose_name=_("supplier"),
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="purchase_orders",
        verbose_name=_("store"), help_text=_("Where the goods are delivered."),
    )  # fmt: skip
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=Status, default=Status.DRAFT, db_index=True
    )
    # "PO-MAIN-2026-000012", given when the order is sent (stores.numbering): a
    # draft can still be deleted, and a number once given is never lost.
    number = models.CharField(
        verbose_name=_("number"), max_length=40, unique=True, null=True, blank=True, editable=False
    )
    date = models.DateField(_("order date"), default=timezone.localdate, db_index=True)
    expected_date = models.DateField(_("expected"), null=True, blank=True)
    reference = models.CharField(
        verbose_name=_("reference"),
        max_length=60,
        blank=True,
        help_text=_("e.g. the supplier's quote"),
    )
    notes = models.TextField(
        verbose_name=_("notes"), blank=True, help_text=_("Printed on the order.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    ordered_at = models.DateTimeField(verbose_name=_("ordered at"), null=True, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    # Cancelled or closed short.
    closed_at = models.DateTimeField(verbose_name=_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    close_reason = models.CharField(verbose_name=_("close reason"), max_length=255, blank=True)

    objects = PurchaseOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["-date", "-id"], name="purchase_order_date")]
        permissions = [
            ("place_purchaseorder", "Can send a purchase order to its supplier"),
            ("receive_purchaseorder", "Can receive goods against a purchase order"),
            ("close_purchaseorder", "Can cancel or close a purchase order short"),
        ]

    def __str__(self):
        return gettext("Purchase order #%(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("purchase_orders:detail", args=[self.pk])

    @property
    def label(self) -> str:
        """Its number once sent, "#12" before."""
        return self.number or f"#{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class PurchaseOrderLineQuerySet(models.QuerySet):
    def with_outstanding(self):
        """Annotate ``outstanding``: ordered less received, never below zero, on open orders.

        What counts as on order: nothing on a draft, a received, cancelled or
        closed-short order (the rest will never come), nor beyond what was ordered.
        """
        return self.annotate(
            outstanding=models.Case(
                models.When(
                    order__status__in=PurchaseOrder.OPEN_STATUSES,
                    then=Greatest(F("quantity") - F("received_quantity"), Decimal("0")),
                ),
                default=Decimal("0"),
                output_field=models.DecimalField(**LINE_QUANTITY),
            )
        )


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="purchase_order_lines",
        verbose_name=_("product"),
    )
    quantity = models.DecimalField(
        verbose_name=_("quantity"),
        **LINE_QUANTITY,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(MAX_LINE_QUANTITY)],
    )
    unit_cost = models.DecimalField(
        _("agreed unit cost"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_UNIT_PRICE)],
    )
    packs = models.DecimalField(verbose_name=_("packs"), **LINE_QUANTITY, null=True, blank=True)
    pack_size = models.DecimalField(
        verbose_name=_("pack size"), **LINE_QUANTITY, null=True, blank=True
    )
    # Kept by the receipts (and their voids); verify_stock checks it against them.
    received_quantity = models.DecimalField(
        verbose_name=_("received quantity"), **LINE_QUANTITY, default=Decimal("0"), editable=False
    )

    objects = PurchaseOrderLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="po_line_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="po_line_unit_cost_gte_0"),
            models.CheckConstraint(
                condition=Q(received_quantity__gte=0), name="po_line_received_gte_0"
            ),
            *bounded_line_constraints("po_line", "unit_cost"),
            models.CheckConstraint(
                condition=Q(packs__isnull=True, pack_size__isnull=True)
                | Q(packs__gt=0, pack_size__gt=0),
                name="po_line_packs_with_size",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_cost

    @property
    def remaining(self) -> Decimal:
        """Not yet received (never below zero), whatever the order's state."""
        return max(self.quantity - self.received_quantity, Decimal("0"))


class PurchaseReturnQuerySet(DatedQuerySet):
    def with_totals(self):
        """Annotate ``line_count``, ``total_units`` and ``total_value`` (at purchase cost)."""
        return self.annotate_line_totals(
            total_units=(F("quantity"), UNITS_TOTAL),
            total_value=(F("quantity") * F("unit_cost"), TOTAL),
        )


class PurchaseReturn(models.Model):
    """Goods sent back to the supplier from one purchase (or receipt): a debit note.

    Never voided or edited: a return is itself the correction of a purchase.
    Its units leave the purchase's store through the stock engine at the cost
    they came in at (see :mod:`purchases.returns`).
    """

    purchase = models.ForeignKey(
        Purchase, on_delete=models.PROTECT, related_name="returns", verbose_name=_("purchase")
    )
    # The purchase's, kept here so lists and the debit note need no join.
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    supplier = models.ForeignKey(
        "people.Supplier", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    # "DN-MAIN-2026-000004", per store and year (stores.numbering), taken last in
    # the return's transaction.
    number = models.CharField(
        verbose_name=_("number"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    date = models.DateField(verbose_name=_("date"), default=timezone.localdate, db_index=True)
    notes = models.TextField(verbose_name=_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    objects = PurchaseReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase return")
        verbose_name_plural = _("purchase returns")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["-date", "-id"], name="purchase_return_date")]
        # Returns are recorded, never changed or deleted.
        default_permissions = ("add", "view")

    def __str__(self):
        return gettext("Debit note %(number)s") % {"number": self.label}

    def get_absolute_url(self):
        return reverse("purchases:return_detail", args=[self.pk])

    @property
    def label(self) -> str:
        """Its number, or "#12" while it has none (inside its own transaction)."""
        return self.number or f"#{self.pk}"


class PurchaseReturnLine(models.Model):
    """Units of one purchase line going back to the supplier, at the cost they were bought at."""

    purchase_return = models.ForeignKey(
        PurchaseReturn,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("purchase return"),
    )
    purchase_line = models.ForeignKey(
        PurchaseLine,
        on_delete=models.PROTECT,
        related_name="return_lines",
        verbose_name=_("purchase line"),
    )
    # The purchase line's, kept for the totals and reports per product.
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="purchase_return_lines",
        verbose_name=_("product"),
    )
    quantity = models.DecimalField(
        verbose_name=_("quantity"),
        **LINE_QUANTITY,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(MAX_LINE_QUANTITY)],
    )
    reason = models.CharField(verbose_name=_("reason"), max_length=255, blank=True)
    # The purchase line's unit cost: what the supplier owes back per unit.
    unit_cost = models.DecimalField(
        verbose_name=_("unit cost"), max_digits=12, decimal_places=2, editable=False
    )
    # The purchase line's tax rate, and the part of its tax these units carried:
    # in proportion, rounded half-up to cents cumulatively, the line's last units
    # getting what is left (see purchases.returns), so a line's returns never
    # claim back more tax than the supplier charged on it.
    tax_percent = models.DecimalField(
        _("tax (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    tax_amount = models.DecimalField(
        verbose_name=_("tax amount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
    )

    class Meta:
        verbose_name = _("purchase return line")
        verbose_name_plural = _("purchase return lines")
        ordering = ["pk"]
        # Recorded with their return, never changed or deleted.
        default_permissions = ("add", "view")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="purchase_return_line_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="purchase_return_line_unit_cost_gte_0"
            ),
            *bounded_line_constraints("purchase_return_line", "unit_cost"),
            models.CheckConstraint(
                condition=Q(tax_percent__gte=0, tax_percent__lte=100),
                name="purchase_return_line_tax_percent_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(tax_amount__gte=0), name="purchase_return_line_tax_amount_gte_0"
            ),
        ]

    def __str__(self):
        return gettext("%(quantity)s × %(product)s back to the supplier") % {
            "quantity": self.quantity,
            "product": self.product,
        }

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_cost

    @property
    def net_amount(self) -> Decimal:
        """Quantity × unit cost, rounded half-up to cents, as its purchase line's."""
        return round_money(self.quantity * self.unit_cost)

    @property
    def gross_amount(self) -> Decimal:
        """The net amount plus its tax: what the supplier owes back for these units."""
        return self.net_amount + self.tax_amount


class PurchaseReturnDay(DailyTotals):
    """Returns to suppliers per day (see :class:`DailyTotals`): ``value`` is the cost of the
    units sent back, at their purchases' costs. Purchases net of returns are
    :class:`PurchaseDay` less these."""

    class Meta(DailyTotals.Meta):
        verbose_name = _("purchase return day")
        verbose_name_plural = _("purchase return days")
        constraints = [
            models.CheckConstraint(
                condition=Q(documents__gte=0, units__gte=0, value__gte=0),
                name="purchase_return_day_totals_gte_0",
            )
        ]
