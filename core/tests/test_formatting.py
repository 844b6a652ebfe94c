"""One way to write each kind of figure: money, quantities, dates and moments, from the locale."""

import csv
import datetime
import io
import warnings
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone, translation

from core.csv_export import csv_cell, csv_response
from core.pdf import money as pdf_money
from core.quantities import QuantityField, format_quantity, plain_quantity
from core.templatetags.listing import (
    day,
    day_time,
    money,
    plural_count,
    quantity,
    signed_quantity,
)


def render(source: str, **context) -> str:
    return Template("{% load listing %}" + source).render(Context(context))


# Money


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("-18"), "-$18.00"),
        (Decimal("1234"), "$1,234.00"),
        (Decimal("1234567.891"), "$1,234,567.89"),
        (Decimal("4.975"), "$4.98"),  # half a cent up
        (Decimal("-0.004"), "$0.00"),  # no "-$0.00"
        (None, "$0.00"),
    ],
)
def test_money_sign_before_currency_thousands_two_places(amount, shown):
    assert money(amount) == shown


def test_money_places_given():
    assert money(Decimal("2599.5"), 0) == "$2,600"
    assert money(Decimal("-1.23456"), 4) == "-$1.2346"


@override_settings(CURRENCY_SYMBOL="€")
def test_money_uses_the_configured_currency():
    assert money(Decimal("-5")) == "-€5.00"


def test_money_follows_the_active_locale():
    with translation.override("de"):
        assert money(Decimal("-1234.5")) == "-$1.234,50"


def test_pdf_money_is_the_page_money():
    assert pdf_money(Decimal("-1234.5")) == "-$1,234.50"


def test_money_filter_in_a_template():
    assert render("{{ amount|money }}", amount=Decimal("-18")) == "-$18.00"


# Quantities


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (Decimal("1347"), None, "1,347"),
        (Decimal("1347.000"), "pcs", "1,347 pcs"),
        (Decimal("2.500"), "m", "2.5 m"),
        (Decimal("1234567.125"), "kg", "1,234,567.125 kg"),
        (Decimal("-1000"), "pcs", "-1,000 pcs"),
        (Decimal("0"), "pcs", "0 pcs"),
    ],
)
def test_quantity_thousands_and_the_units_decimals(value, unit, shown):
    assert quantity(value, unit) == shown


def test_signed_quantity_has_its_sign_and_separators():
    assert signed_quantity(Decimal("1000000"), "pcs") == "+1,000,000 pcs"
    assert signed_quantity(Decimal("-2.5"), "m") == "-2.5 m"


def test_quantity_follows_the_active_locale():
    with translation.override("de"):
        assert format_quantity(Decimal("1234.5"), "m") == "1.234,5 m"


def test_quantity_in_a_form_input_stays_unlocalised():
    """Inputs hold what a person types back: no separators, a point, in every locale."""
    with translation.override("de"):
        assert plain_quantity(Decimal("1234.500"), grouped=False) == "1234.5"
        assert QuantityField().prepare_value(Decimal("1234.500")) == "1234.5"


# Dates


def test_day_is_the_locales_date_format():
    assert day(datetime.date(2026, 12, 2)) == "Dec. 2, 2026"
    assert day(None) == ""


@override_settings(TIME_ZONE="America/New_York")
def test_day_of_a_moment_is_its_local_date():
    moment = datetime.datetime(2026, 12, 3, 2, 0, tzinfo=datetime.UTC)  # 9 p.m. on the 2nd in NY
    with timezone.override("America/New_York"):
        assert day(moment) == "Dec. 2, 2026"
        assert day_time(moment) == "Dec. 2, 2026, 9 p.m."
        assert render("{{ moment|day_time }}", moment=moment) == "Dec. 2, 2026, 9 p.m."


def test_day_and_day_time_write_the_same_date():
    moment = timezone.make_aware(datetime.datetime(2026, 11, 3, 15, 5))
    assert day_time(moment).startswith(day(moment) + ", ")


def test_day_follows_the_active_locale():
    with translation.override("de"):
        assert day(datetime.date(2026, 12, 2)) == "2. Dezember 2026"


# CSV


def test_csv_booleans_are_words():
    assert csv_cell(True) == "yes"
    assert csv_cell(False) == "no"
    assert csv_cell(1) == 1  # a count is not a boolean


def test_csv_response_starts_with_a_bom_and_reads_back():
    response = csv_response("units", ["Unit", "Active"], [("mm²", True), ("m", False)])
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    assert body.count("\ufeff".encode()) == 1
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["Unit", "Active"], ["mm²", "yes"], ["m", "no"]]


@pytest.mark.parametrize(
    ("value", "count"),
    [(Decimal("1.000"), 1), (Decimal("3"), 3), (Decimal("2.5"), 2), (Decimal("0.5"), 2), (0, 0)],
)
def test_plural_count_is_a_whole_number_for_the_catalogs(value, count):
    assert plural_count(value) == count


def test_a_fractional_count_takes_the_plural_form_in_another_language_without_a_warning():
    source = (
        "{% load i18n %}{% blocktranslate count counter=units|plural_count with shown=units %}"
        "{{ shown }} unit{% plural %}{{ shown }} units{% endblocktranslate %}"
    )
    with translation.override("de"), warnings.catch_warnings():
        warnings.simplefilter("error")  # gettext warns about a Decimal count
        assert render(source, units=Decimal("2.5")) == "2,5 units"  # a German decimal comma
        assert render(source, units=Decimal("1")) == "1 unit"
