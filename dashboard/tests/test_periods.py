"""The period selector: each choice's first and last day, custom ranges, and bad input."""

import datetime

import pytest
from django.utils import timezone

from dashboard.forms import PeriodForm
from dashboard.periods import Period

TODAY = datetime.date(2026, 3, 10)


def period_for(data, today=TODAY) -> tuple[PeriodForm, Period]:
    form = PeriodForm(data)
    return form, form.get_period(today=today)


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("today", TODAY, TODAY),
        ("7d", datetime.date(2026, 3, 4), TODAY),
        ("30d", datetime.date(2026, 2, 9), TODAY),
        ("month", datetime.date(2026, 3, 1), TODAY),
        ("year", datetime.date(2026, 1, 1), TODAY),
        ("all", None, None),
    ],
)
def test_get_period_named_choice_spans_expected_days(key, start, end):
    form, period = period_for({"period": key})

    assert form.errors == {}
    assert (period.key, period.start, period.end) == (key, start, end)


def test_get_period_rolling_choices_count_today_in_their_days():
    _, week = period_for({"period": "7d"})
    _, month = period_for({"period": "30d"})

    assert (week.end - week.start).days + 1 == 7
    assert (month.end - month.start).days + 1 == 30


def test_get_period_month_and_year_on_their_first_day_are_one_day_long():
    _, month = period_for({"period": "month"}, today=datetime.date(2026, 1, 1))
    _, year = period_for({"period": "year"}, today=datetime.date(2026, 1, 1))

    assert month.start == month.end == datetime.date(2026, 1, 1)
    assert year.start == year.end == datetime.date(2026, 1, 1)


def test_get_period_rolling_week_crosses_the_year_boundary():
    _, period = period_for({"period": "7d"}, today=datetime.date(2026, 1, 3))

    assert period.start == datetime.date(2025, 12, 28)


def test_get_period_no_input_is_the_default_30_days():
    form = PeriodForm(None)
    period = form.get_period(today=TODAY)

    assert period.key == PeriodForm.DEFAULT == "30d"
    assert period.start == datetime.date(2026, 2, 9)
    assert not form.errors


def test_get_period_unrelated_query_string_is_the_default():
    form, period = period_for({"sort": "-value", "page": "2"})

    assert period.key == "30d"
    assert not form.errors


def test_get_period_custom_range_is_kept_with_both_days():
    form, period = period_for({"period": "custom", "start": "2025-12-01", "end": "2026-01-31"})

    assert not form.errors
    assert (period.start, period.end) == (datetime.date(2025, 12, 1), datetime.date(2026, 1, 31))
    assert period.label == "Dec. 1, 2025 – Jan. 31, 2026"


def test_get_period_custom_single_day_is_valid():
    form, period = period_for({"period": "custom", "start": "2026-02-28", "end": "2026-02-28"})

    assert form.is_valid()
    assert period.start == period.end == datetime.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period": "custom"}, "needs a start and an end"),
        ({"period": "custom", "start": "2026-01-01"}, "needs a start and an end"),
        ({"period": "custom", "end": "2026-01-01"}, "needs a start and an end"),
        ({"period": "custom", "start": "2026-02-01", "end": "2026-01-01"}, "start date is after"),
        ({"period": "custom", "start": "yesterday", "end": "2026-01-01"}, "Enter a valid date"),
        ({"period": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "Enter a valid date"),
        ({"period": "custom", "start": "0001-01-01", "end": "9999-12-31"}, "at most 100 years"),
        ({"period": "fortnight"}, "Select a valid choice"),
        ({"period": "<script>"}, "Select a valid choice"),
    ],
)
def test_get_period_invalid_input_falls_back_to_default_with_error(data, message):
    form, period = period_for(data)

    assert period.key == "30d"
    assert (period.start, period.end) == (datetime.date(2026, 2, 9), TODAY)
    assert any(message in error for error in form.error_list), form.error_list


def test_get_period_garbled_dates_do_not_override_a_named_choice():
    form, period = period_for({"period": "7d", "start": "garbage", "end": "also garbage"})

    assert period.key == "7d"
    assert period.start == datetime.date(2026, 3, 4)
    assert "Start: Enter a valid date." in form.error_list


def test_get_period_uses_local_date_of_the_configured_time_zone(settings, monkeypatch):
    # 11:30 UTC on 31 March is 00:30 on 1 April in Auckland (UTC+13).
    settings.TIME_ZONE = "Pacific/Auckland"
    now = datetime.datetime(2026, 3, 31, 11, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)

    today = PeriodForm({"period": "today"}).get_period()
    month = PeriodForm({"period": "month"}).get_period()

    assert today.start == today.end == datetime.date(2026, 4, 1)
    assert month.start == datetime.date(2026, 4, 1)


def test_get_period_local_date_before_midnight_stays_on_that_day(settings, monkeypatch):
    # 10:59 UTC on 31 March is 23:59 on 31 March in Auckland.
    settings.TIME_ZONE = "Pacific/Auckland"
    now = datetime.datetime(2026, 3, 31, 10, 59, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)

    month = PeriodForm({"period": "month"}).get_period()

    assert (month.start, month.end) == (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def test_period_query_filters_lists_by_the_same_days():
    _, period = period_for({"period": "7d"})
    _, all_time = period_for({"period": "all"})

    assert period.query == {"status": "valid", "date_from": "2026-03-04", "date_to": "2026-03-10"}
    assert all_time.query == {"status": "valid"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"period": "year"}, {"period": "year"}),
        ({}, {"period": "30d"}),
        (
            {"period": "custom", "start": "2026-01-05", "end": "2026-01-09"},
            {"period": "custom", "start": "2026-01-05", "end": "2026-01-09"},
        ),
    ],
)
def test_period_form_query_selects_the_same_period_again(data, expected):
    _, period = period_for(data)

    assert period.form_query == expected
    assert PeriodForm(period.form_query).get_period(today=TODAY) == period
