from decimal import Decimal

from django import forms
from django.db.models import Q
from django.db.models.functions import Round
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.crud import CaseInsensitiveUniqueMixin, ListFilterForm
from core.models import MAX_LINE_QUANTITY
from core.pickers import RecordField, RecordInput, key_in
from core.quantities import QuantityField, plain_quantity
from people.models import Supplier
from products.models import (
    Category,
    Product,
    StockLevel,
    StockRule,
    TaxRate,
    Unit,
    fractional_in_transit,
)
from products.search import matching
from stores.models import Store


def active_or_current(queryset, current_pk):
    """Pickers offer active records, plus the one already chosen even if it was archived since."""
    return queryset.filter(Q(is_active=True) | Q(pk=current_pk))


class TaxRateChoiceField(forms.ModelChoiceField):
    """A tax rate picker whose options say the percentage: "Reduced (5 %)"."""

    def label_from_instance(self, obj):
        return gettext("%(name)s (%(percent)s %%)") % {
            "name": obj.name,
            "percent": plain_quantity(obj.percent),
        }


class TaxRateForm(CaseInsensitiveUniqueMixin, forms.ModelForm):
    case_insensitive_unique = ("name",)

    class Meta:
        model = TaxRate
        fields = ["name", "percent"]


class CategoryForm(CaseInsensitiveUniqueMixin, forms.ModelForm):
    case_insensitive_unique = ("name",)

    class Meta:
        model = Category
        fields = ["name", "tax_rate", "description"]
        field_classes = {"tax_rate": TaxRateChoiceField}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_rate"].queryset = active_or_current(
            TaxRate.objects.all(), self.instance.tax_rate_id
        )
        self.fields["tax_rate"].empty_label = gettext("None (untaxed)")


def _fractional_order_lines(places: int):
    """Lines of purchase orders still to be received that order parts finer than ``places``.

    Reached through the relation the purchases app gives products (this layer
    does not import it): lines of orders not received, cancelled or closed short.
    """
    lines = Product._meta.get_field("purchase_order_lines").related_model.objects
    return lines.exclude(order__status__in=["received", "cancelled", "closed_short"]).exclude(
        quantity=Round("quantity", places)
    )


def _fractional_on_order(product, places: int) -> bool:
    return _fractional_order_lines(places).filter(product=product).exists()


def _stores_with_finer_rules(product, places: int) -> list[str]:
    """Names of (at most three) stores where the product's minimum, maximum or order multiple
    has more than ``places`` decimal places: suggestions would stop being whole multiples."""
    finer = Q()
    for name in ("reorder_point", "order_up_to", "order_multiple"):
        finer |= Q(**{f"{name}__isnull": False}) & ~Q(**{name: Round(name, places)})
    levels = StockLevel.objects.filter(finer, product=product).order_by("store__name")
    return list(levels.values_list("store__name", flat=True)[:3])


class UnitForm(CaseInsensitiveUniqueMixin, forms.ModelForm):
    case_insensitive_unique = ("name", "symbol")

    class Meta:
        model = Unit
        fields = ["name", "plural", "symbol", "decimal_places"]

    def clean_decimal_places(self):
        places = self.cleaned_data["decimal_places"]
        if self.instance.pk and places < self.instance.decimal_places:
            # Fewer places would make quantities already held unreadable in this unit.
            finer = Decimal(1).scaleb(-places)
            held = (
                StockLevel.objects.filter(product__unit=self.instance)
                .exclude(quantity=Round("quantity", places))
                .values_list("product__name", flat=True)[:3]
            )
            held = (
                list(held)
                or fractional_in_transit(Product.objects.filter(unit=self.instance), places)
                or list(
                    _fractional_order_lines(places)
                    .filter(product__unit=self.instance)
                    .values_list("product__name", flat=True)
                    .distinct()[:3]
                )
            )
            if held:
                raise forms.ValidationError(
                    gettext(
                        "Stock of %(products)s is held, in transit or on order in parts finer "
                        "than %(finer)s %(unit)s; "
                        "keep the decimal places, or make a new unit."
                    ),
                    params={
                        "products": ", ".join(held),
                        "finer": finer,
                        "unit": self.instance.symbol,
                    },
                )
        return places


