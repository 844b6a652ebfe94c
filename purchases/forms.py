from django import forms

from core.documents import DocumentHeaderForm, document_line_formset
from core.models import MAX_LINE_QUANTITY, MAX_UNIT_PRICE
from core.quantities import plain_quantity
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
    """A purchase line: the quantity in the product's units, or in its supplier's packs."""

    # Units are the blank choice, so an untouched extra line stays untouched.
    UNITS, PACKS = "", "packs"

    entered_in = forms.ChoiceField(
        label="In",
        choices=[(UNITS, "units"), (PACKS, "packs")],
        required=False,
        help_text="Packs: the product's pack size.",
    )
    unit_cost = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        max_value=MAX_UNIT_PRICE,
        required=False,
        help_text="Per unit, also for packs. Blank: the product's cost price.",
    )

    price_field = "unit_cost"
    default_price_field = "cost_price"

    def clean(self):
        # Packs become units before the line's checks (the unit's decimal
        # places, the line's value) look at the quantity.
        cleaned = self.cleaned_data
        product, packs = cleaned.get("product"), cleaned.get("quantity")
        cleaned["packs"] = cleaned["pack_size"] = None
        if cleaned.get("entered_in") == self.PACKS and product and packs is not None:
            if not product.pack_size:
                self.add_error(
                    "entered_in", f"{product.name} has no pack size: enter the quantity in units."
                )
            elif packs != packs.to_integral_value():
                self.add_error(
                    "quantity",
                    f"Packs are counted whole: {plain_quantity(packs)} packs is not a whole "
                    "number; enter the quantity in units instead.",
                )
            elif packs * product.pack_size > MAX_LINE_QUANTITY:
                self.add_error(
                    "quantity",
                    f"{plain_quantity(packs)} packs of {plain_quantity(product.pack_size)} are "
                    f"more than the {MAX_LINE_QUANTITY:,} units a line may hold.",
                )
            else:
                cleaned["packs"], cleaned["pack_size"] = packs, product.pack_size
                cleaned["quantity"] = packs * product.pack_size
        return super().clean()


PurchaseLineFormSet = document_line_formset(PurchaseLineForm)


class PurchaseFilterForm(StockDocumentFilterForm):
    supplier = PartyField(Supplier, active_only=False, required=False)

    party_field = "supplier"
    field_order = ["supplier", "store", "date_from", "date_to", "status"]
