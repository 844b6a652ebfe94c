from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import (
    COST_TOTAL,
    COST_TOTAL_PLACES,
    LINE_QUANTITY,
    MAX_LINE_QUANTITY,
    MAX_UNIT_PRICE,
    TOTAL,
    TOTAL_QUANTITY,
    UNITS_TOTAL,
    DailyTotals,
    DailyTotalsQuerySet,
    DatedQuerySet,
    Document,
    DocumentLineQuerySet,
    DocumentQuerySet,
    bounded_line_constraints,
)
from core.totals import add_to_totals


def with_profit(totals: dict) -> dict:
    """Add gross ``profit`` and ``margin`` (% of value, None without sales) to sale totals."""
    totals["profit"] = totals["value"] - totals["cost"]
    totals["margin"] = (
        (totals["profit"] / totals["value"] * 100).quantize(Decimal("0.1"))
        if totals["value"]
        else None
    )
    return totals


class SaleQuerySet(DocumentQuerySet):
    LINE_TOTALS = {
        "total_value": (F("net_amount"), TOTAL),
        "total_tax": (F("tax_amount"), TOTAL),
        "total_cost": (F("quantity") * F("unit_cost"), COST_TOTAL),
    }

    def with_totals(self):
        """Annotate ``line_count``, ``total_value`` (net of tax), ``total_tax``,
        ``total_gross``, ``total_cost`` and ``gross_profit``."""
        return self.annotate_line_totals(**self.LINE_TOTALS).annotate(
            gross_profit=F("total_value") - F("total_cost"),
            total_gross=F("total_value") + F("total_tax"),
        )

    def add_totals(self, sales: list) -> list:
        """Set on ``sales`` (read already) what :meth:`with_totals` annotates; return them."""
        for sale in self.add_line_totals(sales, **self.LINE_TOTALS):
            sale.gross_profit = sale.total_value - sale.total_cost
            sale.total_gross = sale.total_value + sale.total_tax
        return sales


