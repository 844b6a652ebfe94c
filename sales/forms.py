from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.documents import DocumentHeaderForm, document_line_formset
from core.models import MAX_UNIT_PRICE
from people.forms import PartyField
from people.models import Customer
from products.documents import DocumentLineForm, StockDocumentFilterForm
from sales.models import Sale
from sales.pricing import Discount


class DiscountField(forms.CharField):
    """A discount typed as a percentage ("10%") or an amount ("2.50"): a
    :class:`~sales.pricing.Discount`, or None when blank."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", _("10% or 2.50"))

    def clean(self, value):
        text = super().clean(value)
        try:
            return Discount.parse(text)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid_discount") from None


class SaleForm(DocumentHeaderForm):
    customer = PartyField(Customer, label=_("Customer"))
    discount = DiscountField(
        label=_("Discount on the sale"),
        help_text=_("Shared over the lines. Beyond the shop's limit, it needs a manager."),
    )

    # Not a model field of the form: the service stores the amount it comes to.
    field_order = ["customer", "store", "date", "discount", "notes"]

    class Meta:
        model = Sale
        fields = ["customer", "store", "date", "notes"]
        labels = {"store": _("Store"), "date": _("Date"), "notes": _("Notes")}
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class SaleLineForm(DocumentLineForm):
    unit_price = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        max_value=MAX_UNIT_PRICE,
        required=False,
        label=_("Unit price"),
        help_text=_("Blank: the product's sale price. Another price needs a manager."),
    )
    discount = DiscountField(label=_("Discount"))

    price_field = "unit_price"
    default_price_field = "sale_price"


SaleLineFormSet = document_line_formset(SaleLineForm)


class SaleFilterForm(StockDocumentFilterForm):
    customer = PartyField(Customer, active_only=False, required=False, label=_("Customer"))
    number = forms.CharField(label=_("Number"), required=False, max_length=40)

    party_field = "customer"
    field_order = ["number", "customer", "store", "date_from", "date_to", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs["placeholder"] = "MAIN-2026-000123"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # The whole number, as printed on the receipt: an index lookup.
        if number := (self.valid_data.get("number") or "").strip():
            queryset = queryset.filter(Q(number=number) | Q(number=number.upper()))
        return queryset
