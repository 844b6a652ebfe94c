"""Transfers: goods moved from one store to another, with the time they spend in transit.

A transfer is a draft (editable, nothing moves) until it is dispatched: its
units leave the source store at their average cost and are in transit,
counted in neither store. Received, they enter the destination at the cost
they left with; what arrived short or over is recorded as a transit variance
through the same ledger. A dispatched transfer can be cancelled (the units go
back) until it is received; a received one can be voided by a manager while
the destination still holds its units. The stock engine does all the moving
(see :mod:`transfers.services`).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import COST_TOTAL, LINE_QUANTITY, MAX_LINE_QUANTITY, UNITS_TOTAL, DatedQuerySet


class TransferQuerySet(DatedQuerySet):
    def with_totals(self):
        """Annotate ``line_count``, ``units`` (sent) and ``value`` (at the cost they left with)."""
        return self.annotate_line_totals(
            units=(F("quantity"), UNITS_TOTAL), value=(F("quantity") * F("unit_cost"), COST_TOTAL)
        )

    def in_transit(self):
        return self.filter(status=Transfer.Status.DISPATCHED)


class Transfer(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        DISPATCHED = "dispatched", _("In transit")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")
        VOIDED = "voided", _("Voided")

    from_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="transfers_out",
        verbose_name=_("from"),
    )
    to_store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("to")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.DRAFT, db_index=True
    )
    # "TR-MAIN-2026-000007" of the sending store, given at dispatch (stores.numbering):
    # a draft can still be deleted, and a number once given is never lost.
    number = models.CharField(
        _("number"), max_length=40, unique=True, null=True, blank=True, editable=False
    )
    date = models.DateField(_("date"), default=timezone.localdate, db_index=True)
    reference = models.CharField(
        _("reference"), max_length=60, blank=True, help_text=_("e.g. a delivery note")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Who took each step, and when: a transfer's history on its own page.
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dispatched by"),
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    variance_reason = models.CharField(_("variance reason"), max_length=255, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)  # cancelled or voided
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    close_reason = models.CharField(_("close reason"), max_length=255, blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["-date", "-id"], name="transfer_date"),
            models.Index(fields=["status", "dispatched_at"], name="transfer_status_dispatched"),
        ]
        permissions = [
            ("dispatch_transfer", "Can dispatch a transfer"),
            ("receive_transfer", "Can receive a transfer"),
            ("void_transfer", "Can cancel or void a transfer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_store=F("to_store")), name="transfer_between_two_stores"
            )
        ]

    def __str__(self):
        return gettext("Transfer #%(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("transfers:detail", args=[self.pk])

    @property
    def label(self) -> str:
        """Its number once dispatched, "#12" before."""
        return self.number or f"#{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def in_transit(self) -> bool:
        return self.status == self.Status.DISPATCHED

    @property
    def is_received(self) -> bool:
        return self.status == self.Status.RECEIVED


class TransferLine(models.Model):
    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, related_name="lines", verbose_name=_("transfer")
    )
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="transfer_lines",
        verbose_name=_("product"),
    )
    quantity = models.DecimalField(
        verbose_name=_("quantity"),
        **LINE_QUANTITY,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(MAX_LINE_QUANTITY)],
    )
    # What arrived, once received (a shortfall or surplus is a transit variance).
    received_quantity = models.DecimalField(
        verbose_name=_("received quantity"), **LINE_QUANTITY, null=True, blank=True
    )
    # The average cost the units left with, set at dispatch; they arrive at it.
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=14, decimal_places=4, null=True, editable=False
    )

    class Meta:
        verbose_name = _("transfer line")
        verbose_name_plural = _("transfer lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(received_quantity__isnull=True) | Q(received_quantity__gte=0),
                name="transfer_line_received_gte_0",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def variance(self) -> Decimal | None:
        """Received less sent: negative for a shortfall, None until received."""
        if self.received_quantity is None:
            return None
        return self.received_quantity - self.quantity

    @property
    def value(self) -> Decimal | None:
        return None if self.unit_cost is None else self.quantity * self.unit_cost
