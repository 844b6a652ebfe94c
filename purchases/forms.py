from django import forms

from core.documents import DocumentHeaderForm, document_line_formset
from core.models import MAX_UNIT_PRICE
from people.forms import PartyField
from people.models import Supplier
from products.documents import DocumentLineForm, StockDocumentFilterForm
from purchases.models import Purchase


class PurchaseForm(DocumentHeaderForm):
    supplier = PartyField(Supplier)

    class Meta:
        model = Purchase
        fields = ["supplier", "store", "reference", "date", "notes"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class PurchaseLineForm(DocumentLineForm):
    unit_cost = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        max_value=MAX_UNIT_PRICE,
        required=False,
        help_text="Blank: the product's cost price.",
    )

    price_field = "unit_cost"
    default_price_field = "cost_price"


PurchaseLineFormSet = document_line_formset(PurchaseLineForm)


class PurchaseFilterForm(StockDocumentFilterForm):
    supplier = PartyField(Supplier, active_only=False, required=False)

    party_field = "supplier"
    field_order = ["supplier", "store", "date_from", "date_to", "status"]
