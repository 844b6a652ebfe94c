"""Record pickers: a text input instead of a <select>, for records there are too many of.

Products, customers and suppliers run into the thousands; a <select> of all of
them makes every page that shows one slow and heavy. A picker is a text input:
people type a record's text (a product's SKU, a customer's name) or its key,
and the form field finds the record. static/js/record_picker.js turns the input
into a search-as-you-type box that asks a :class:`RecordSearchView` for matches;
without JavaScript the input works the same, typed by hand.
"""

from django import forms
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.forms.boundfield import BoundField
from django.http import JsonResponse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.generic import View

# Longer digit strings are no primary key of a 64-bit column.
MAX_KEY_DIGITS = 18


def key_in(text: str) -> int | None:
    """The primary key ``text`` spells, if it spells one."""
    if text.isascii() and text.isdigit() and len(text) <= MAX_KEY_DIGITS:
        return int(text)
    return None


class TypedText(str):
    """What was typed into a picker, with the key of the record last chosen in it (or "")."""

    def __new__(cls, text: str, chosen_key: str = ""):
        typed = super().__new__(cls, text)
        typed.chosen_key = chosen_key
        return typed


class RecordInput(forms.TextInput):
    """A text input naming a record by its ``text_attribute`` ("sku", "name").

    ``search_url`` answers the picker script's searches. ``keeps_key`` is for
    records whose text is not unique (two customers may share a name): a hidden
    "<name>_pk" input beside the text carries the key of the record chosen, so
    a namesake picked from the list, or shown by the page, stays the one meant.
    """

    def __init__(self, *, search_url, text_attribute, keeps_key=False, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "data-record-search": search_url,
                "data-record-text": text_attribute,
                **(attrs or {}),
            }
        )
        self.text_attribute = text_attribute
        self.keeps_key = keeps_key

    def format_value(self, value):
        if isinstance(value, models.Model):
            return getattr(value, self.text_attribute)
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        text = super().value_from_datadict(data, files, name)
        if not self.keeps_key or text is None:
            return text
        return TypedText(text, data.get(f"{name}_pk") or "")

    def render(self, name, value, attrs=None, renderer=None):
        text_input = super().render(name, value, attrs, renderer)
        if not self.keeps_key:
            return text_input
        # Only a record found or given carries its key: a key left over from
        # text that no longer names its record would point at the wrong one.
        key = value.pk if isinstance(value, models.Model) else ""
        return format_html('{}<input type="hidden" name="{}_pk" value="{}">', text_input, name, key)


class RecordBoundField(BoundField):
    """Shows the record found: its text in the input and what tells it apart as the help text.

    The record comes from what the form already holds (the initial record, or
    the one cleaning found), so re-rendering runs no query; only an initial
    value given as a bare key is looked up, once.
    """

    @property
    def chosen_record(self) -> models.Model | None:
        if self.form.is_bound:
            return getattr(self.form, "cleaned_data", {}).get(self.name)
        return self.initial_record

    @cached_property
    def initial_record(self) -> models.Model | None:
        if isinstance(self.initial, models.Model) or self.initial in (None, ""):
            return self.initial or None
        # A key, e.g. the supplier of a reorder link's product.
        key = key_in(str(self.initial))
        return self.field.queryset().filter(pk=key).first() if key is not None else None

    def value(self):
        return self.chosen_record or super().value()

    @property
    def help_text(self):
        record = self.chosen_record
        return format_html("{}", self.field.describe(record)) if record else self.field.help_text

    @help_text.setter
    def help_text(self, value):
        """BoundField.__init__ sets it once; here it is worked out when the field renders."""


class RecordField(forms.Field):
    """A record typed as text; subclasses say how the text finds it (:meth:`find_record`).

    ``active_only`` refuses archived records with a message saying so (they are
    still found, to say why they are refused).
    """

    bound_field_class = RecordBoundField
    default_validators = [ProhibitNullCharactersValidator()]
    default_error_messages = {
        "archived": _("%(record)s is archived."),
    }
    model: type[models.Model]

    def __init__(self, *, active_only=True, **kwargs):
        self.active_only = active_only
        super().__init__(**kwargs)

    def queryset(self):
        """Where records are looked for: archived ones too (see ``active_only``)."""
        return self.model._default_manager.all()

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "data-hint": self.help_text}

    def to_python(self, value):
        if isinstance(value, models.Model):
            return getattr(value, self.widget.text_attribute)
        return str(value).strip() if value not in self.empty_values else ""

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        record = self.find_record(text, chosen_key=key_in(getattr(value, "chosen_key", "")))
        if self.active_only and not record.is_active:
            raise self.error("archived", record=record)
        return record

    def error(self, code: str, **params) -> ValidationError:
        """The ValidationError of ``code``, its message given ``params`` and the model's names."""
        meta = self.model._meta
        params |= {"kind": meta.verbose_name, "kinds": meta.verbose_name_plural}
        return ValidationError(self.error_messages[code], code=code, params=params)

    def find_record(self, text: str, *, chosen_key: int | None) -> models.Model:
        """The record ``text`` names, or a ValidationError saying why there is none."""
        raise NotImplementedError

    def describe(self, record) -> str:
        """What shows under the field once ``record`` is chosen."""
        return str(record)


class RecordSearchForm(forms.Form):
    """What a picker sends while a person types (see RecordSearchView)."""

    q = forms.CharField(max_length=100, required=False)  # as long as the lists' search boxes


class RecordSearchView(PermissionRequiredMixin, View):
    """JSON for a picker: ``{"results": [...]}``, at most ``LIMIT`` records matching ``q``.

    Input the form refuses (an over-long term, a bad option) is a 400 with
    ``{"error": "..."}``; a blank term finds nothing.
    """

    http_method_names = ["get"]
    form_class = RecordSearchForm
    LIMIT = 20

    def get(self, request):
        form = self.form_class(request.GET)
        if not form.is_valid():
            errors = [error for field_errors in form.errors.values() for error in field_errors]
            return JsonResponse({"error": " ".join(errors)}, status=400)
        term = form.cleaned_data["q"]
        if not term:
            return JsonResponse({"results": []})
        return JsonResponse({"results": self.results(term, form.cleaned_data)})

    def results(self, term: str, options: dict) -> list[dict]:
        """The matches of ``term``, at most ``LIMIT``; ``options`` are the form's other fields."""
        raise NotImplementedError
