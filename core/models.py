"""Abstract building blocks shared by the domain apps' models.

Records that are archived instead of deleted, and the stock documents
(purchases, sales, and the document types that follow them): their header,
the reads on their lines, and the running totals kept beside them. Nothing
here knows a concrete document type.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import quantities
from core.totals import add_to_totals
from core.transactions import retry_on_deadlock


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def archived(self):
        return self.filter(is_active=False)


class ArchivableModel(models.Model):
    """A record that is archived instead of deleted once history refers to it.

    Archived records leave pickers and default lists but stay in history and
    can be restored.
    """

    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    created_at = models.DateTimeField(
        verbose_name=_("created at"), auto_now_add=True, db_index=True
    )
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    # Retried when it loses a deadlock: what the apps above keep on save (the stock
    # rows' listing) locks rows that a document being recorded at the same moment
    # may hold, and MariaDB's foreign-key checks lock the record's row for it too.
    @retry_on_deadlock
    def archive(self) -> None:
        """Hide the record from pickers and default lists, keeping its history."""
        self.is_active = False
        # Atomic with what the apps above keep on save (products.signals: the stock
        # rows' listing), so neither is saved without the other.
        with transaction.atomic():
            self.save(update_fields=["is_active", "updated_at"])

    archive.alters_data = True

    @retry_on_deadlock
    def restore(self) -> None:
        """Bring an archived record back into pickers and lists."""
        self.is_active = True
        with transaction.atomic():
            self.save(update_fields=["is_active", "updated_at"])

    restore.alters_data = True


# One line may not move more than this many units: anything larger is a typo,
# and it keeps every total far from overflow.
MAX_LINE_QUANTITY = 1_000_000
# Quantities are exact decimals: a metre of cable or a kilogram of nails comes
# in thousandths. A product's unit says how many of these places it allows
# (pieces none). Lines hold up to 10^9 units, stock and the ledger 10^15.
QUANTITY_PLACES = quantities.QUANTITY_PLACES
LINE_QUANTITY = {"max_digits": 12, "decimal_places": QUANTITY_PLACES}
STOCK_QUANTITY = {"max_digits": 18, "decimal_places": QUANTITY_PLACES}
TOTAL_QUANTITY = {"max_digits": 21, "decimal_places": QUANTITY_PLACES}
# Money a shop can mean. A unit price or cost above MAX_UNIT_PRICE, or a line
# worth more than MAX_LINE_VALUE, is a typo: forms refuse it and check
# constraints forbid it. A document holds at most 100 lines
# (core.documents.MAX_DOCUMENT_LINES), so it is worth at most 10,000,000,000.00.
# The running totals (numeric(20,2), up to about 10^18) would need 10^10 lines
# of the largest value in one day, or on one product over all time, to
# overflow; average costs never exceed the largest cost that came in.
MAX_UNIT_PRICE = Decimal("1000000.00")
MAX_LINE_VALUE = Decimal("100000000.00")


def bounded_line_constraints(prefix: str, price_field: str) -> list[models.CheckConstraint]:
    """Check constraints of a document line: its price, and quantity × price, within the bounds."""
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{price_field}__lte": MAX_UNIT_PRICE}),
            name=f"{prefix}_{price_field}_lte_max",
        ),
        models.CheckConstraint(
            condition=LessThanOrEqual(
                models.F("quantity") * models.F(price_field), Value(MAX_LINE_VALUE)
            ),
            name=f"{prefix}_value_lte_max",
        ),
    ]


# Totals are exact: a line's value is its quantity (3 places) times its price
# (2 places), and a cost is a quantity times an average cost (4 places), so
# totals keep 5 and 7 places on every database (SQLite would otherwise round
# them). Pages and exports round them to cents, totals only at the end.
MONEY_TOTAL_PLACES = QUANTITY_PLACES + 2
COST_TOTAL_PLACES = QUANTITY_PLACES + 4
TOTAL = DecimalField(max_digits=23, decimal_places=MONEY_TOTAL_PLACES)
COST_TOTAL = DecimalField(max_digits=27, decimal_places=COST_TOTAL_PLACES)
UNITS_TOTAL = DecimalField(**TOTAL_QUANTITY)


class DatedQuerySet(models.QuerySet):
    """Records with a date and (for line totals) lines: documents, orders, transfers."""

    def in_period(self, start=None, end=None):
        """Rows dated from ``start`` to ``end``, both days included."""
        queryset = self
        if start:
            queryset = queryset.filter(date__gte=start)
        if end:
            queryset = queryset.filter(date__lte=end)
        return queryset

    def annotate_line_totals(self, **sums):
        """Annotate ``line_count`` and each named sum over the record's ``lines``.

        ``sums`` maps a name to ``(expression, output_field)``. They are
        correlated subqueries, so the database totals only the rows a page
        actually shows; joining and grouping every line would total all of
        history before ORDER BY and LIMIT apply.
        """
        relation = self.model._meta.get_field("lines")
        document = relation.field.name  # the lines' foreign key: "purchase", "order"
        lines = (
            relation.related_model.objects.filter(**{document: OuterRef("pk")})
            .order_by()
            .values(document)
        )

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

    def add_line_totals(self, records: list, **sums) -> list:
        """Set ``line_count`` and each named sum (as :meth:`annotate_line_totals` takes them)
        on ``records``, rows of this model already read, from one grouped query over their
        lines; return ``records``.

        For a handful of rows (the dashboard's latest documents): one plain query is
        quicker to build than a correlated subquery per total, 5 against 3 ms for ten.
        """
        relation = self.model._meta.get_field("lines")
        document = relation.field.name
        grouped = (
            relation.related_model.objects.filter(
                **{f"{document}__in": [record.pk for record in records] or [-1]}
            )
            .order_by()
            .values(document)
            .annotate(
                line_count=Count("pk"),
                **{
                    name: Sum(expression, output_field=field)
                    for name, (expression, field) in sums.items()
                },
            )
        )
        totals = {row.pop(document): row for row in grouped}
        none = {"line_count": 0, **{name: Decimal("0") for name in sums}}
        for record in records:
            for name, value in totals.get(record.pk, none).items():
                setattr(record, name, value)
        return records


class DocumentQuerySet(DatedQuerySet):
    """Reads shared by purchases and sales."""

    def not_voided(self):
        return self.filter(voided_at__isnull=True)


class DocumentLineQuerySet(models.QuerySet):
    """Reads shared by purchase and sale lines; ``document`` names the line's parent field."""

    document = ""
    # A line model that keeps its own copies of its document's date and voided state
    # (SaleLine: "sale_date", "voided") names them here; the filters below then read the
    # line's columns, not the document's through a join.
    date_copy = voided_copy = ""

    def of_valid_documents(self):
        """Lines of documents that were not voided: the only ones any total counts."""
        if self.voided_copy:
            return self.filter(**{self.voided_copy: False})
        return self.filter(**{f"{self.document}__voided_at__isnull": True})

    def in_period(self, start=None, end=None):
        """Lines of documents dated from ``start`` to ``end``, both days included."""
        date = self.date_copy or f"{self.document}__date"
        queryset = self
        if start:
            queryset = queryset.filter(**{f"{date}__gte": start})
        if end:
            queryset = queryset.filter(**{f"{date}__lte": end})
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
            "units": Coalesce(Sum("units"), Decimal("0"), output_field=UNITS_TOTAL),
            "value": Coalesce(Sum("value"), Decimal("0"), output_field=TOTAL),
        }