REORDER_LEVEL_MAX = 2_147_483_647


class ProductForm(forms.ModelForm):
    # Posted as the unit's symbol ("pcs", "m"), as when the unit was a fixed
    # choice: scripts and imports that send it keep working.
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), to_field_name="symbol", label=_("Unit of measure")
    )
    reorder_level = QuantityField(
        label=_("Reorder level"), min_value=0, max_value=REORDER_LEVEL_MAX, initial=0
    )
    pack_size = QuantityField(
        label=_("Pack size"),
        min_value=Decimal("0.001"),
        max_value=MAX_LINE_QUANTITY,
        required=False,
        help_text=_(
            "Units in one pack the supplier sells (500 screws in a box), if it sells packs."
        ),
    )

    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "category",
            "supplier",
            "unit",
            "pack_size",
            "pack_name",
            "cost_price",
            "sale_price",
            "tax_rate",
            "reorder_level",
            "description",
        ]
        field_classes = {"tax_rate": TaxRateChoiceField}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = active_or_current(
            Category.objects.all(), self.instance.category_id
        )
        self.fields["supplier"].queryset = active_or_current(
            Supplier.objects.all(), self.instance.supplier_id
        )
        self.fields["unit"].queryset = active_or_current(Unit.objects.all(), self.instance.unit_id)
        self.fields["tax_rate"].queryset = active_or_current(
            TaxRate.objects.all(), self.instance.tax_rate_id
        )
        self.fields["tax_rate"].empty_label = gettext("The category's rate")
        if self.instance.pk is None:
            self.fields["unit"].initial = "pcs"
        elif "unit" not in self.initial or self.initial["unit"] == self.instance.unit_id:
            # The <select>'s options are symbols, the instance's initial its key: without
            # this the edit form showed no unit, and saving it asked for one again.
            self.initial["unit"] = self.instance.unit.symbol

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        if unit is not None and self.instance.pk and unit.pk != self.instance.unit_id:
            held = StockLevel.objects.filter(product=self.instance).exclude(
                quantity=Round("quantity", unit.decimal_places)
            )
            if held.exists():
                self.add_error(
                    "unit",
                    gettext(
                        "This product's stock is held in parts finer than %(units)s allow; "
                        "count it again, or keep the unit."
                    )
                    % {"units": unit.plural},
                )
            elif fractional_in_transit(
                Product.objects.filter(pk=self.instance.pk), unit.decimal_places
            ):
                self.add_error(
                    "unit",
                    gettext(
                        "Parts finer than %(units)s allow are in transit; receive them first, "
                        "or keep the unit."
                    )
                    % {"units": unit.plural},
                )
            elif _fractional_on_order(self.instance, unit.decimal_places):
                self.add_error(
                    "unit",
                    gettext(
                        "Purchase orders not yet received order parts finer than %(units)s "
                        "allow; receive, change or close them first, or keep the unit."
                    )
                    % {"units": unit.plural},
                )
            elif stores := _stores_with_finer_rules(self.instance, unit.decimal_places):
                self.add_error(
                    "unit",
                    gettext(
                        "The minimum, maximum or order multiple at %(stores)s has parts finer "
                        "than %(units)s allow; change those rules first, or keep the unit."
                    )
                    % {"stores": ", ".join(stores), "units": unit.plural},
                )
        if unit is not None:
            # A reorder level or pack of 2.5 drills means nothing.
            for name in ("reorder_level", "pack_size"):
                value = cleaned.get(name)
                if value is not None and (refusal := unit.refusal(value)):
                    self.add_error(
                        name, gettext("This product is %(refusal)s.") % {"refusal": refusal}
                    )
        if cleaned.get("pack_name") and cleaned.get("pack_size") is None:
            self.add_error("pack_size", gettext("Give the pack's size, or leave its name empty."))
        if cleaned.get("tax_rate") is None and (category := cleaned.get("category")):
            # Blank is the category's rate, when the product is changed as when it is added
            # (an untaxed product of a taxed category picks a 0 % rate).
            cleaned["tax_rate"] = category.tax_rate
        return cleaned

    def clean_sku(self):
        # Upper-casing before the unique check makes "ab-1" a duplicate of "AB-1".
        return self.cleaned_data["sku"].strip().upper()


