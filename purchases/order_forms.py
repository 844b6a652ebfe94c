"""Forms of the purchase order pages: the draft, the list's filters, a receipt, a reason."""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.crud import FilterForm
from core.documents import DocumentHeaderForm, document_line_formset
from core.models import MAX_LINE_QUANTITY, MAX_LINE_VALUE, MAX_UNIT_PRICE
from core.quantities import QuantityField
from core.text import typed_number
from people.forms import PartyField
from people.models import Supplier
from purchases.forms import PurchaseLineForm
from purchases.models import PurchaseOrder
from purchases.orders import over_receipt_line
from stores.models import Store

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PurchaseOrderForm(DocumentHeaderForm):
    """A draft's header: who supplies, where it is delivered, when it is expected."""

    supplier = PartyField(Supplier, label=_("Supplier"))

    error_messages = {
        "expected_before_order": _("The expected date cannot be before the order date."),
    }

    class Meta:
        model = PurchaseOrder
        fields = ["supplier", "store", "date", "expected_date", "reference", "notes"]
        labels = {"store": _("Deliver to"), "expected_date": _("Expected delivery")}
        widgets = {
            "date": DATE_INPUT,
            "expected_date": DATE_INPUT,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        date, expected = cleaned.get("date"), cleaned.get("expected_date")
        if date and expected and expected < date:
            key = "expected_before_order"
            self.add_error(
                "expected_date", forms.ValidationError(self.error_messages[key], code=key)
            )
        return cleaned


class PurchaseOrderLineForm(PurchaseLineForm):
    """An order line: units or packs as on a purchase, at the cost agreed with the supplier."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_cost"].label = _("Agreed unit cost")


class PurchaseOrderLineFormSet(document_line_formset(PurchaseOrderLineForm)):
    def clean(self):
        """One line per product: what is outstanding and received is counted per line,
        and a second line of the same product would leave it counted twice."""
        super().clean()
        seen = set()
        for form in self.filled_forms:
            product = form.cleaned_data.get("product")
            if product is None:
                continue
            if product.pk in seen:
                form.add_error(
                    "product",
                    gettext("%(product)s is already on this order: put it on one line.")
                    % {"product": product.name},
                )
            seen.add(product.pk)


class PurchaseOrderFilterForm(FilterForm):
    """The list's filters; the CSV export of order lines takes the same query string."""

    STATUS_CHOICES = [
        ("", _("All")),
        ("open", _("Open (ordered or partial)")),
        *PurchaseOrder.Status.choices,
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    supplier = PartyField(Supplier, active_only=False, required=False, label=_("Supplier"))
    store = forms.ModelChoiceField(
        queryset=Store.objects.all(),
        required=False,
        empty_label=_("All stores"),
        label=_("Store"),
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label=_("Status"))
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter_queryset(self, queryset):
        data = self.valid_data
        if term := (data.get("q") or "").strip():
            condition = Q(reference__icontains=term) | Q(supplier__name__icontains=term)
            if (number := typed_number(term)) is not None:
                condition |= Q(pk=number)
            queryset = queryset.filter(condition)
        if supplier := data.get("supplier"):
            queryset = queryset.filter(supplier=supplier)
        if store := data.get("store"):
            queryset = queryset.filter(store=store)
        if status := data.get("status"):
            queryset = queryset.open() if status == "open" else queryset.filter(status=status)
        return queryset.in_period(data.get("date_from"), data.get("date_to"))


class OrderReceiptForm(forms.Form):
    """A receipt against an order: per line what came now and at what cost, and the header.

    Each line is pre-filled with what is outstanding and the agreed cost. More
    than is outstanding needs ``allow_over`` ticked; a receipt of nothing is refused.
    """

    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    reference = forms.CharField(
        label=_("Supplier's reference"),
        max_length=60,
        required=False,
        help_text=_("e.g. their delivery note or invoice number"),
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    allow_over = forms.BooleanField(label=_("Yes, receive more than was ordered"), required=False)

    error_messages = {
        "nothing": _("Enter the quantity received of at least one line."),
        "over": _(
            "More than was ordered: %(lines)s. Check the quantities, or tick “Yes, receive "
            "more than was ordered” to receive them anyway."
        ),
        "future": _("The date cannot be in the future."),
        "before_order": _("The goods cannot arrive before the order date (%(date)s)."),
        "line_value": _("A line may be worth at most %(most)s: check the quantity and the cost."),
    }

    def __init__(self, *args, order: PurchaseOrder, lines, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.order, self.lines = order, lines
        for line in lines:
            self.fields[f"quantity_{line.pk}"] = QuantityField(
                label=gettext("%(product)s now (%(unit)s)")
                % {"product": line.product.name, "unit": line.product.unit.symbol},
                min_value=0,
                max_value=MAX_LINE_QUANTITY,
                required=False,
                initial=line.remaining,
            )
            self.fields[f"unit_cost_{line.pk}"] = forms.DecimalField(
                label=gettext("%(product)s unit cost") % {"product": line.product.name},
                max_digits=12,
                decimal_places=2,
                min_value=0,
                max_value=MAX_UNIT_PRICE,
                required=False,
                initial=line.unit_cost,
                help_text=gettext("Blank: the agreed cost."),
            )
        for name, field in self.fields.items():
            if name.startswith(("quantity_", "unit_cost_")):
                # The table's cells have no <label>: the field's own name is the input's.
                field.widget.attrs.update(
                    {
                        "class": "form-control text-end",
                        "inputmode": "decimal",
                        "aria-label": field.label,
                    }
                )
        # Set when a quantity exceeds what is outstanding: the page shows the checkbox.
        self.over_lines: list[str] = []

    @property
    def rows(self):
        """Per order line: the line and its two fields, for the receipt table."""
        return [
            (line, self[f"quantity_{line.pk}"], self[f"unit_cost_{line.pk}"]) for line in self.lines
        ]

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(self.error_messages["future"], code="future")
        if date < self.order.date:
            raise forms.ValidationError(
                self.error_messages["before_order"],
                code="before_order",
                params={"date": formats.date_format(self.order.date, "d F Y")},
            )
        return date

    def clean(self):
        cleaned = super().clean()
        quantities = {}
        for line in self.lines:
            name = f"quantity_{line.pk}"
            quantity = cleaned.get(name)
            if quantity is None:
                continue
            if refusal := line.product.unit.refusal(quantity):
                self.add_error(
                    name,
                    gettext("%(product)s is %(refusal)s.")
                    % {"product": line.product.name, "refusal": refusal},
                )
                continue
            quantities[line.pk] = quantity
            cost = cleaned.get(f"unit_cost_{line.pk}")
            if quantity * (line.unit_cost if cost is None else cost) > MAX_LINE_VALUE:
                self.add_error(
                    f"unit_cost_{line.pk}",
                    forms.ValidationError(
                        self.error_messages["line_value"],
                        code="line_value",
                        params={"most": f"{MAX_LINE_VALUE:,.2f}"},
                    ),
                )
        if self.errors:
            return cleaned
        if not any(quantities.values()):
            raise forms.ValidationError(self.error_messages["nothing"], code="nothing")
        self.over_lines = [
            over_receipt_line(line, quantities[line.pk])
            for line in self.lines
            if quantities.get(line.pk, Decimal("0")) > line.remaining
        ]
        if self.over_lines and not cleaned.get("allow_over"):
            raise forms.ValidationError(
                self.error_messages["over"],
                code="over",
                params={"lines": "; ".join(self.over_lines)},
            )
        return cleaned

    @property
    def received(self) -> list[tuple]:
        """(order line, quantity, unit cost or None: the agreed one) of lines with a quantity."""
        return [
            (line, quantity, self.cleaned_data.get(f"unit_cost_{line.pk}"))
            for line in self.lines
            if (quantity := self.cleaned_data.get(f"quantity_{line.pk}"))
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, strip=True)
