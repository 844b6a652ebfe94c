"""The reporting period chosen in the query string (``?period=30d`` or a custom range)."""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone

# Longer periods are charted per month instead of per day.
MAX_DAILY_POINTS = 92


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: datetime.date | None  # None: from the beginning
    end: datetime.date  # inclusive

    @property
    def query(self) -> dict:
        """The list-page filters that show the same documents (``date_from``/``date_to``)."""
        query = {"date_to": self.end.isoformat()}
        if self.start:
            query["date_from"] = self.start.isoformat()
        return query


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
                raise forms.ValidationError("A custom range needs a start and an end date.")
            if start > end:
                raise forms.ValidationError("The start date is after the end date.")
        return cleaned

    def get_period(self, today: datetime.date | None = None) -> Period:
        """The chosen period; invalid input falls back to the default rather than failing."""
        today = today or timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        key = data.get("period") or self.DEFAULT
        label = dict(self.PERIOD_CHOICES)[key]
        if key == "custom":
            start, end = data["start"], data["end"]
            return Period(key, f"{start:%d %b %Y} – {end:%d %b %Y}", start, end)
        starts = {
            "today": today,
            "7d": today - datetime.timedelta(days=6),
            "30d": today - datetime.timedelta(days=29),
            "month": today.replace(day=1),
            "year": today.replace(month=1, day=1),
            "all": None,
        }
        return Period(key, label, starts[key], today)
