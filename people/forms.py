from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.crud import ListFilterForm
from core.pickers import RecordField, RecordInput, RecordSearchForm, key_in
from people.models import Customer, Party, Supplier

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


def describe_party(party: Party) -> str:
    """What tells namesakes apart: the number, the email (or phone), and archived or not."""
    parts = [
        f"#{party.pk}",
        party.email or party.phone,
        "" if party.is_active else gettext("archived"),
    ]
    return " · ".join(part for part in parts if part)


PARTY_SEARCH_URLS = {Customer: "customers:search", Supplier: "suppliers:search"}
# The picker's texts when nothing matches and for its list, whole per model
# (gender and case differ between languages).
PARTY_PICKER_TEXTS = {
    Customer: (_("No matching customer"), _("Matching customers")),
    Supplier: (_("No matching supplier"), _("Matching suppliers")),
}


class PartyField(RecordField):
    """A customer or supplier, given by its name (in any case) or its number (primary key).

    People type a name or pick it from the search list; links and scripts send
    the number. A name several parties share is refused unless one of them was
    picked from the list (the picker then sends its key, see RecordInput), and
    a value that is both a name and another party's number means the name.
    """

    default_error_messages = {
        "unknown": _("No %(kind)s is called “%(value)s”."),
        "ambiguous": _(
            "Several %(kinds)s are called “%(value)s”: pick the one you mean from the list "
            "(type part of the name), or type its number (%(numbers)s)."
        ),
        "archived": _("%(record)s is archived: choose an active %(kind)s."),
    }
    # Namesakes the ambiguous message lists by number.
    MAX_NAMESAKES_LISTED = 5

    def __init__(self, model: type[Party], *, active_only=True, **kwargs):
        self.model = model
        none_text, list_label = PARTY_PICKER_TEXTS[model]
        search_url = reverse_lazy(PARTY_SEARCH_URLS[model])
        if active_only:
            search_url = format_lazy("{}?active=1", search_url)
        kwargs.setdefault(
            "widget",
            RecordInput(
                search_url=search_url,
                text_attribute="name",
                keeps_key=True,
                attrs={
                    "data-record-none": none_text,
                    "data-record-list-label": list_label,
                },
            ),
        )
        kwargs.setdefault("help_text", _("Type part of the name to search, or the number."))
        super().__init__(active_only=active_only, **kwargs)

    def find_record(self, text: str, *, chosen_key: int | None) -> Party:
        parties = self.queryset()
        if chosen_key is not None:
            # Picked from the list (or shown by the last page), as long as the
            # name was not changed since.
            chosen = parties.filter(pk=chosen_key).first()
            if chosen and chosen.name.casefold() == text.casefold():
                return chosen
        namesakes = list(
            parties.filter(name__iexact=text).order_by("pk")[: self.MAX_NAMESAKES_LISTED + 1]
        )
        if len(namesakes) == 1:
            return namesakes[0]
        if namesakes:
            numbers = ", ".join(f"#{party.pk}" for party in namesakes[: self.MAX_NAMESAKES_LISTED])
            if len(namesakes) > self.MAX_NAMESAKES_LISTED:
                numbers += ", …"
            raise self.error("ambiguous", value=text, numbers=numbers)
        if (key := key_in(text)) is not None and (party := parties.filter(pk=key).first()):
            return party
        raise self.error("unknown", value=text)

    def describe(self, record: Party) -> str:
        return describe_party(record)


class PartyFilterForm(ListFilterForm):
    search_fields = ("name", "email", "phone")


class PartySearchForm(RecordSearchForm):
    active = forms.ChoiceField(
        choices=[("", _("Active and archived")), ("1", _("Active only"))], required=False
    )
