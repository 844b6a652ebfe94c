from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.crud import FilterForm
from core.documents import DocumentHeaderForm, document_line_formset
from core.quantities import QuantityField
from core.text import typed_number
from products.documents import DocumentLineForm
from stores.models import Store
from transfers.models import Transfer


class TransferForm(DocumentHeaderForm):
    active_choice_fields = ("from_store", "to_store")

    class Meta:
        model = Transfer
        fields = ["from_store", "to_store", "reference", "date", "notes"]
        labels = {"from_store": _("From store"), "to_store": _("To store")}
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        source, destination = cleaned.get("from_store"), cleaned.get("to_store")
        if source and destination and source == destination:
            self.add_error(
                "to_store", gettext("Choose a store other than the one the goods leave.")
            )
        return cleaned


class TransferLineForm(DocumentLineForm):
    """A product and how much of it to move (in its unit); no price: it moves at cost."""


TransferLineFormSet = document_line_formset(TransferLineForm)


class TransferFilterForm(FilterForm):
    STATUS_CHOICES = [("", _("All")), *Transfer.Status.choices]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    store = forms.ModelChoiceField(
        queryset=Store.objects.all(),
        required=False,
        label=_("Store"),
        empty_label=_("All stores"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter_queryset(self, queryset):
        data = self.valid_data
        if term := (data.get("q") or "").strip():
            condition = Q(reference__icontains=term) | Q(notes__icontains=term)
            if (number := typed_number(term)) is not None:
                condition |= Q(pk=number)
            queryset = queryset.filter(condition)
        if store := data.get("store"):
            queryset = queryset.filter(Q(from_store=store) | Q(to_store=store))
        if status := data.get("status"):
            queryset = queryset.filter(status=status)
        return queryset.in_period(data.get("date_from"), data.get("date_to"))


class ReceiveForm(forms.Form):
    """What arrived of each line, pre-filled with what was sent, and why it differs."""

    reason = forms.CharField(
        label=_("Reason for a difference"),
        max_length=255,
        required=False,
        help_text=_("Needed when what arrived differs from what was sent."),
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"received_{line.pk}"] = QuantityField(
                label=f"{line.product.name} ({line.product.unit.symbol})",
                min_value=0,
                max_value=10 * line.quantity,
                initial=line.quantity,
            )
        self.order_fields([*(f"received_{line.pk}" for line in lines), "reason"])

    def clean(self):
        cleaned = super().clean()
        for line in self.lines:
            got = cleaned.get(f"received_{line.pk}")
            if got is not None and (refusal := line.product.unit.refusal(got)):
                self.add_error(
                    f"received_{line.pk}",
                    gettext("%(product)s is %(refusal)s.")
                    % {"product": line.product.name, "refusal": refusal},
                )
        differs = any(
            cleaned.get(f"received_{line.pk}") not in (None, line.quantity) for line in self.lines
        )
        if differs and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", gettext("Say why what arrived differs from what was sent."))
        return cleaned

    @property
    def received(self) -> dict:
        return {line.pk: self.cleaned_data[f"received_{line.pk}"] for line in self.lines}


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, strip=True)
