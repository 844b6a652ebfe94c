from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q
from django.forms.boundfield import BoundField
from django.urls import reverse_lazy
from django.utils.html import format_html

from inventory_project.crud import CaseInsensitiveUniqueMixin
from people.models import Supplier
from products.models import Category, Product
from purchases.models import MAX_LINE_QUANTITY
from stores.models import Store


def active_or_current(queryset, current_pk):
    """Pickers offer active records, plus the one already chosen even if it was archived since."""
    return queryset.filter(Q(is_active=True) | Q(pk=current_pk))


class CategoryForm(CaseInsensitiveUniqueMixin, forms.ModelForm):
    case_insensitive_unique = ("name",)

    class Meta:
        model = Category
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


# PostgreSQL's integer column holds no more than this (SQLite and MariaDB hold
# more), so a reorder level accepted on one database is accepted on all.
REORDER_LEVEL_MAX = 2_147_483_647


class ProductForm(forms.ModelForm):
    reorder_level = forms.IntegerField(min_value=0, max_value=REORDER_LEVEL_MAX, initial=0)

    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "category",
            "supplier",
            "unit",
            "cost_price",
            "sale_price",
            "reorder_level",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = active_or_current(
            Category.objects.all(), self.instance.category_id
        )
        self.fields["supplier"].queryset = active_or_current(
            Supplier.objects.all(), self.instance.supplier_id
        )

    def clean_sku(self):
        # Upper-casing before the unique check makes "ab-1" a duplicate of "AB-1".
        return self.cleaned_data["sku"].strip().upper()


class StockAdjustmentForm(forms.Form):
    """A stocktake correction: the counted quantity, or a signed change, and why."""

    MODE_CHOICES = [("counted", "Set to counted quantity"), ("change", "Change by (+/-)")]

    store = forms.ModelChoiceField(queryset=Store.objects.active())
    mode = forms.ChoiceField(choices=MODE_CHOICES, initial="counted")
    quantity = forms.IntegerField(min_value=-MAX_LINE_QUANTITY, max_value=MAX_LINE_QUANTITY)
    reason = forms.CharField(max_length=255)

    def clean(self):
        cleaned = super().clean()
        quantity = cleaned.get("quantity")
        if quantity is None:
            return cleaned
        if cleaned.get("mode") == "counted" and quantity < 0:
            self.add_error("quantity", "A counted quantity cannot be negative.")
        if cleaned.get("mode") == "change" and quantity == 0:
            self.add_error("quantity", "A change of zero changes nothing.")
        return cleaned


class ProductSearchForm(forms.Form):
    """What the product picker sends while a person types (see ProductSearchView)."""

    q = forms.CharField(max_length=100, required=False)  # as long as the list's search box


class ProductInput(forms.TextInput):
    """A product typed as its SKU; static/js/product_picker.js makes it a search-as-you-type box."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "data-product-search": reverse_lazy("products:search"),
                **(attrs or {}),
            }
        )

    def format_value(self, value):
        if isinstance(value, Product):
            return value.sku
        return super().format_value(value)


class ProductBoundField(BoundField):
    """Shows the product found: its SKU in the input and its name as the help text.

    Everything comes from the product the form already holds (the initial one,
    or the one cleaning found), so re-rendering a line runs no query.
    """

    def chosen_product(self) -> Product | None:
        if self.form.is_bound:
            return getattr(self.form, "cleaned_data", {}).get(self.name)
        return self.initial if isinstance(self.initial, Product) else None

    def value(self):
        return self.chosen_product() or super().value()

    @property
    def help_text(self):
        product = self.chosen_product()
        return format_html("{}", product.name) if product else self.field.help_text

    @help_text.setter
    def help_text(self, value):
        """BoundField.__init__ sets it once; here it is worked out when the field renders."""


class ProductField(forms.Field):
    """An active product, given by its SKU (in any case) or by its primary key.

    People type or pick the SKU; scripts and older clients post the primary
    key. A value that is both a SKU and another product's key means the SKU.
    """

    widget = ProductInput
    bound_field_class = ProductBoundField
    default_validators = [ProhibitNullCharactersValidator()]
    default_error_messages = {
        "unknown": "No active product with SKU %(value)s.",
        "archived": "%(product)s is archived: it can no longer be bought or sold.",
    }
    # Longer digit strings are no primary key of a 64-bit column.
    MAX_PK_DIGITS = 18

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Type the SKU, or part of the name to search.")
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "data-hint": self.help_text}

    def to_python(self, value):
        if isinstance(value, Product):
            return value.sku
        return str(value).strip() if value not in self.empty_values else ""

    def has_changed(self, initial, data):
        return self.to_python(initial).upper() != self.to_python(data).upper()

    def clean(self, value):
        text = super().clean(value)
        return self.find_product(text) if text else None

    def find_product(self, text: str) -> Product:
        sku = text.upper()
        lookup = Q(sku=sku)
        if text.isascii() and text.isdigit() and len(text) <= self.MAX_PK_DIGITS:
            lookup |= Q(pk=int(text))
        # Archived products too, to say why they are refused; at most the SKU and the key match.
        candidates = sorted(Product.objects.filter(lookup)[:2], key=lambda p: p.sku != sku)
        if not candidates:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": text}
            )
        product = candidates[0]
        if not product.is_active:
            raise ValidationError(
                self.error_messages["archived"], code="archived", params={"product": product}
            )
        return product
