from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Lower, Round, Upper
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.models import (
    COST_TOTAL_PLACES,
    LINE_QUANTITY,
    MAX_UNIT_PRICE,
    QUANTITY_PLACES,
    STOCK_QUANTITY,
    ArchivableModel,
    ArchivableQuerySet,
)
from core.quantities import as_typed, exact_quantity
from core.text import CodeField, NameField
from core.totals import add_to_totals
from people.models import Supplier
from stores.models import Store

# Constraints the stock engine recognises when a race reaches the database
# (see products.services.move_stock): one name, used in Meta and in the engine.
STOCK_LEVEL_QUANTITY_GTE_0 = "stock_level_quantity_gte_0"
MOVEMENT_BALANCE_AFTER_GTE_0 = "movement_balance_after_gte_0"

# Replenishment quantities (a minimum, a maximum, a multiple) per product and store.
REORDER_QUANTITY = {
    "max_digits": 13,
    "decimal_places": QUANTITY_PLACES,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(2_147_483_647)],
}

MONEY = {
    "max_digits": 12,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_UNIT_PRICE)],
}


class TaxRate(ArchivableModel):
    """A rate of sales tax, e.g. "VAT 20 %", "Reduced 5 %", "Zero".

    Document lines copy the percentage when they are recorded, so changing a
    rate changes what is sold from then on, never what was sold.
    """

    name = NameField(_("name"), max_length=60, unique=True)
    percent = models.DecimalField(
        _("rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["percent", "name"]
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="tax_rate_name_ci_unique"),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="tax_rate_percent_0_to_100"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tax_rates:detail", args=[self.pk])


class Category(ArchivableModel):
    """A group of products, e.g. "Fasteners"."""

    name = NameField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    # What new products of the category are taxed at, unless their form says otherwise.
    tax_rate = models.ForeignKey(
        TaxRate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("tax rate"),
        help_text=_("The tax rate new products of this category start with."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        # Case-insensitive, as for stores (see Store.Meta).
        constraints = [models.UniqueConstraint(Lower("name"), name="category_name_ci_unique")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("categories:detail", args=[self.pk])


class UnitQuerySet(ArchivableQuerySet):
    def standard(self) -> dict[str, "Unit"]:
        """The units every shop starts with, by symbol, created where missing."""
        units = {
            unit.symbol: unit for unit in self.filter(symbol__in=[u[0] for u in STANDARD_UNITS])
        }
        for symbol, name, plural, places in STANDARD_UNITS:
            if symbol not in units:
                units[symbol], _ = self.get_or_create(
                    symbol=symbol,
                    defaults={"name": name, "plural": plural, "decimal_places": places},
                )
        return units


# (symbol, name, plural, decimal places); the migration that introduced
# units created these.
STANDARD_UNITS = [
    ("pcs", "piece", "pieces", 0),
    ("box", "box", "boxes", 0),
    ("pack", "pack", "packs", 0),
    ("kg", "kilogram", "kilograms", 3),
    ("l", "litre", "litres", 3),
    ("m", "metre", "metres", 3),
]


class Unit(ArchivableModel):
    """A unit of measure products are counted in, and how fine its quantities may be.

    Pieces, boxes and packs are counted whole; metres, kilograms and litres in
    up to three decimal places. A managed list: staff add their own units.
    """

    symbol = NameField(
        _("symbol"), max_length=8, unique=True, help_text=_('Shown after quantities: "pcs", "m".')
    )
    name = NameField(_("name"), max_length=40, unique=True, help_text=_('"piece", "metre".'))
    plural = NameField(_("plural"), max_length=40, help_text=_('"pieces", "metres".'))
    decimal_places = models.PositiveSmallIntegerField(
        _("decimal places"),
        default=0,
        choices=[(places, str(places)) for places in range(QUANTITY_PLACES + 1)],
        help_text=_("How many decimal places a quantity may have: 0 counts whole units only."),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(
                condition=Q(decimal_places__lte=QUANTITY_PLACES), name="unit_decimal_places_lte_3"
            )
        ]

    def __str__(self):
        return self.name if self.name == self.symbol else f"{self.name} ({self.symbol})"

    def get_absolute_url(self):
        return reverse("units:detail", args=[self.pk])

    @property
    def step(self) -> Decimal:
        """The smallest quantity allowed: 1, 0.1, 0.01 or 0.001."""
        return Decimal(1).scaleb(-self.decimal_places)

    def refusal(self, quantity: Decimal) -> str | None:
        """Why ``quantity`` is not a quantity of this unit (too many decimal places), or None."""
        shown = as_typed(quantity)  # 2.5, not 2.500; 0.0005 as it was typed
        try:
            if quantity == quantity.quantize(self.step):
                return None
        except InvalidOperation:  # more digits than any quantity column holds
            return gettext("counted in %(units)s: %(quantity)s is far too large") % {
                "units": self.plural,
                "quantity": shown,
            }
        if self.decimal_places == 0:
            return gettext("counted in whole %(units)s: %(quantity)s is not a whole number") % {
                "units": self.plural,
                "quantity": shown,
            }
        return ngettext(
            "counted in %(units)s to at most one decimal place: %(quantity)s has more",
            "counted in %(units)s to at most %(count)s decimal places: %(quantity)s has more",
            self.decimal_places,
        ) % {"units": self.plural, "quantity": shown, "count": self.decimal_places}


# Statuses of documents of the apps above this one, which it reaches only through the
# relations they give products (it may not import them): purchases'
# PurchaseOrder.Status.DRAFT and transfers' Transfer.Status.DISPATCHED.
DRAFT_ORDER_STATUS = "draft"
IN_TRANSIT_STATUS = "dispatched"


def _lines_total(relation: str, **conditions):
    """The quantity of the product's document lines reached through ``relation`` (a related
    name on Product) that meet ``conditions``, 0 when none: a correlated subquery."""
    quantity = models.DecimalField(**STOCK_QUANTITY)
    lines = Product._meta.get_field(relation).related_model.objects
    total = (
        lines.filter(product=OuterRef("pk"), **conditions)
        .order_by()
        .values("product")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=quantity), Decimal("0"), output_field=quantity)


# Quantities have three decimal places: two that differ, differ by 0.001 at least.
# Compared with half of that to spare, a sum SQLite added as floating point
# (0.1 + 0.2) is still at or below 0.3, without rounding.
HALF_STEP = Value(Decimal("0.0005"), output_field=models.DecimalField(**STOCK_QUANTITY))


class ProductQuerySet(ArchivableQuerySet):
    def tax_percents(self) -> dict[int, Decimal]:
        """Product id -> the percentage it is taxed at now (0 when untaxed), in one query:
        what sale and purchase lines copy when they are recorded."""
        return {
            pk: percent if percent is not None else Decimal("0")
            for pk, percent in self.values_list("pk", "tax_rate__percent")
        }

    def on_order(self, ordered: bool = True):
        """The products with something on order at any store (``ordered=False``: with nothing)."""
        return self.filter(on_order__gt=0) if ordered else self.filter(on_order=0)

    def below_reorder_level(self):
        """Products whose total on-hand is at or below their reorder level."""
        return self.filter(at_reorder_level=True)

    def with_projected(self):
        """Annotate ``projected``, across all stores: on hand
        + on order + on draft purchase orders + in transit between stores.

        A draft transfer adds nothing: its units are still on hand at its source.
        """
        quantity = models.DecimalField(**STOCK_QUANTITY)
        return self.alias(
            on_drafts=_lines_total("purchase_order_lines", order__status=DRAFT_ORDER_STATUS),
            in_transit=_lines_total("transfer_lines", transfer__status=IN_TRANSIT_STATUS),
        ).annotate(
            projected=Round(
                F("on_hand") + F("on_order") + F("on_drafts") + F("in_transit"),
                QUANTITY_PLACES,
                output_field=quantity,
            )
        )

    def needing_reorder(self):
        """Products of active suppliers whose projected stock (see :meth:`with_projected`)
        is at or below their reorder level: what the shop as a whole should order.

        A reorder level of 0 is "no level set" (a new product starts there): such a
        product is never listed, out of stock or not, as in the per-store rows.
        """
        return self.reorder_candidates().with_projected().filter(projected__lte=F("reorder_level"))

    def reorder_candidates(self):
        """Products of active suppliers, with a reorder level, at or below it on hand: those
        of :meth:`needing_reorder` and the ones whose orders, drafts and units in transit
        take them above it. What is coming only adds, so a product above its reorder level
        on hand is above it projected too; the flag is indexed."""
        # The supplier's state as EXISTS, not a join: with planner statistics SQLite
        # expected half the products at their level (the flag has two values) and built
        # a Bloom filter over the join, 10 ms instead of 1 for the 425 of the large demo.
        active_supplier = Exists(
            Supplier.objects.filter(pk=OuterRef("supplier_id"), is_active=True)
        )
        return self.filter(active_supplier, reorder_level__gt=0, at_reorder_level=True)


class Product(ArchivableModel):
    """Something the stores buy and sell. Stock is held per store in :class:`StockLevel`."""

    # Stored upper-case (see save()), so uniqueness is case-insensitive on
    # every database, including MariaDB where functional unique indexes are
    # not available.
    sku = CodeField(_("SKU"), max_length=40, unique=True)
    name = NameField(_("name"), max_length=200, db_index=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    supplier = models.ForeignKey(
        "people.Supplier",
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("supplier"),
    )
    # No default in the model (a migration would have to import it): the
    # product form offers pieces first.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("unit of measure"),
    )
    # Bought in packs of a fixed size (a box of 500 screws): purchase lines
    # may be entered in packs and are stored in units.
    pack_size = models.DecimalField(
        _("pack size"),
        **LINE_QUANTITY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(1_000_000)],
        help_text=_("Units in one pack the supplier sells, if it sells packs."),
    )
    pack_name = models.CharField(
        _("pack name"),
        max_length=20,
        blank=True,
        help_text=_('What a pack is called: "box", "roll".'),
    )
    cost_price = models.DecimalField(_("cost price"), **MONEY, default=Decimal("0.00"))
    sale_price = models.DecimalField(
        _("sale price"), **MONEY, default=Decimal("0.00"), db_index=True
    )
    # None: untaxed. Sale and purchase lines copy its percentage when recorded.
    tax_rate = models.ForeignKey(
        TaxRate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("tax rate"),
        help_text=_("Blank: the category's rate."),
    )
    # Up to 2,147,483,647, the most the integer column it replaced held.
    reorder_level = models.DecimalField(
        _("reorder level"),
        max_digits=13,
        decimal_places=QUANTITY_PLACES,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(2_147_483_647)],
    )
    # Moving-average cost of the units on hand, kept by the stock engine.
    average_cost = models.DecimalField(
        _("average cost"), max_digits=14, decimal_places=4, default=Decimal("0"), editable=False
    )
    description = models.TextField(_("description"), blank=True)
    # The present state, kept by the stock engine (products.services) under the
    # product's row lock, so lists, reports and the dashboard read one column
    # instead of summing every stock row: units held across all stores, and
    # ordered from suppliers and not yet received. verify_stock checks both
    # against the stock rows (products.state).
    on_hand = models.DecimalField(
        _("on hand"), **STOCK_QUANTITY, default=Decimal("0"), editable=False
    )
    on_order = models.DecimalField(
        _("on order"), **STOCK_QUANTITY, default=Decimal("0"), editable=False
    )
    # On hand across all stores at or below the reorder level: stored and indexed,
    # so the "at or below reorder level" and "needs reordering" filters and the
    # dashboard read the few products that match, not all of them. The database
    # recomputes it whenever the engine moves on_hand or a user sets the level.
    # Compared with half a step to spare, as StockLevel.needs_replenishing is:
    # SQLite adds quantities as floating point. No translatable label, as for the
    # stock rows' generated columns: no page shows it.
    at_reorder_level = models.GeneratedField(
        expression=Q(LessThanOrEqual(F("on_hand"), F("reorder_level") + HALF_STEP)),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        permissions = [
            ("adjust_stock", "Can adjust stock levels (stocktake)"),
            # Need-to-know (products.costs): managers hold it, clerks do not.
            ("view_costs", "Can see costs, margins and stock value"),
        ]
        indexes = [
            # The products list: active ones by name. With only the is_active
            # index SQLite fetched every active product, computed its on-hand
            # and sorted them all to show 25.
            models.Index(fields=["is_active", "name", "id"], name="product_active_name"),
            # Sorted by stock held: the page's rows read in index order.
            models.Index(fields=["is_active", "on_hand", "id"], name="product_active_on_hand"),
            # The few at or below their reorder level, by name (2 % at the large demo).
            models.Index(
                fields=["at_reorder_level", "is_active", "name", "id"],
                name="product_at_reorder_level",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sku=Upper("sku")), name="product_sku_upper_case"),
            models.CheckConstraint(condition=Q(cost_price__gte=0), name="product_cost_price_gte_0"),
            models.CheckConstraint(condition=Q(sale_price__gte=0), name="product_sale_price_gte_0"),
            models.CheckConstraint(
                condition=Q(cost_price__lte=MAX_UNIT_PRICE, sale_price__lte=MAX_UNIT_PRICE),
                name="product_prices_lte_max",
            ),
            models.CheckConstraint(
                condition=Q(reorder_level__gte=0), name="product_reorder_level_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(average_cost__gte=0), name="product_average_cost_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(pack_size__isnull=True) | Q(pack_size__gt=0),
                name="product_pack_size_gt_0",
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0, on_order__gte=0), name="product_stock_totals_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"

    @property
    def tax_percent(self) -> Decimal:
        """The percentage its sales and purchases are taxed at (0 when untaxed)."""
        return self.tax_rate.percent if self.tax_rate_id else Decimal("0")

    def get_absolute_url(self):
        return reverse("products:detail", args=[self.pk])

    def save(self, *args, update_fields=None, **kwargs):
        self.sku = self.sku.strip().upper()
        adding = self._state.adding
        if adding and self.tax_rate_id is None and self.category_id is not None:
            # A new product is taxed as its category unless it says otherwise.
            self.tax_rate_id = (
                Category.objects.filter(pk=self.category_id).values_list("tax_rate", flat=True)
            ).first()
        if update_fields is None and not adding:
            # These belong to the stock engine, which updates them under a row
            # lock; writing back the values this instance read earlier could
            # undo a purchase recorded meanwhile.
            update_fields = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and not field.generated and field.name not in ENGINE_FIELDS
            ]
        with transaction.atomic():
            super().save(*args, update_fields=update_fields, **kwargs)
            if not adding and (update_fields is None or "reorder_level" in update_fields):
                # The stores' rows keep the minimum in force (this reorder level,
                # where the store sets none of its own).
                StockLevel.objects.filter(product=self).refresh_rules()


# Product columns only the stock engine writes (see Product.save).
ENGINE_FIELDS = frozenset({"average_cost", "on_hand", "on_order"})


@dataclass(frozen=True)
class StockRule:
    """The replenishment rule of one product at one store; None: the product's default."""

    product_id: int
    store_id: int
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    multiple: Decimal | None = None

    @property
    def is_default(self) -> bool:
        return self.minimum is None and self.maximum is None and self.multiple is None


# How many keys one IN (...) lists: SQLite refuses statements with too many parameters.
IN_CHUNK = 500

# Sent by StockLevel.objects.set_rules inside its transaction, with ``changes``: a list of
# (rule before, rule after) pairs, one per stock row whose rule changed (a row created
# for a rule: before is the default). Its UPDATE sends no model signal; the audit app
# records these (audit.rules), so this app need not know it.
stock_rules_changed = Signal()


def listed_in_force():
    """The expression of a stock row's ``listed``: its product, the product's supplier and
    its store are all active."""
    active = Exists(
        Product.objects.filter(
            pk=OuterRef("product_id"),
            is_active=True,
            supplier__in=Supplier.objects.filter(is_active=True).values("pk"),
        )
    ) & Exists(Store.objects.filter(pk=OuterRef("store_id"), is_active=True))
    return Case(When(active, then=Value(True)), default=Value(False))


def rule_in_force():
    """The expressions of a stock row's minimum and maximum in force (see
    :meth:`StockLevelQuerySet.refresh_rules`), from its rule and its product's reorder level."""
    quantity = models.DecimalField(**REORDER_QUANTITY)
    reorder_level = Subquery(
        Product.objects.filter(pk=OuterRef("product_id")).values("reorder_level")[:1],
        output_field=quantity,
    )
    # The maximum repeats the minimum's expression, not F("minimum"): in an UPDATE
    # MariaDB would read the new value there, the others the old one.
    minimum = Coalesce(F("reorder_point"), reorder_level, output_field=quantity)
    maximum = Greatest(
        Coalesce(F("order_up_to"), minimum * 2, output_field=quantity),
        minimum,
        output_field=quantity,
    )
    return minimum, maximum


class StockLevelQuerySet(models.QuerySet):
    def set_rules(self, rules: list[StockRule]) -> int:
        """Save each rule of ``rules`` on its stock row; return how many rows changed.

        Only the three rule columns are written (an UPDATE of those columns), so
        a sale or receipt running meanwhile keeps its quantity and on-order. A
        (product, store) without a row gets one at zero, created under the
        product's row lock as the stock engine creates its rows (see
        products.services._lock), so neither trips over the other's insert.
        A default rule for a missing row creates nothing.
        """
        rules = {(rule.product_id, rule.store_id): rule for rule in rules}
        product_ids = sorted({product_id for product_id, _ in rules})
        with transaction.atomic():
            # Every product first, in the engine's order (ascending), before any row:
            # refresh_rules rewrites all stores' rows of these products, as a purchase
            # moving an average does under the same locks.
            for start in range(0, len(product_ids), IN_CHUNK):
                list(
                    Product.objects.select_for_update()
                    .filter(pk__in=product_ids[start : start + IN_CHUNK])
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
            saved = self._saved_rules(product_ids)
            missing = sorted(
                key for key, rule in rules.items() if key not in saved and not rule.is_default
            )
            if missing:
                self.model.objects.bulk_create(
                    [
                        self.model(
                            product_id=product_id,
                            store_id=store_id,
                            reorder_point=rules[product_id, store_id].minimum,
                            order_up_to=rules[product_id, store_id].maximum,
                            order_multiple=rules[product_id, store_id].multiple,
                        )
                        for product_id, store_id in missing
                        if (product_id, store_id) not in saved
                    ]
                )
            # Rows that take the same values change in one UPDATE.
            changes: dict[tuple, list[int]] = {}
            changed_products = set()
            for key, rule in rules.items():
                if key in saved and saved[key][1:] != (rule.minimum, rule.maximum, rule.multiple):
                    changed_products.add(key[0])
                    changes.setdefault((rule.minimum, rule.maximum, rule.multiple), []).append(
                        saved[key][0]
                    )
            for (minimum, maximum, multiple), pks in changes.items():
                for start in range(0, len(pks), IN_CHUNK):
                    self.model.objects.filter(pk__in=pks[start : start + IN_CHUNK]).update(
                        reorder_point=minimum, order_up_to=maximum, order_multiple=multiple
                    )
            created_keys = set(missing)
            changed_rules = [
                (
                    StockRule(*key, *saved[key][1:]) if key in saved else StockRule(*key),
                    rule,
                )
                for key, rule in sorted(rules.items())
                if key in created_keys
                or (key in saved and saved[key][1:] != (rule.minimum, rule.maximum, rule.multiple))
            ]
            if changed_rules:
                stock_rules_changed.send(sender=self.model, changes=changed_rules)
            # The rule in force of every row written (created rows: by product).
            touched = sorted({pid for pid, _ in missing} | changed_products)
            for start in range(0, len(touched), IN_CHUNK):
                self.model.objects.filter(
                    product_id__in=touched[start : start + IN_CHUNK]
                ).refresh_rules()
            created_in = sorted({pid for pid, _ in missing})
            for start in range(0, len(created_in), IN_CHUNK):
                self.model.objects.filter(
                    product_id__in=created_in[start : start + IN_CHUNK]
                ).refresh_listing()
        created = sum(1 for key in missing if key not in saved)
        return created + sum(len(pks) for pks in changes.values())

    set_rules.alters_data = True

    def _saved_rules(self, product_ids: list[int]) -> dict[tuple[int, int], tuple]:
        """(product id, store id) -> (row id, minimum, maximum, multiple) of existing rows."""
        saved = {}
        for start in range(0, len(product_ids), IN_CHUNK):
            rows = self.model.objects.filter(
                product_id__in=product_ids[start : start + IN_CHUNK]
            ).values_list(
                "product_id", "store_id", "pk", "reorder_point", "order_up_to", "order_multiple"
            )
            saved.update({(row[0], row[1]): row[2:] for row in rows})
        return saved

    def revalue_at(self, average_cost: Decimal, rows: list[tuple] | None = None) -> dict:
        """Set these rows' ``stock_value`` to their quantity at ``average_cost`` (their product's
        new average cost); called under the product's row lock. Returns how much each
        store's value changed (store id -> amount), for :class:`StoreStock`.

        ``rows``: these rows' (store id, quantity, stock value) as they are now, if the
        caller has read them already; else they are read here (one query).
        """
        if rows is None:
            rows = list(self.values_list("store_id", "quantity", "stock_value"))
        self.update(stock_value=F("quantity") * Value(average_cost))
        changes: dict[int, Decimal] = {}
        for store_id, quantity, value in rows:
            changes[store_id] = changes.get(store_id, Decimal("0")) + (
                quantity * average_cost - value
            )
        return changes

    revalue_at.alters_data = True

    def refresh_listing(self) -> int:
        """Store on each of these rows whether its product, the product's supplier and its
        store are all active (``listed``); return how many rows were written."""
        return self.update(listed=listed_in_force())

    refresh_listing.alters_data = True

    def refresh_rules(self) -> int:
        """Store the rule in force (``minimum``, ``maximum``) on each of these rows; return
        how many rows were written.

        Called by whatever changes a rule or a product's reorder level (see
        :meth:`set_rules` and ``Product.save``), so the flag that lists a row
        for replenishing (``needs_replenishing``, a stored generated column) is
        always current and indexed. The minimum is the store's own, else the
        product's reorder level; the maximum the store's own, else twice the
        minimum, and never below the minimum: a maximum set for the store stays
        as it was when the product's reorder level is raised past it, and then
        the minimum is the maximum too, so a transfer never takes a store below
        its minimum as "surplus".
        """
        minimum, maximum = rule_in_force()
        return self.update(minimum=minimum, maximum=maximum)

    refresh_rules.alters_data = True

    def with_rule(self):
        """Annotate ``multiple``, the order multiple in force: the store's own, else the
        product's pack size, else 1. (``minimum`` and ``maximum`` are stored, see
        :meth:`refresh_rules`.)"""
        quantity = models.DecimalField(**STOCK_QUANTITY)
        return self.annotate(
            multiple=Coalesce(
                F("order_multiple"), F("product__pack_size"), Decimal("1"), output_field=quantity
            ),
        )


STOCKED = F("quantity") + F("on_order")


class StockLevel(models.Model):
    """How many units of one product one store holds right now.

    Changed only by :func:`products.services.move_stock`, which also writes
    the :class:`StockMovement` that explains the change.
    """

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="stock_levels", verbose_name=_("product")
    )
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="stock_levels",
        verbose_name=_("store"),
    )
    quantity = models.DecimalField(_("quantity"), **STOCK_QUANTITY, default=Decimal("0"))
    # Ordered from suppliers and not yet received: the outstanding quantities
    # of this store's open purchase orders, kept by the purchases app through
    # products.services.change_on_order (verify_stock checks it).
    on_order = models.DecimalField(
        _("on order"), **STOCK_QUANTITY, default=Decimal("0"), editable=False
    )
    # Replenishment at this store: reorder when projected stock falls to
    # ``reorder_point``, order up to ``order_up_to``, in multiples of
    # ``order_multiple``. Blank: the product's defaults (see effective_rule).
    reorder_point = models.DecimalField(
        _("minimum"), **REORDER_QUANTITY, null=True, blank=True,
        help_text=_("Reorder when projected stock is at or below this. Blank: the product's "
        "reorder level."),
    )  # fmt: skip
    order_up_to = models.DecimalField(
        _("maximum"), **REORDER_QUANTITY, null=True, blank=True,
        help_text=_("Order up to this level. Blank: twice the minimum."),
    )  # fmt: skip
    order_multiple = models.DecimalField(
        _("order multiple"), **REORDER_QUANTITY, null=True, blank=True,
        help_text=_("Order in multiples of this. Blank: the product's pack size, or one unit."),
    )  # fmt: skip

    # What the units on hand are worth at the product's average cost (quantity ×
    # average cost, exact), kept by the stock engine and by revaluations whenever
    # either changes, so the stock value per store is a sum of one indexed column.
    stock_value = models.DecimalField(
        _("stock value"),
        max_digits=27,
        decimal_places=COST_TOTAL_PLACES,
        default=Decimal("0"),
        editable=False,
    )
    # The rule in force (see StockLevelQuerySet.refresh_rules), kept by whatever
    # changes a rule or the product's reorder level, and checked by verify_stock.
    minimum = models.DecimalField(
        _("minimum"),
        max_digits=13,
        decimal_places=QUANTITY_PLACES,
        default=Decimal("0"),
        editable=False,
    )
    maximum = models.DecimalField(
        _("maximum"),
        max_digits=13,
        decimal_places=QUANTITY_PLACES,
        default=Decimal("0"),
        editable=False,
    )
    # Listed, and at or below the minimum counting what is on order, with room
    # below the maximum: the replenishment list's and the dashboard's rows (what is
    # planned or on the road is checked on top, see replenishment.selectors).
    # Stored and indexed, so a count or a page reads the matching rows only.
    # The product, its supplier and the store are all active (not archived): kept
    # by their saves (products.signals), so the replenishment list and its count
    # read the index alone, not a product and supplier row per stock row.
    listed = models.BooleanField(_("listed"), default=True, editable=False)
    # On hand and on order: what the dashboard lists the lowest first, by index.
    # The two generated columns have no translatable verbose_name: no page shows them,
    # and any AlterField of a GeneratedField rebuilds the whole table on SQLite.
    stocked = models.GeneratedField(
        expression=Round(STOCKED, QUANTITY_PLACES),
        output_field=models.DecimalField(**STOCK_QUANTITY),
        db_persist=True,
    )
    needs_replenishing = models.GeneratedField(
        expression=Q(listed=True)
        & Q(LessThanOrEqual(STOCKED, F("minimum") + HALF_STEP))
        & Q(GreaterThan(F("maximum"), STOCKED + HALF_STEP)),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        indexes = [
            models.Index(
                fields=["needs_replenishing", "store", "product"], name="stock_level_needs"
            ),
            # The lowest first (the dashboard); covering, so the listings that pick it
            # read no table row either.
            models.Index(
                fields=["needs_replenishing", "stocked", "id", "product", "store"],
                name="stock_level_needs_lowest",
            ),
            # The stock value and units per store: a covering index, no table read. Not
            # led by store: MariaDB checks a foreign key whenever the entry of its index
            # (the first one led by the key's column) changes, and every stock change
            # would then lock the store rows, against an archiving of a store.
            models.Index(
                fields=["quantity", "stock_value", "store"], name="stock_level_store_value"
            ),
            # The stock report by value: the page's rows without sorting every stock row.
            models.Index(fields=["-stock_value", "product", "store"], name="stock_level_value"),
        ]
        # No default ordering: an ordering across joins would make MariaDB lock
        # the joined store and product rows too in the engine's SELECT ... FOR UPDATE.
        constraints = [
            models.UniqueConstraint(fields=["product", "store"], name="stock_level_product_store"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name=STOCK_LEVEL_QUANTITY_GTE_0),
            models.CheckConstraint(condition=Q(on_order__gte=0), name="stock_level_on_order_gte_0"),
            models.CheckConstraint(
                condition=(Q(reorder_point__isnull=True) | Q(reorder_point__gte=0))
                & (Q(order_up_to__isnull=True) | Q(order_up_to__gte=0))
                & (Q(order_multiple__isnull=True) | Q(order_multiple__gt=0)),
                name="stock_level_rule_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(reorder_point__isnull=True)
                | Q(order_up_to__isnull=True)
                | Q(order_up_to__gte=F("reorder_point")),
                name="stock_level_maximum_gte_minimum",
            ),
        ]

    def __str__(self):
        return gettext("%(quantity)s × %(product)s at %(store)s") % {
            "quantity": self.quantity,
            "product": self.product.name,
            "store": self.store.name,
        }

    @classmethod
    def empty(cls, product: Product, store_id: int) -> "StockLevel":
        """A new row of ``product`` at ``store_id`` holding nothing, with the product's
        default rule in force (see :meth:`StockLevelQuerySet.refresh_rules`)."""
        return cls(
            product_id=product.pk,
            store_id=store_id,
            quantity=Decimal("0"),
            minimum=product.reorder_level,
            maximum=product.reorder_level * 2,
        )

    @property
    def is_below_reorder_level(self) -> bool:
        return self.quantity <= self.product.reorder_level


# How many parts each store's stock totals are kept in (see StoreStock): a product
# adds to part ``product_id % STOCK_STRIPES`` of its store's.
STOCK_STRIPES = 16


class StoreStockQuerySet(models.QuerySet):
    def add(self, changes: dict[tuple[int, int], dict[str, Decimal]]) -> None:
        """Add each of ``changes`` ((store id, stripe) -> signed ``{"on_hand": …,
        "stock_value": …}``) to its part, creating missing parts: one statement, parts
        in key order."""
        changes = {key: amounts for key, amounts in changes.items() if any(amounts.values())}
        add_to_totals(self.model, ("store_id", "stripe"), changes, signed=True)

    add.alters_data = True

    def per_store(self):
        """``store_id``, ``units``, ``value``: each store's parts summed (stores holding units)."""
        return (
            self.order_by()
            .values("store_id")
            .annotate(units=Sum("on_hand"), value=Sum("stock_value"))
            .filter(units__gt=0)
        )

    def rows_in_stock(self) -> int:
        """How many stock rows hold units, at every store (what ``quantity > 0`` counts)."""
        return self.aggregate(rows=Coalesce(Sum("rows_in_stock"), 0))["rows"]


class StoreStock(models.Model):
    """Units on hand at one store and their value, kept by the stock engine in parts.

    The sums of the store's ``StockLevel.quantity`` and ``stock_value``, and how
    many of its stock rows hold units, so the dashboard and the stock report read
    a few rows, not 160,000 stock rows. In ``STOCK_STRIPES`` parts (a product
    adds to part ``product_id % STOCK_STRIPES``): sales of different products at
    one store mostly update different rows, so this total does not queue every
    sale of the store behind the one before.
    verify_stock checks the parts against the stock rows; rebuild_totals
    recomputes them (products.state).
    """

    # No foreign key in the database: MariaDB would check it (a shared lock on the store
    # row) on each upsert, under the stock rows' locks, and so deadlock with archiving
    # the store (which locks the store, then its stock rows). A store with a part has
    # stock rows, which keep it from being deleted.
    store = models.ForeignKey(
        Store,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
        verbose_name=_("store"),
    )
    stripe = models.PositiveSmallIntegerField(_("part"))
    on_hand = models.DecimalField(
        _("on hand"), max_digits=24, decimal_places=QUANTITY_PLACES, default=Decimal("0")
    )
    stock_value = models.DecimalField(
        _("stock value"), max_digits=32, decimal_places=COST_TOTAL_PLACES, default=Decimal("0")
    )
    # How many of the part's stock rows hold units: the stock report's rows, counted
    # without reading 116,000 of them (a sequential scan on PostgreSQL, 40 ms).
    rows_in_stock = models.IntegerField(_("stock rows with units"), default=0)

    objects = StoreStockQuerySet.as_manager()

    class Meta:
        verbose_name = _("store stock total")
        verbose_name_plural = _("store stock totals")
        default_permissions = ()  # written by the stock engine only
        # No CHECK (units >= 0): a part's changes are added in one upsert, whose
        # proposed row may hold a negative amount (see core.totals.add_to_totals).
        constraints = [
            models.UniqueConstraint(fields=["store", "stripe"], name="store_stock_store_stripe")
        ]

    def __str__(self):
        return f"{self.store_id}/{self.stripe}: {self.on_hand}"


def stripe_of(product_id: int) -> int:
    """The part of its store's :class:`StoreStock` a product's stock adds to."""
    return product_id % STOCK_STRIPES


def add_store_stock_changes(
    changes: dict,
    product_id: int,
    *,
    units: dict | None = None,
    values: dict | None = None,
    rows: dict | None = None,
) -> dict:
    """Add a product's changes of units, of value and of stock rows holding units (+1 for
    a row that had none and has some, -1 the other way) per store (store id -> amount) to
    ``changes``, the argument of :meth:`StoreStockQuerySet.add`; return ``changes``."""
    units, values, rows = units or {}, values or {}, rows or {}
    stripe = stripe_of(product_id)
    for store_id in units.keys() | values.keys() | rows.keys():
        amounts = changes.setdefault(
            (store_id, stripe),
            {"on_hand": Decimal("0"), "stock_value": Decimal("0"), "rows_in_stock": 0},
        )
        amounts["on_hand"] += units.get(store_id, Decimal("0"))
        amounts["stock_value"] += values.get(store_id, Decimal("0"))
        amounts["rows_in_stock"] += rows.get(store_id, 0)
    return changes


# The ledger fields a revaluation may restate (see products.valuation): what a
# movement was worth. What moved, where, when and why never changes.
VALUATION_FIELDS = frozenset({"unit_cost", "value", "average_cost_after"})


class ImmutableQuerySet(models.QuerySet):
    """Movements are history: deletes are refused, and updates of anything but their valuation."""

    def update(self, **kwargs):
        if not kwargs or not set(kwargs) <= VALUATION_FIELDS:
            raise TypeError("Stock movements are immutable.")
        return super().update(**kwargs)

    def delete(self):
        raise TypeError("Stock movements are immutable.")


class StockMovement(models.Model):
    """One immutable line of the stock ledger.

    For every (product, store) the on-hand quantity equals the sum of its
    movements; ``verify_stock`` checks it.

    Each movement also says what it was worth: ``unit_cost`` and the signed
    ``value`` it moved, and the product's moving-average cost after it. A
    movement "at average" (a sale, most adjustments) moves units at the
    average of the moment; the others carry their own cost (a purchase).
    Replaying a product's movements in order, leaving out every voided pair,
    gives each of these figures again (see :mod:`products.valuation`).
    """

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        PURCHASE_VOID = "purchase_void", _("Purchase void")
        SALE = "sale", _("Sale")
        SALE_VOID = "sale_void", _("Sale void")
        ADJUSTMENT = "adjustment", _("Adjustment")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_OUT_VOID = "transfer_out_void", _("Transfer out void")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        TRANSFER_IN_VOID = "transfer_in_void", _("Transfer in void")
        TRANSIT_VARIANCE = "transit_variance", _("Transit variance")
        TRANSIT_VARIANCE_VOID = "transit_variance_void", _("Transit variance void")
        # Returns reference the document they return against (the sale, the
        # purchase) as their document_id: they carry the cost its movement moved at.
        SALE_RETURN = "sale_return", _("Customer return")
        PURCHASE_RETURN = "purchase_return", _("Return to supplier")
        # Stock a shop had when it started using the app, entered by an import at its cost;
        # document_id is the import record (imports.ImportRun).
        OPENING = "opening", _("Opening balance")

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="movements", verbose_name=_("product")
    )
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name=_("store"),
    )
    quantity = models.DecimalField(
        _("quantity"), **STOCK_QUANTITY, help_text=_("Signed: positive in, negative out.")
    )
    balance_after = models.DecimalField(_("balance after"), **STOCK_QUANTITY)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind)
    at_average_cost = models.BooleanField(
        _("at average cost"),
        default=False,
        help_text=_("Moved at the average cost of the moment, not a cost of its own."),
    )
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=14, decimal_places=4, default=Decimal("0")
    )
    # Exact: a quantity (3 places) times a cost (4 places).
    value = models.DecimalField(
        _("value"),
        max_digits=28,
        decimal_places=7,
        default=Decimal("0"),
        help_text=_("Signed, as the quantity."),
    )
    average_cost_after = models.DecimalField(
        _("average cost after"), max_digits=14, decimal_places=4, default=Decimal("0")
    )
    # The purchase or sale this came from (by kind); documents are voided,
    # never deleted, so the reference always resolves.
    document_id = models.PositiveBigIntegerField(_("document id"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [
            models.Index(fields=["product", "store", "-created_at"], name="movement_product_store"),
            # The product page's latest movements across all stores: without it
            # PostgreSQL walks the created_at index backwards over every product.
            models.Index(fields=["product", "-created_at", "-id"], name="movement_product_recent"),
            models.Index(fields=["kind", "document_id"], name="movement_document"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_not_0"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name=MOVEMENT_BALANCE_AFTER_GTE_0
            ),
            # Value moves the way the units do; no cost is ever negative.
            models.CheckConstraint(
                condition=Q(quantity__gt=0, value__gte=0) | Q(quantity__lt=0, value__lte=0),
                name="movement_value_sign",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0, average_cost_after__gte=0),
                name="movement_costs_gte_0",
            ),
        ]

    def __str__(self):
        return gettext("%(kind)s %(quantity)s × %(product)s at %(store)s") % {
            "kind": self.get_kind_display(),
            "quantity": f"{self.quantity:+}",
            "product": self.product.name,
            "store": self.store.name,
        }

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Stock movements are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Stock movements are immutable.")

    def get_document_url(self) -> str | None:
        url_name = _document_url_names.get(self.kind)
        if self.document_id is None or url_name is None:
            return None
        return reverse(url_name, args=[self.document_id])


# What each kind of void takes back: a void and the movement it reverses
# are a pair that valuation leaves out, as if the document never existed.
VOIDED_KIND = {
    StockMovement.Kind.PURCHASE_VOID: StockMovement.Kind.PURCHASE,
    StockMovement.Kind.SALE_VOID: StockMovement.Kind.SALE,
    StockMovement.Kind.TRANSFER_OUT_VOID: StockMovement.Kind.TRANSFER_OUT,
    StockMovement.Kind.TRANSFER_IN_VOID: StockMovement.Kind.TRANSFER_IN,
    StockMovement.Kind.TRANSIT_VARIANCE_VOID: StockMovement.Kind.TRANSIT_VARIANCE,
}

# The movements of goods between stores: what left less what arrived or went
# back is what is in transit, per product and transfer.
IN_TRANSIT_KINDS = (
    StockMovement.Kind.TRANSFER_OUT,
    StockMovement.Kind.TRANSFER_OUT_VOID,
    StockMovement.Kind.TRANSFER_IN,
    StockMovement.Kind.TRANSFER_IN_VOID,
)


def fractional_in_transit(products: models.QuerySet, places: int) -> list[str]:
    """Names of ``products`` with units in transit finer than ``places`` decimal places."""
    step = Decimal(1).scaleb(-places)
    in_transit = (
        StockMovement.objects.filter(product__in=products, kind__in=IN_TRANSIT_KINDS)
        .values("product__name", "document_id")
        .annotate(quantity=Sum(-F("quantity")))
    )
    return sorted(
        {
            row["product__name"]
            for row in in_transit
            if (quantity := exact_quantity(row["quantity"])) != quantity.quantize(step)
        }
    )


# Movements that carry the cost another movement of the same document left
# with: goods in transit arrive (or are found missing) at the cost they left
# their store with, so a transfer moves value, never creates or loses it. When
# a revaluation re-costs the leaving movement, these follow it.
CARRIES_COST_OF = {
    StockMovement.Kind.TRANSFER_IN: StockMovement.Kind.TRANSFER_OUT,
    StockMovement.Kind.TRANSIT_VARIANCE: StockMovement.Kind.TRANSFER_OUT,
    # A customer's units come back at the cost they left with, so gross profit
    # reverses exactly; units go back to a supplier at the cost they came in at.
    StockMovement.Kind.SALE_RETURN: StockMovement.Kind.SALE,
    StockMovement.Kind.PURCHASE_RETURN: StockMovement.Kind.PURCHASE,
}


def stores_receiving(product) -> models.QuerySet:
    """Stores with units of ``product`` in transit to them, each with ``in_transit``: the
    product's lines of dispatched transfers to it, in one query.

    Through the relations the transfers app gives stores (this layer does not import it).
    """
    return Store.objects.filter(
        transfers_in__status=IN_TRANSIT_STATUS, transfers_in__lines__product=product
    ).annotate(
        # Rounded: SQLite sums as floating point.
        in_transit=Round(
            Sum("transfers_in__lines__quantity"),
            QUANTITY_PLACES,
            output_field=models.DecimalField(**STOCK_QUANTITY),
        )
    )


# The detail page of the document each kind of movement comes from, filled by
# the document apps in their AppConfig.ready(): the ledger links to documents
# without importing the apps that own them.
_document_url_names: dict[str, str] = {}


def register_movement_documents(kinds, url_name: str) -> None:
    """Link movements of ``kinds`` to the document page named ``url_name`` ("sales:detail")."""
    for kind in kinds:
        _document_url_names[kind] = url_name
