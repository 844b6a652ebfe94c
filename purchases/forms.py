from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.documents import DocumentHeaderForm, document_line_formset
from core.models import MAX_LINE_QUANTITY, MAX_UNIT_PRICE
from core.quantities import QuantityField, format_quantity, plain_quantity
from people.forms import PartyField
from people.models import Supplier
from products.documents import DocumentLineForm, StockDocumentFilterForm
from purchases.models import Purchase


class PurchaseForm(DocumentHeaderForm):
    supplier = PartyField(Supplier, label=_("Supplier"))

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
        label=pgettext_lazy("a line's quantity is entered in units or packs", "In"),
        choices=[(UNITS, _("units")), (PACKS, _("packs"))],
        required=False,
        help_text=_("Packs: the product's pack size."),
    )
    unit_cost = forms.DecimalField(
        label=_("Unit cost"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        max_value=MAX_UNIT_PRICE,
        required=False,
        help_text=_("Per unit, also for packs. Blank: the product's cost price."),
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
                    "entered_in",
                    gettext("%(product)s has no pack size: enter the quantity in units.")
                    % {"product": product.name},
                )
            elif packs != packs.to_integral_value():
                self.add_error(
                    "quantity",
                    gettext(
                        "Packs are counted whole: %(packs)s packs is not a whole number; enter "
                        "the quantity in units instead."
                    )
                    % {"packs": plain_quantity(packs)},
                )
            elif packs * product.pack_size > MAX_LINE_QUANTITY:
                self.add_error(
                    "quantity",
                    gettext(
                        "%(packs)s packs of %(pack_size)s are more than the %(most)s units a "
                        "line may hold."
                    )
                    % {
                        "packs": plain_quantity(packs),
                        "pack_size": plain_quantity(product.pack_size),
                        "most": f"{MAX_LINE_QUANTITY:,}",
                    },
                )
            else:
                cleaned["packs"], cleaned["pack_size"] = packs, product.pack_size
                cleaned["quantity"] = packs * product.pack_size
        return super().clean()


PurchaseLineFormSet = document_line_formset(PurchaseLineForm)


class PurchaseFilterForm(StockDocumentFilterForm):
    supplier = PartyField(Supplier, active_only=False, required=False, label=_("Supplier"))

    party_field = "supplier"
    field_order = ["supplier", "store", "date_from", "date_to", "status"]


class PurchaseReturnForm(forms.Form):
    """A return to the supplier: per purchase line what goes back and why, and the header.

    ``lines`` are the purchase's lines, each annotated with ``returnable``
    (purchased less what already went back). Lines left blank or at 0 send
    nothing back; a line asking for more than is returnable is refused on that
    line. Whether the store still holds the units is the stock engine's to say.
    """

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Printed on the debit note, e.g. the supplier's return authorisation."),
    )

    error_messages = {
        "nothing": _("Enter the quantity going back on at least one line."),
        "too_many": _(
            "Only %(returnable)s can still go back (%(purchased)s purchased, "
            "%(returned)s already returned)."
        ),
        "future": _("The date cannot be in the future."),
        "before_purchase": _("Goods cannot go back before they were purchased (%(date)s)."),
    }

    def __init__(self, *args, purchase, lines, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.purchase, self.lines = purchase, lines
        for line in lines:
            quantity = QuantityField(
                label=gettext("%(product)s going back (%(unit)s)")
                % {"product": line.product.name, "unit": line.product.unit.symbol},
                min_value=0,
                max_value=MAX_LINE_QUANTITY,
                required=False,
            )
            reason = forms.CharField(
                label=gettext("%(product)s: reason") % {"product": line.product.name},
                max_length=255,
                required=False,
            )
            # The table's cells have no <label>: the field's own name is the input's.
            quantity.widget.attrs.update(
                {
                    "class": "form-control text-end",
                    "inputmode": "decimal",
                    "aria-label": quantity.label,
                }
            )
            reason.widget.attrs.update({"class": "form-control", "aria-label": reason.label})
            self.fields[f"quantity_{line.pk}"] = quantity
            self.fields[f"reason_{line.pk}"] = reason

    @property
    def rows(self):
        """Per purchase line: the line, its quantity field and its reason field."""
        return [
            (line, self[f"quantity_{line.pk}"], self[f"reason_{line.pk}"]) for line in self.lines
        ]

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(self.error_messages["future"], code="future")
        if date < self.purchase.date:
            raise forms.ValidationError(
                self.error_messages["before_purchase"],
                code="before_purchase",
                params={"date": formats.date_format(self.purchase.date, "d F Y")},
            )
        return date

    def clean(self):
        cleaned = super().clean()
        any_quantity = False
        for line in self.lines:
            name = f"quantity_{line.pk}"
            quantity = cleaned.get(name)
            if not quantity:
                continue
            any_quantity = True
            unit = line.product.unit
            if refusal := unit.refusal(quantity):
                self.add_error(
                    name,
                    gettext("%(product)s is %(refusal)s.")
                    % {"product": line.product.name, "refusal": refusal},
                )
            elif quantity > line.returnable:
                self.add_error(
                    name,
                    forms.ValidationError(
                        self.error_messages["too_many"],
                        code="too_many",
                        params={
                            "returnable": format_quantity(line.returnable, unit),
                            "purchased": format_quantity(line.quantity, unit),
                            "returned": format_quantity(line.returned, unit),
                        },
                    ),
                )
        if not any_quantity and not self.errors:
            raise forms.ValidationError(self.error_messages["nothing"], code="nothing")
        return cleaned

    @property
    def returned_lines(self) -> list[tuple]:
        """(purchase line, quantity, reason) of each line with something going back."""
        return [
            (line, quantity, self.cleaned_data.get(f"reason_{line.pk}") or "")
            for line in self.lines
            if (quantity := self.cleaned_data.get(f"quantity_{line.pk}"))
        ]