class StockAdjustmentForm(forms.Form):
    """A stocktake correction: the counted quantity, or a signed change, and why."""

    MODE_CHOICES = [
        ("counted", _("Set to counted quantity")),
        ("change", _("Change by (+/-)")),
    ]

    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.active())
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial="counted")
    quantity = QuantityField(
        label=_("Quantity"), min_value=-MAX_LINE_QUANTITY, max_value=MAX_LINE_QUANTITY
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product

    def clean(self):
        cleaned = super().clean()
        quantity = cleaned.get("quantity")
        if quantity is None:
            return cleaned
        if refusal := self.product.unit.refusal(quantity):
            self.add_error(
                "quantity",
                gettext("%(product)s is %(refusal)s.")
                % {"product": self.product.name, "refusal": refusal},
            )
        if cleaned.get("mode") == "counted" and quantity < 0:
            self.add_error("quantity", gettext("A counted quantity cannot be negative."))
        if cleaned.get("mode") == "change" and quantity == 0:
            self.add_error("quantity", gettext("A change of zero changes nothing."))
        return cleaned


class ProductField(RecordField):
    """An active product, given by its SKU (in any case) or by its primary key.

    People type or pick the SKU; scripts and older clients post the primary
    key. A value that is both a SKU and another product's key means the SKU.
    """

    model = Product
    default_error_messages = {
        "unknown": _("No active product with SKU %(value)s."),
        "archived": _("%(record)s is archived: it can no longer be bought or sold."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            RecordInput(
                search_url=reverse_lazy("products:search"),
                text_attribute="sku",
                attrs={
                    "autocapitalize": "characters",
                    "data-record-none": _("No matching product"),
                    "data-record-list-label": _("Matching products"),
                },
            ),
        )
        kwargs.setdefault("help_text", _("Type the SKU, or part of the name to search."))
        super().__init__(**kwargs)

    def has_changed(self, initial, data):
        return self.to_python(initial).upper() != self.to_python(data).upper()

    def queryset(self):
        # The line's quantity is checked against the product's unit.
        return super().queryset().select_related("unit")

    def find_record(self, text: str, *, chosen_key: int | None) -> Product:
        sku = text.upper()
        lookup = Q(sku=sku)
        if (key := key_in(text)) is not None:
            lookup |= Q(pk=key)
        # Archived products too, to say why they are refused; at most the SKU and the key match.
        candidates = sorted(self.queryset().filter(lookup)[:2], key=lambda p: p.sku != sku)
        if not candidates:
            raise self.error("unknown", value=text)
        return candidates[0]

    def describe(self, record: Product) -> str:
        return record.name


class ProductFilterForm(ListFilterForm):
    def search(self, queryset, text):
        # Name, SKU and supplier's name, through the databases' indexes (products.search).
        return matching(queryset, text)

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.active(),
        required=False,
        empty_label=_("All categories"),
    )
    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        queryset=Supplier.objects.active(),
        required=False,
        empty_label=_("All suppliers"),
    )
    on_order = forms.ChoiceField(
        label=_("On order"),
        choices=[("", _("Any")), ("yes", _("Yes")), ("no", _("No"))],
        required=False,
    )
    below_reorder = forms.BooleanField(label=_("At or below reorder level"), required=False)
    needs_reorder = forms.BooleanField(
        label=_("Needs reordering"),
        required=False,
        # The list page shows no help texts; the box's tooltip says what it means.
        widget=forms.CheckboxInput(
            attrs={
                "title": _(
                    "Projected (on hand + on order + drafts + in transit) at or below the "
                    "reorder level, from an active supplier"
                )
            }
        ),
    )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.valid_data
        if data.get("category"):
            queryset = queryset.filter(category=data["category"])
        if data.get("supplier"):
            queryset = queryset.filter(supplier=data["supplier"])
        if data.get("on_order"):
            queryset = queryset.on_order(data["on_order"] == "yes")
        if data.get("below_reorder"):
            queryset = queryset.below_reorder_level()
        if data.get("needs_reorder"):
            queryset = queryset.needing_reorder()
        return queryset


