"""The dashboard's filter forms: the period, the reports and the stock ledger export."""

import datetime

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.crud import FilterForm
from core.templatetags.listing import day
from dashboard.periods import MAX_CUSTOM_DAYS, Period
from products.models import Category, StockMovement
from stores.models import Store


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of ``day``, in UTC.

    Midnight of 1 January of year 1 east of Greenwich falls before the first
    instant a datetime can hold in UTC; the earliest instant stands in for it.
    """
    midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    try:
        return midnight.astimezone(datetime.UTC)
    except OverflowError:
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)


class ErrorListMixin:
    """For a report's own input, whose errors are shown above the report it falls back to."""

    @property
    def error_list(self) -> list[str]:
        """Every error as one sentence, field errors named by their field."""
        messages = [
            f"{self[field].label}: {error}"
            for field, errors in self.errors.items()
            if field != NON_FIELD_ERRORS
            for error in errors
        ]
        return [*self.non_field_errors(), *messages]


class PeriodForm(ErrorListMixin, forms.Form):
    PERIOD_CHOICES = [
        ("today", _("Today")),
        ("7d", _("Last 7 days")),
        ("30d", _("Last 30 days")),
        ("month", _("This month")),
        ("year", _("This year")),
        ("all", _("All time")),
        ("custom", _("Custom range")),
    ]
    DEFAULT = "30d"

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(
        label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("End"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                raise forms.ValidationError(
                    gettext("A custom range needs a start and an end date."), code="incomplete"
                )
            if start > end:
                raise forms.ValidationError(
                    gettext("The start date is after the end date."), code="reversed"
                )
            if (end - start).days > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(
                    gettext(
                        "A custom range can span at most 100 years; "
                        "choose “All time” for everything."
                    ),
                    code="too_long",
                )
        return cleaned

    def get_period(self, today: datetime.date | None = None) -> Period:
        """The chosen period; invalid input falls back to the default rather than failing.

        A valid choice is kept even when an unrelated field is invalid (say a
        garbled ``start`` with ``period=7d``); a custom range needs the whole
        form to be valid.
        """
        today = today or timezone.localdate()
        key = self.DEFAULT
        if self.is_bound:
            is_valid = self.is_valid()
            requested = self.cleaned_data.get("period") or self.DEFAULT
            if requested != "custom" or is_valid:
                key = requested
        label = dict(self.PERIOD_CHOICES)[key]
        if key == "custom":
            start, end = self.cleaned_data["start"], self.cleaned_data["end"]
            return Period(key, f"{day(start)} – {day(end)}", start, end)
        if key == "all":
            return Period(key, label, None, None)
        starts = {
            "today": today,
            "7d": today - datetime.timedelta(days=6),
            "30d": today - datetime.timedelta(days=29),
            "month": today.replace(day=1),
            "year": today.replace(month=1, day=1),
        }
        return Period(key, label, starts[key], today)


class ReportFilterForm(FilterForm):
    q = forms.CharField(label=_("Product"), required=False, max_length=100)
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.order_by("name"),
        required=False,
        empty_label=_("All stores"),
    )

    def narrows(self) -> bool:
        """Whether :meth:`filter_queryset` leaves anything out (a search or a store)."""
        data = self.valid_data
        return bool((data.get("q") or "").strip() or data.get("store"))

    def filter_queryset(self, queryset, product_prefix="product", store_field="store"):
        """Apply the valid filters; an invalid one (a stale ``?store=`` id) is ignored."""
        data = self.valid_data
        if term := (data.get("q") or "").strip():
            queryset = queryset.filter(
                Q(**{f"{product_prefix}__name__icontains": term})
                | Q(**{f"{product_prefix}__sku__icontains": term})
            )
        if data.get("store"):
            queryset = queryset.filter(**{store_field: data["store"]})
        return queryset


class CategoryReportFilterForm(ReportFilterForm):
    """The report filters plus a category: the valuation and ageing reports."""

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label=_("All categories"),
    )

    def narrows(self) -> bool:
        return super().narrows() or bool(self.valid_data.get("category"))

    def filter_queryset(self, queryset, product_prefix="product", store_field="store"):
        queryset = super().filter_queryset(queryset, product_prefix, store_field)
        if category := self.valid_data.get("category"):
            queryset = queryset.filter(**{f"{product_prefix}__category": category})
        return queryset


class AgeingFilterForm(CategoryReportFilterForm):
    """The report filters, and whether to list dead stock only (the view applies it)."""

    dead = forms.BooleanField(label=_("Dead stock only"), required=False)


class AsOfForm(ErrorListMixin, forms.Form):
    """The day a valuation is made at the end of: today unless a valid past day is asked for."""

    error_messages = {
        "future": _("The stock of a day still to come is not known; choose today or earlier."),
    }

    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of and as_of > timezone.localdate():
            raise forms.ValidationError(self.error_messages["future"], code="future")
        return as_of

    def get_date(self) -> datetime.date:
        """The chosen day; invalid input falls back to today (its error is shown), never fails."""
        if self.is_bound and self.is_valid() and self.cleaned_data["as_of"]:
            return self.cleaned_data["as_of"]
        return timezone.localdate()


# A longer window than this is a typo (365 for 36500), not a question about dead stock.
MAX_DEAD_DAYS = 3650


class DeadStockForm(ErrorListMixin, forms.Form):
    """How many days without a sale make stock on hand "dead"."""

    DEFAULT_DAYS = 90

    dead_days = forms.IntegerField(
        label=_("Dead after (days without a sale)"),
        required=False,
        min_value=1,
        max_value=MAX_DEAD_DAYS,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )

    def get_days(self) -> int:
        """The chosen number of days; invalid input falls back to the default (its error shown)."""
        if self.is_bound and self.is_valid() and self.cleaned_data["dead_days"]:
            return self.cleaned_data["dead_days"]
        return self.DEFAULT_DAYS


# The largest id a BigAutoField holds: a longer number names no record (and
# SQLite cannot even compare with it).
MAX_ID = 2**63 - 1


class MovementFilterForm(forms.Form):
    product = forms.IntegerField(label=_("Product"), required=False, min_value=1, max_value=MAX_ID)
    store = forms.IntegerField(label=_("Store"), required=False, min_value=1, max_value=MAX_ID)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any")), *StockMovement.Kind.choices], required=False
    )
    date_from = forms.DateField(label=_("Date from"), required=False)
    date_to = forms.DateField(label=_("Date to"), required=False)

    LOOKUPS = {"product": "product_id", "store": "store_id", "kind": "kind"}

    def filter_queryset(self, movements):
        """Apply the valid filters; an invalid value (say ``product=abc``) is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        for field, lookup in self.LOOKUPS.items():
            if data.get(field) not in (None, ""):
                movements = movements.filter(**{lookup: data[field]})
        # Whole local days, compared as aware datetimes: no time zone tables
        # needed in the database (MariaDB often has none).
        if data.get("date_from"):
            movements = movements.filter(created_at__gte=start_of_day(data["date_from"]))
        # The last day a date can hold has no next day: it leaves the range open.
        if data.get("date_to") and data["date_to"] < datetime.date.max:
            next_day = data["date_to"] + datetime.timedelta(days=1)
            movements = movements.filter(created_at__lt=start_of_day(next_day))
        return movements