class DailyTotals(models.Model):
    """One day's totals of the documents that were not voided.

    Kept by the app's services in the same transaction that records or voids
    a document, so the dashboard reads one row per day instead of every line
    of history; ``verify_stock`` checks them against the lines.
    """

    date = models.DateField(verbose_name=_("date"), unique=True)
    documents = models.BigIntegerField(verbose_name=_("documents"), default=0)
    units = models.DecimalField(verbose_name=_("units"), **TOTAL_QUANTITY, default=Decimal("0"))
    value = models.DecimalField(
        verbose_name=_("value"),
        max_digits=TOTAL.max_digits,
        decimal_places=TOTAL.decimal_places,
        default=Decimal("0"),
    )

    objects = DailyTotalsQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["date"]
        # Written by the services only; no one is given rights to edit them.
        default_permissions = ()

    def __str__(self):
        return gettext("%(date)s: %(documents)s documents, %(units)s units, %(value)s") % {
            "date": self.date,
            "documents": self.documents,
            "units": self.units,
            "value": self.value,
        }


class Document(models.Model):
    """What purchases and sales share: when, who, and how they were voided."""

    date = models.DateField(verbose_name=_("date"), default=timezone.localdate, db_index=True)
    notes = models.TextField(verbose_name=_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    voided_at = models.DateTimeField(verbose_name=_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    void_reason = models.CharField(verbose_name=_("void reason"), max_length=255, blank=True)

    class Meta:
        abstract = True
        ordering = ["-date", "-pk"]

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class Heartbeat(models.Model):
    """One row /healthz writes to, to prove the database still accepts writes.

    A read-only check stayed green while a full disk failed every sale. No one
    else touches the row: on PostgreSQL and MariaDB no document waits for its
    lock; on SQLite every write takes the one database write lock, so the
    check queues with the documents for the milliseconds the update takes.
    """

    beat_at = models.DateTimeField(verbose_name=_("beat at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        default_permissions = ()

    def __str__(self):
        return gettext("Heartbeat at %(moment)s") % {"moment": f"{self.beat_at:%Y-%m-%d %H:%M:%S}"}


# The unique constraint a second post of the same form runs into (core.submissions).
FORM_SUBMISSION_TOKEN_UNIQUE = "core_formsubmission_token_unique"


class FormSubmission(models.Model):
    """One form that recorded something, by the one-time token the page gave it.

    Written in the same transaction as what the form recorded (see
    :mod:`core.submissions`): a second post of the same page (a double tap, a
    resend after a timeout, Back then Send again) runs into the unique token
    and is shown what the first one recorded instead of recording it twice. A
    post the engine refuses rolls its row back with everything else, so the
    corrected form can be sent with the same token. Rows older than a week are
    purged (``manage.py purge_form_tokens``).
    """

    token = models.CharField(verbose_name=_("token"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"), default=timezone.now, db_index=True
    )
    # Where what the form recorded is shown, and what it is called ("Sale S-MAIN-2026-000012").
    url = models.CharField(verbose_name=_("url"), max_length=500, blank=True)
    label = models.CharField(verbose_name=_("label"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        # Written by the document views only; no one is given rights to edit them.
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["token"], name=FORM_SUBMISSION_TOKEN_UNIQUE),
        ]

    def __str__(self):
        return gettext("Form %(token)s… by user %(user)s: %(label)s") % {
            "token": self.token[:8],
            "user": self.user_id,
            "label": self.label or gettext("in progress"),
        }
