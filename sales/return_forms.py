"""Forms of the customer return pages: a return against a sale, and the returns list's filters."""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import MAX_LINE_QUANTITY
from core.quantities import QuantityField, format_quantity
from core.text import typed_number
from people.forms import PartyField
from people.models import Customer
from products.documents import StockDocumentFilterForm
from sales.models import Sale, SaleReturnLine

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SaleReturnForm(forms.Form):
    """A return against a sale: per line how much comes back, whether it goes back on the
    shelf or is written off as damaged, and why; and the return's date and notes.

    ``lines`` are the sale's lines annotated with ``returned`` (see
    :func:`sales.selectors.with_returned`). A line takes at most what was sold
    less what already came back, in its unit's precision; a blank quantity is
    nothing back. The refund defaults to what was paid for the units; a
    smaller one keeps the rest (a restocking fee), a larger one is refused by
    :func:`sales.returns.sale_return`, which knows what was paid.
    """

    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    refund = forms.DecimalField(
        label=_("Refund"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Blank: what was paid for the units. Less keeps the rest as a fee."),
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    error_messages = {
        "nothing": _("Enter the quantity coming back on at least one line."),
        "too_many": _(
            "Only %(returnable)s can still come back: %(sold)s sold, %(returned)s already returned."
        ),
        "future": _("The date cannot be in the future."),
        "before_sale": _("Goods cannot come back before the sale date (%(date)s)."),
    }

    def __init__(self, *args, sale: Sale, lines, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.sale, self.lines = sale, lines
        for line in lines:
            name, unit = line.product.name, line.product.unit.symbol
            # A line with nothing left to return keeps its inputs, disabled: a post
            # from a page opened before the last units came back is still checked.
            closed = {"disabled": True} if line.quantity <= line.returned else {}
            self.fields[f"quantity_{line.pk}"] = QuantityField(
                label=gettext("%(product)s coming back (%(unit)s)")
                % {"product": name, "unit": unit},
                min_value=0,
                max_value=MAX_LINE_QUANTITY,
                required=False,
            )
            self.fields[f"quantity_{line.pk}"].widget.attrs.update(
                {
                    "class": "form-control text-end",
                    "inputmode": "decimal",
                    "placeholder": "0",
                    **closed,
                }
            )
            self.fields[f"restock_{line.pk}"] = forms.BooleanField(
                label=gettext("%(product)s back on the shelf") % {"product": name},
                required=False,
                initial=True,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input", **closed}),
            )
            self.fields[f"reason_{line.pk}"] = forms.CharField(
                label=gettext("%(product)s: reason") % {"product": name},
                max_length=255,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control", **closed}),
            )
        for field_name, field in self.fields.items():
            if field_name.startswith(("quantity_", "restock_", "reason_")):
                # The table's cells have no <label>: the field's own name is the input's.
                field.widget.attrs["aria-label"] = field.label

    @property
    def rows(self):
        """Per sale line: the line, what can still come back, and its three fields."""
        return [
            (
                line,
                line.quantity - line.returned,
                self[f"quantity_{line.pk}"],
                self[f"restock_{line.pk}"],
                self[f"reason_{line.pk}"],
            )
            for line in self.lines
        ]

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(self.error_messages["future"], code="future")
        if date < self.sale.date:
            raise forms.ValidationError(
                self.error_messages["before_sale"],
                code="before_sale",
                # "05 March 2026", the month in the page's language.
                params={"date": date_format(self.sale.date, "d F Y")},
            )
        return date

    def clean(self):
        cleaned = super().clean()
        coming_back = False
        for line in self.lines:
            name = f"quantity_{line.pk}"
            quantity = cleaned.get(name)
            if not quantity:  # blank or 0: nothing of this line comes back
                continue
            unit = line.product.unit
            if refusal := unit.refusal(quantity):
                self.add_error(
                    name,
                    gettext("%(product)s is %(refusal)s.")
                    % {"product": line.product.name, "refusal": refusal},
                )
                continue
            if quantity > line.quantity - line.returned:
                self.add_error(
                    name,
                    forms.ValidationError(
                        self.error_messages["too_many"],
                        code="too_many",
                        params={
                            "returnable": format_quantity(line.quantity - line.returned, unit),
                            "sold": format_quantity(line.quantity, unit),
                            "returned": format_quantity(line.returned, unit),
                        },
                    ),
                )
                continue
            coming_back = True
        if not coming_back and not any(name.startswith("quantity_") for name in self.errors):
            raise forms.ValidationError(self.error_messages["nothing"], code="nothing")
        return cleaned

    @property
    def returned(self) -> list[tuple]:
        """(sale line, quantity, back on the shelf, reason) of the lines with a quantity."""
        return [
            (
                line,
                quantity,
                self.cleaned_data[f"restock_{line.pk}"],
                self.cleaned_data[f"reason_{line.pk}"],
            )
            for line in self.lines
            if (quantity := self.cleaned_data.get(f"quantity_{line.pk}"))
        ]


class SaleReturnFilterForm(StockDocumentFilterForm):
    """The returns list's filters; its CSV export takes the same query string.

    A return is never voided, so the documents' status filter is left out.
    """

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    customer = PartyField(Customer, active_only=False, required=False, label=_("Customer"))
    status = None

    party_field = "customer"
    field_order = ["q", "customer", "store", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = gettext("Credit note or sale number, reason")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        term = (self.valid_data.get("q") or "").strip()
        if not term:
            return queryset
        # Part of the credit note's or its sale's number, words of a reason or the notes;
        # "#12" or "12" is also the key of a return or sale from before numbering.
        condition = (
            Q(number__icontains=term)
            | Q(sale__number__icontains=term)
            | Q(notes__icontains=term)
            | Q(
                Exists(
                    SaleReturnLine.objects.filter(
                        sale_return=OuterRef("pk"), reason__icontains=term
                    )
                )
            )
        )
        if (key := typed_number(term)) is not None:
            condition |= Q(pk=key) | Q(sale_id=key)
        return queryset.filter(condition)
