from django import forms

from stores.models import Store


class StoreForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = ["name", "code", "address", "phone"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()
