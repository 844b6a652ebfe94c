"""Template tags for list pages, loaded as the ``listing`` library (see settings.TEMPLATES)."""

from django import template
from django.utils.html import format_html

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
    """Format a Decimal with thousands separators and fixed places (no float rounding)."""
    if value in (None, ""):
        value = 0
    return f"{value:,.{int(places)}f}"


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
