from django import forms
from django.db.models import Q

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