class StockRuleForm(forms.Form):
    """A product's replenishment rule at one store: minimum, maximum and order multiple.

    Each left blank takes the product's default (see StockLevel.with_rule).
    Also checks the rows of a rules CSV import, one form per row.
    """

    error_messages = {
        "negative": _("Cannot be negative."),
        "multiple_zero": _("An order multiple must be above zero."),
        "maximum_below_minimum": _(
            "The maximum (%(maximum)s) is below the minimum (%(minimum)s%(default)s)."
        ),
        "unit": _("This product is %(refusal)s."),
    }

    # No help texts: the page explains the three once, above the table of stores.
    minimum = QuantityField(label=_("Minimum"), required=False, max_value=REORDER_LEVEL_MAX)
    maximum = QuantityField(label=_("Maximum"), required=False, max_value=REORDER_LEVEL_MAX)
    multiple = QuantityField(label=_("Order multiple"), required=False, max_value=REORDER_LEVEL_MAX)

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        # The placeholder shows the default a blank field takes.
        defaults = {
            "minimum": plain_quantity(product.reorder_level),
            "maximum": gettext("2 × minimum"),
            "multiple": plain_quantity(product.pack_size or 1),
        }
        for name, field in self.fields.items():
            field.widget = forms.TextInput(
                attrs={
                    "class": "form-control form-control-sm",
                    "inputmode": "decimal",
                    "placeholder": defaults[name],
                }
            )

    def clean(self):
        cleaned = super().clean()
        for name in ("minimum", "maximum", "multiple"):
            value = cleaned.get(name)
            if value is None:
                continue
            if value < 0:
                self.add_error(
                    name, forms.ValidationError(self.error_messages["negative"], code="negative")
                )
            elif name == "multiple" and value == 0:
                self.add_error(
                    name,
                    forms.ValidationError(
                        self.error_messages["multiple_zero"], code="multiple_zero"
                    ),
                )
            elif refusal := self.product.unit.refusal(value):
                self.add_error(
                    name,
                    forms.ValidationError(
                        self.error_messages["unit"], code="unit", params={"refusal": refusal}
                    ),
                )
        minimum, maximum = cleaned.get("minimum"), cleaned.get("maximum")
        if maximum is not None and "minimum" not in self.errors:
            # A blank minimum is the product's reorder level; a blank maximum is
            # twice the minimum, never below it.
            in_force = self.product.reorder_level if minimum is None else minimum
            if maximum < in_force:
                self.add_error(
                    "maximum",
                    forms.ValidationError(
                        self.error_messages["maximum_below_minimum"],
                        code="maximum_below_minimum",
                        params={
                            "maximum": plain_quantity(maximum),
                            "minimum": plain_quantity(in_force),
                            "default": gettext(", the product's reorder level")
                            if minimum is None
                            else "",
                        },
                    ),
                )
        return cleaned

    def rule(self, store_id: int) -> StockRule:
        """The valid rule, for :meth:`StockLevelQuerySet.set_rules`."""
        data = self.cleaned_data
        return StockRule(
            product_id=self.product.pk,
            store_id=store_id,
            minimum=data.get("minimum"),
            maximum=data.get("maximum"),
            multiple=data.get("multiple"),
        )
