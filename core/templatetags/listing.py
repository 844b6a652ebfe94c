"""Template tags for list pages, loaded as the ``listing`` library (see settings.TEMPLATES)."""

import datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

from core.money import format_money
from core.quantities import format_quantity
from core.text import mid_sentence

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, field: str, label: str):
    """A column heading that sorts by ``field``, toggling direction, keeping the other filters."""
    request = context["request"]
    current = context.get("current_sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    if current == field:
        params["sort"], arrow = f"-{field}", " ▲"
    elif current == f"-{field}":
        params["sort"], arrow = field, " ▼"
    else:
        params["sort"], arrow = field, ""
    return format_html('<a href="?{}" class="sort-link">{}{}</a>', params.urlencode(), label, arrow)


# One way to write each kind of figure, from the active locale (settings.LANGUAGE_CODE):
# money "-$1,234.50", quantities "1,347 pcs", dates "Dec. 2, 2026" (DATE_FORMAT) and
# moments "Dec. 2, 2026, 3:05 p.m." (DATETIME_FORMAT, the same date with a time). Pages,
# print views and PDFs use these; a form's input values stay unlocalised.


@register.filter
def money(value, places: int = 2):
    """An amount with the currency, thousands separators and ``places`` decimals: "-$18.00"."""
    return format_money(value, places)


@register.filter
def quantity(value, unit=None):
    """A quantity without the zeros its unit does not need, with the unit: "1,347 pcs", "2.5 m"."""
    return format_quantity(value, unit)


@register.filter(name="mid_sentence")
def mid_sentence_filter(label) -> str:
    """``{{ status|mid_sentence }}``: see :func:`core.text.mid_sentence`."""
    return mid_sentence(label)


@register.filter
def plural_count(value) -> int:
    """A quantity as the count ``blocktranslate count`` picks a plural form by: a whole
    number as itself, a fraction (2.5 m) as 2, whose form fractions take ("2.5 units").
    Translation catalogs choose forms by integers only."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return 2
    return int(number) if number == number.to_integral_value() else 2


@register.filter
def signed_quantity(value, unit=None):
    """A ledger quantity with its sign: "+2.5 m", "-3 pcs"."""
    return format_quantity(value, unit, signed=True)


@register.filter(expects_localtime=True)
def day(value):
    """A date, or a moment's local date, in the locale's date format: "Dec. 2, 2026"."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATE_FORMAT")


@register.filter(expects_localtime=True)
def day_time(value):
    """A moment in local time, the same date format with the time: "Dec. 2, 2026, 3:05 p.m."."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


@register.filter
def display_value(bound_field):
    """What a read-only page shows for a model form's field: a choice's label, not its key.

    A foreign key shows the related record ("Fasteners", not "3"); a field with
    choices shows its label ("piece", not "pcs").
    """
    instance = bound_field.form.instance
    name = bound_field.name
    if display := getattr(instance, f"get_{name}_display", None):
        return display()
    return getattr(instance, name, bound_field.value())


@register.simple_tag
def elided_page_range(page_obj):
    """Page numbers around the current page, with an ellipsis for the rest."""
    return list(
        page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    )
