from django import forms
from django.utils.translation import gettext_lazy as _

from core.crud import FilterForm
from people.models import Supplier
from products.models import Category
from stores.models import Store

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ReplenishmentFilterForm(FilterForm):
    """Which suggestions to list: a store (or all), a supplier, a category, a search."""

    store = forms.ModelChoiceField(
        queryset=Store.objects.active(),
        required=False,
        empty_label=_("All stores"),
        label=_("Store"),
    )
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.active(),
        required=False,
        empty_label=_("All suppliers"),
        label=_("Supplier"),
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.active(),
        required=False,
        empty_label=_("All categories"),
        label=_("Category"),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def selection(self) -> dict:
        """Keyword arguments of :func:`replenishment.selectors.replenishment_needs`."""
        data = self.valid_data
        return {
            "store": data.get("store"),
            "supplier": data.get("supplier"),
            "category": data.get("category"),
            "search": data.get("q") or "",
        }


class RulesImportForm(forms.Form):
    error_messages = {
        "too_large": _("The file is larger than %(limit)s MB."),
    }

    file = forms.FileField(
        label=_("Rules CSV"),
        help_text=_(
            "Columns sku, store, minimum, maximum, multiple, as the export gives them. "
            "A blank value means the product's default."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return upload