class Sale(Document):
    """Goods sold to a customer from one store."""

    # "MAIN-2026-000123", per store and year (stores.numbering); none on sales
    # recorded before numbering began.
    number = models.CharField(
        verbose_name=_("number"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    customer = models.ForeignKey(
        "people.Customer",
        on_delete=models.PROTECT,
        related_name="sales",
        verbose_name=_("customer"),
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="sales", verbose_name=_("store")
    )
    # The discount on the whole sale, shared out over its lines (each line's
    # ``document_discount``), in the prices' terms; the percentage if it was
    # given as one.
    discount = models.DecimalField(
        verbose_name=_("discount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    discount_percent = models.DecimalField(
        verbose_name=_("discount percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    # settings.PRICES_INCLUDE_TAX when the sale was made: whether its prices
    # had the tax in them, so its documents read the same after a change.
    prices_include_tax = models.BooleanField(
        verbose_name=_("prices include tax"), default=False, editable=False
    )

    objects = SaleQuerySet.as_manager()

    class Meta(Document.Meta):
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        indexes = [models.Index(fields=["-date", "-id"], name="sale_date")]
        # The names are stored as they are, as Django's own permissions' are.
        permissions = [
            ("void_sale", "Can void a sale"),
            ("override_price", "Can change sale prices and give any discount"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount__gte=0)
                & (Q(discount_percent__isnull=True) | Q(discount_percent__range=(0, 100))),
                name="sale_discount_in_range",
            )
        ]

    def __str__(self):
        return gettext("Sale #%(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("sales:detail", args=[self.pk])

    @property
    def label(self) -> str:
        """Its number, or "#12" for a sale from before numbering."""
        return self.number or f"#{self.pk}"


class SaleLineQuerySet(DocumentLineQuerySet):
    document = "sale"
    # The period's lines from the index sale_line_period alone, no sale row each.
    date_copy, voided_copy = "sale_date", "voided"

    def totals(self) -> dict:
        """Sales, units, value, cost, gross profit and margin (%) of lines of sales not voided."""
        totals = self.of_valid_documents().aggregate(
            documents=Count("sale", distinct=True),
            units=Coalesce(Sum("quantity"), Decimal("0"), output_field=UNITS_TOTAL),
            value=Coalesce(Sum("net_amount"), Decimal("0"), output_field=TOTAL),
            cost=Coalesce(
                Sum(F("quantity") * F("unit_cost")), Decimal("0"), output_field=COST_TOTAL
            ),
        )
        return with_profit(totals)


class SaleLine(models.Model):
    sale = models.ForeignKey(
        Sale, on_delete=models.CASCADE, related_name="lines", verbose_name=_("sale")
    )
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="sale_lines",
        verbose_name=_("product"),
    )
    quantity = models.DecimalField(
        verbose_name=_("quantity"),
        **LINE_QUANTITY,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(MAX_LINE_QUANTITY)],
    )
    unit_price = models.DecimalField(
        verbose_name=_("unit price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_UNIT_PRICE)],
    )
    # The product's average cost when the sale was confirmed, so gross profit
    # stays true after later purchases move the average.
    unit_cost = models.DecimalField(
        verbose_name=_("unit cost"), max_digits=14, decimal_places=4, editable=False
    )
    # What the line was charged, as sales.pricing worked it out. ``unit_price``
    # above is the price per unit before discounts, in the sale's terms (with
    # tax if ``sale.prices_include_tax``); ``list_price`` the product's sale
    # price then (none on lines from before prices were recorded). Discounts
    # are amounts in the same terms: the line's own (``discount_percent`` if
    # given as a percentage) and its share of the sale's. ``net_amount`` and
    # ``tax_amount`` are rounded to cents: the sale's totals are their sums.
    list_price = models.DecimalField(
        verbose_name=_("list price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    discount = models.DecimalField(
        verbose_name=_("discount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    discount_percent = models.DecimalField(
        verbose_name=_("discount percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    document_discount = models.DecimalField(
        verbose_name=_("document discount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    tax_percent = models.DecimalField(
        verbose_name=_("tax percent"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    net_amount = models.DecimalField(
        verbose_name=_("net amount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    tax_amount = models.DecimalField(
        verbose_name=_("tax amount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    # Who set a price other than the list price or gave a discount (none: the line
    # was sold at its list price).
    price_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("price set by"),
    )

    # The sale's date and whether it was voided, copied onto each line by sale_confirm
    # and sale_void in their transactions (a sale's date never changes; verify_stock
    # checks the copies, rebuild_totals rewrites them). The period's lines, which the
    # dashboard's top products and the sales-by-product report group, are then read
    # from one index that holds every figure they sum, instead of a sale row and a
    # line row per line: for the 29,000 lines of 30 days at the large demo on SQLite,
    # the top products query 21 → 14 ms, the report's two queries 42 → 26 ms.
    sale_date = models.DateField(_("date"), editable=False)
    voided = models.BooleanField(_("voided"), default=False, editable=False)

    objects = SaleLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("sale line")
        verbose_name_plural = _("sale lines")
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=[
                    "sale_date",
                    "voided",
                    "product",
                    "quantity",
                    "net_amount",
                    "tax_amount",
                    "unit_cost",
                ],
                name="sale_line_period",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sale_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="sale_line_unit_price_gte_0"
            ),
            *bounded_line_constraints("sale_line", "unit_price"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="sale_line_unit_cost_gte_0"),
            models.CheckConstraint(
                condition=Q(
                    discount__gte=0,
                    document_discount__gte=0,
                    net_amount__gte=0,
                    tax_amount__gte=0,
                    tax_percent__range=(0, 100),
                ),
                name="sale_line_amounts_gte_0",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def line_total(self) -> Decimal:
        """What the line sold for, net of discounts and tax."""
        return self.net_amount

    @property
    def gross_amount(self) -> Decimal:
        return self.net_amount + self.tax_amount

    @property
    def paid_per_unit(self) -> Decimal:
        """What the customer paid for one unit, tax and discounts included."""
        return self.gross_amount / self.quantity

    @property
    def total_discount(self) -> Decimal:
        """Its own discount and its share of the sale's."""
        return self.discount + self.document_discount

    @property
    def price_overridden(self) -> bool:
        return self.price_set_by_id is not None

    @property
    def gross_profit(self) -> Decimal:
        return self.net_amount - self.quantity * self.unit_cost


class SaleDayQuerySet(DailyTotalsQuerySet):
    def totals(self) -> dict:
        """Sales, units, value, cost, gross profit and margin (%) of these days together."""
        return with_profit(super().totals())

    def summed(self) -> dict:
        return {
            **super().summed(),
            "cost": Coalesce(Sum("cost"), Decimal("0"), output_field=COST_TOTAL),
        }


class SaleDay(DailyTotals):
    """Sales per day (see :class:`~core.models.DailyTotals`), with their cost."""

    cost = models.DecimalField(
        verbose_name=_("cost"),
        max_digits=COST_TOTAL.max_digits,
        decimal_places=COST_TOTAL_PLACES,
        default=Decimal("0"),
    )

    objects = SaleDayQuerySet.as_manager()

    class Meta(DailyTotals.Meta):
        verbose_name = _("sale day")
        verbose_name_plural = _("sale days")
        constraints = [
            models.CheckConstraint(
                condition=Q(documents__gte=0, units__gte=0, value__gte=0, cost__gte=0),
                name="sale_day_totals_gte_0",
            )
        ]


class ProductSalesQuerySet(models.QuerySet):
    def add(self, per_product: dict[int, dict]) -> None:
        """Add amounts (negative ones take away) to products' all-time sales, in one statement.

        ``per_product`` maps a product id to ``{"units": …, "value": …}``.
        """
        add_to_totals(self.model, "product_id", per_product, using=self.db)


class ProductSales(models.Model):
    """A product's all-time sales that were not voided: the all-time top products.

    Kept by :mod:`sales.services` like :class:`SaleDay`, after the stock engine
    has locked the product row, so concurrent sales of one product queue there.
    """

    product = models.OneToOneField(
        "products.Product",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="+",
        verbose_name=_("product"),
    )
    units = models.DecimalField(verbose_name=_("units"), **TOTAL_QUANTITY, default=Decimal("0"))
    value = models.DecimalField(
        verbose_name=_("value"),
        max_digits=TOTAL.max_digits,
        decimal_places=TOTAL.decimal_places,
        default=Decimal("0"),
    )

    objects = ProductSalesQuerySet.as_manager()

    class Meta:
        verbose_name = _("product sales")
        verbose_name_plural = _("product sales")
        default_permissions = ()  # written by the services only, as SaleDay
        indexes = [models.Index(fields=["-value", "product"], name="product_sales_ranking")]
        constraints = [
            models.CheckConstraint(
                condition=Q(units__gte=0, value__gte=0), name="product_sales_totals_gte_0"
            )
        ]

    def __str__(self):
        return gettext("%(units)s units of product %(product)s for %(value)s") % {
            "units": self.units,
            "product": self.product_id,
            "value": self.value,
        }


class SaleReturnQuerySet(DatedQuerySet):
    def with_totals(self):
        """Annotate ``line_count``, ``total_units``, ``total_value`` (net of tax),
        ``total_tax`` and ``total_cost``; what was refunded is each return's ``refund``."""
        return self.annotate_line_totals(
            total_units=(F("quantity"), UNITS_TOTAL),
            total_value=(F("net_amount"), TOTAL),
            total_tax=(F("tax_amount"), TOTAL),
            total_cost=(F("quantity") * F("unit_cost"), COST_TOTAL),
        )


class SaleReturn(models.Model):
    """Goods a customer brought back from one sale: a credit note.

    Never voided or edited: a return is itself the correction of a sale.
    Restocked lines move their units back into the sale's store at the cost
    they left with; damaged ones are written off and move no stock.
    """

    sale = models.ForeignKey(
        Sale, on_delete=models.PROTECT, related_name="returns", verbose_name=_("sale")
    )
    # The sale's, kept here so the returns list filters without a join.
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    customer = models.ForeignKey(
        "people.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    # "CN-MAIN-2026-000004", per store and year (stores.numbering).
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
    # The money given back: by default what was paid for the units (the lines'
    # net and tax), less if the shop keeps a restocking fee.
    refund = models.DecimalField(
        verbose_name=_("refund"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    objects = SaleReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("sale return")
        verbose_name_plural = _("sale returns")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["-date", "-id"], name="sale_return_date")]
        # Returns are recorded, never changed or deleted.
        default_permissions = ("add", "view")
        constraints = [
            models.CheckConstraint(condition=Q(refund__gte=0), name="sale_return_refund_gte_0")
        ]

    def __str__(self):
        return gettext("Return #%(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("returns:detail", args=[self.pk])

    @property
    def label(self) -> str:
        return self.number or f"#{self.pk}"


class SaleReturnLineQuerySet(models.QuerySet):
    def in_period(self, start=None, end=None):
        queryset = self
        if start:
            queryset = queryset.filter(sale_return__date__gte=start)
        if end:
            queryset = queryset.filter(sale_return__date__lte=end)
        return queryset


class SaleReturnLine(models.Model):
    """Units of one sale line coming back, at the price paid and the cost they left with."""

    sale_return = models.ForeignKey(
        SaleReturn, on_delete=models.CASCADE, related_name="lines", verbose_name=_("sale return")
    )
    sale_line = models.ForeignKey(
        SaleLine, on_delete=models.PROTECT, related_name="return_lines", verbose_name=_("sale line")
    )
    # The sale line's, kept for the totals and reports per product.
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="sale_return_lines",
        verbose_name=_("product"),
    )
    quantity = models.DecimalField(
        verbose_name=_("quantity"),
        **LINE_QUANTITY,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(MAX_LINE_QUANTITY)],
    )
    restock = models.BooleanField(
        verbose_name=_("restock"),
        default=True,
        help_text=_("Back on the shelf; otherwise damaged and written off."),
    )
    reason = models.CharField(verbose_name=_("reason"), max_length=255, blank=True)
    # The sale line's price per unit and cost: the cost follows the sale line's
    # when a revaluation restates it. ``net_amount`` and ``tax_amount`` are the
    # part of the sale line's that these units were paid: in proportion, and
    # what is left of them when the line's last units come back.
    unit_price = models.DecimalField(
        verbose_name=_("unit price"), max_digits=12, decimal_places=2, editable=False
    )
    unit_cost = models.DecimalField(
        verbose_name=_("unit cost"), max_digits=14, decimal_places=4, editable=False
    )
    net_amount = models.DecimalField(
        verbose_name=_("net amount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    tax_amount = models.DecimalField(
        verbose_name=_("tax amount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )

    objects = SaleReturnLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("sale return line")
        verbose_name_plural = _("sale return lines")
        ordering = ["pk"]
        default_permissions = ("add", "view")  # as their return: never changed
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="sale_return_line_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, unit_cost__gte=0),
                name="sale_return_line_money_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(net_amount__gte=0, tax_amount__gte=0),
                name="sale_return_line_amounts_gte_0",
            ),
            *bounded_line_constraints("sale_return_line", "unit_price"),
        ]

    def __str__(self):
        return gettext("%(quantity)s × %(product)s back") % {
            "quantity": self.quantity,
            "product": self.product,
        }

    @property
    def value(self) -> Decimal:
        """What these units sold for, net of tax: what the sales totals lose."""
        return self.net_amount

    @property
    def gross_amount(self) -> Decimal:
        return self.net_amount + self.tax_amount

    @property
    def cost(self) -> Decimal:
        return self.quantity * self.unit_cost


class ReturnDayQuerySet(DailyTotalsQuerySet):
    def summed(self) -> dict:
        return {
            **super().summed(),
            "cost": Coalesce(Sum("cost"), Decimal("0"), output_field=COST_TOTAL),
            "written_off": Coalesce(Sum("written_off"), Decimal("0"), output_field=COST_TOTAL),
        }


class ReturnDay(DailyTotals):
    """Customer returns per day: ``value`` is what the units sold for (net of tax),
    ``cost`` what they cost when sold, ``written_off`` the cost of those that were damaged."""

    cost = models.DecimalField(
        verbose_name=_("cost"),
        max_digits=COST_TOTAL.max_digits,
        decimal_places=COST_TOTAL_PLACES,
        default=Decimal("0"),
    )
    written_off = models.DecimalField(
        verbose_name=_("written off"),
        max_digits=COST_TOTAL.max_digits,
        decimal_places=COST_TOTAL_PLACES,
        default=Decimal("0"),
    )

    objects = ReturnDayQuerySet.as_manager()

    class Meta(DailyTotals.Meta):
        verbose_name = _("return day")
        verbose_name_plural = _("return days")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    documents__gte=0, units__gte=0, value__gte=0, cost__gte=0, written_off__gte=0
                ),
                name="return_day_totals_gte_0",
            )
        ]
