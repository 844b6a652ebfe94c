from django import forms

from people.models import Customer, Supplier

CONTACT_WIDGETS = {
    "address": forms.Textarea(attrs={"rows": 2}),
    "notes": forms.Textarea(attrs={"rows": 2}),
}


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["name", "contact_person", "email", "phone", "address", "notes"]
        widgets = CONTACT_WIDGETS


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "email", "phone", "address", "notes"]
        widgets = CONTACT_WIDGETS
