"""The reporting period chosen in the query string (``?period=30d`` or a custom range)."""

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

# Longer periods are charted per month instead of per day, and per year when
# even months would make the bars too thin to read.
MAX_DAILY_POINTS = 92
MAX_MONTHLY_POINTS = 120
# A custom range longer than this is a typo (year 0202 for 2025), not a question.
MAX_CUSTOM_DAYS = 100 * 366


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: datetime.date | None  # None: from the beginning
    end: datetime.date | None  # inclusive; None: no end, so post-dated documents count too

    @property
    def query(self) -> dict:
        """The list-page filters that show the documents these totals count.

        Totals leave voided documents out, so the links ask for valid ones only.
        """
        query = {"status": "valid"}
        if self.start:
            query["date_from"] = self.start.isoformat()
        if self.end:
            query["date_to"] = self.end.isoformat()
        return query

    @property
    def form_query(self) -> dict:
        """The :class:`PeriodForm` input that selects this period on another report."""
        if self.key == "custom":
            return {
                "period": "custom",
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        return {"period": self.key}


class PeriodForm(forms.Form):
    PERIOD_CHOICES = [
        ("today", "Today"),
        ("7d", "Last 7 days"),
        ("30d", "Last 30 days"),
        ("month", "This month"),
        ("year", "This year"),
        ("all", "All time"),
        ("custom", "Custom range"),
    ]
    DEFAULT = "30d"

    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                raise forms.ValidationError(
                    "A custom range needs a start and an end date.", code="incomplete"
                )
            if start > end:
                raise forms.ValidationError(
                    "The start date is after the end date.", code="reversed"
                )
            if (end - start).days > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(
                    "A custom range can span at most 100 years; choose “All time” for everything.",
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
            return Period(key, f"{start:%d %b %Y} – {end:%d %b %Y}", start, end)
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
