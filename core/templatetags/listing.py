"""Template tags for list pages, loaded as the ``listing`` library (see settings.TEMPLATES)."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html

from core.quantities import format_quantity

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


@register.filter
def money(value, places: int = 2):
    """Format a Decimal with thousands separators and fixed places, half a cent up.

    Totals are exact to five places (2.5 m at 1.99 is 4.975); they are rounded
    here, for the page, never before they are added up.
    """
    if value in (None, ""):
        value = 0
    exponent = Decimal(1).scaleb(-int(places))
    return f"{Decimal(value).quantize(exponent, ROUND_HALF_UP):,.{int(places)}f}"


@register.filter
def quantity(value, unit=None):
    """A quantity without the zeros its unit does not need, with the unit: "1,347 pcs", "2.5 m"."""
    return format_quantity(value, unit)


@register.filter
def signed_quantity(value, unit=None):
    """A ledger quantity with its sign: "+2.5 m", "-3 pcs"."""
    return format_quantity(value, unit, signed=True)


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
