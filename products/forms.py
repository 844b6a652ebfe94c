from django import forms
from django.db.models import Q
from django.urls import reverse_lazy

from core.crud import CaseInsensitiveUniqueMixin, ListFilterForm
from core.models import MAX_LINE_QUANTITY
from core.pickers import RecordField, RecordInput, key_in
from people.models import Supplier
from products.models import Category, Product
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


class ProductField(RecordField):
    """An active product, given by its SKU (in any case) or by its primary key.

    People type or pick the SKU; scripts and older clients post the primary
    key. A value that is both a SKU and another product's key means the SKU.
    """

    model = Product
    default_error_messages = {
        "unknown": "No active product with SKU %(value)s.",
        "archived": "%(record)s is archived: it can no longer be bought or sold.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            RecordInput(
                search_url=reverse_lazy("products:search"),
                text_attribute="sku",
                attrs={
                    "autocapitalize": "characters",
                    "data-record-none": "No matching product",
                    "data-record-list-label": "Matching products",
                },
            ),
        )
        kwargs.setdefault("help_text", "Type the SKU, or part of the name to search.")
        super().__init__(**kwargs)

    def has_changed(self, initial, data):
        return self.to_python(initial).upper() != self.to_python(data).upper()

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
    search_fields = ("name", "sku")

    category = forms.ModelChoiceField(
        queryset=Category.objects.active(), required=False, empty_label="All categories"
    )
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.active(), required=False, empty_label="All suppliers"
    )
    below_reorder = forms.BooleanField(label="At or below reorder level", required=False)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.valid_data
        if data.get("category"):
            queryset = queryset.filter(category=data["category"])
        if data.get("supplier"):
            queryset = queryset.filter(supplier=data["supplier"])
        if data.get("below_reorder"):
            queryset = queryset.below_reorder_level()
        return queryset
