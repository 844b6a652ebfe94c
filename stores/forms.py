from django import forms

from inventory_project.crud import CaseInsensitiveUniqueMixin
from stores.models import Store


class StoreForm(CaseInsensitiveUniqueMixin, forms.ModelForm):
    case_insensitive_unique = ("name",)

    class Meta:
        model = Store
        fields = ["name", "code", "address", "phone"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()
