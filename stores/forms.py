from django import forms

from core.crud import CaseInsensitiveUniqueMixin, ListFilterForm
from stores.models import Store


class StoreForm(CaseInsensitiveUniqueMixin, forms.ModelForm):
    case_insensitive_unique = ("name",)

    class Meta:
        model = Store
        fields = ["name", "code", "address", "phone"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class StoreFilterForm(ListFilterForm):
    search_fields = ("name", "code")
