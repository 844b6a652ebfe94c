"""History entries as people read them: who, what, and each field's old and new value.

auditlog stores each changed field's values as text ("12.50", "True", "None", a
related record's id). This module names the fields (their verbose names), shows
choices by their labels, times in local time, and related records by name: the
records named on a page (or a chunk of an export) are read in one query per
related model, never one per entry, so a page's queries do not grow with its rows.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.forms.utils import pretty_name
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.tracking import page_of

Action = LogEntry.Action
ACTION_LABELS = {
    Action.CREATE: _("Created"),
    Action.UPDATE: _("Changed"),
    Action.DELETE: _("Deleted"),
    Action.ACCESS: _("Viewed"),
}
ACTION_KINDS = {Action.CREATE: "create", Action.UPDATE: "update", Action.DELETE: "delete"}
# How auditlog writes "no value": None (JSON null), "None" (str(None)) or "".
EMPTY = (None, "None", "")
SHOWN_EMPTY = "—"
# The actor of changes made outside a request (management commands, migrations).
SYSTEM = _("system")
# Tracked fields that are costs (products.costs: need-to-know), by model label: left out
# of the history for users without ``products.view_costs``. The average cost and the
# stock value are not tracked (the stock engine keeps them), but an entry written
# before that was decided would still hold them.
COST_FIELDS = {
    "products.Product": frozenset({"cost_price", "average_cost"}),
    "products.StockLevel": frozenset({"stock_value"}),
}


@dataclass(frozen=True)
class FieldChange:
    """One field of one entry: its name, and its value before and after, as shown."""

    name: str
    old: str
    new: str
    # A many-to-many field: records added or removed (``new`` or ``old`` names them).
    added: bool = False
    removed: bool = False


@dataclass
class HistoryRow:
    """One entry, ready for a page or an export."""

    entry: LogEntry
    kind: str  # "create", "update" or "delete"
    when: datetime.datetime
    who: str
    action: str
    model: str  # "Product"
    record: str  # what the record was called then, "Blue widget (BW-1)"
    url: str | None  # its page, unless it was deleted or has none
    changes: list[FieldChange] = field(default_factory=list)


def _model_field(model, name: str):
    """The field ``name`` of ``model``; None if there is none (any more)."""
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _is_reverse(model_field) -> bool:
    """Whether ``model_field`` is another model's key to this one: auditlog lists those
    in a "created" entry ("None" to "products.StockLevel.None"), saying nothing."""
    return isinstance(model_field, models.ForeignObjectRel)


def _is_m2m(change) -> bool:
    return isinstance(change, dict) and change.get("type") == "m2m"


def loaded_names(record) -> dict[tuple[type, str], str]:
    """The names of the records ``record`` already holds (its keys the page selected)."""
    names = {}
    for model_field in record._meta.concrete_fields:
        if model_field.many_to_one and model_field.is_cached(record):
            related = model_field.get_cached_value(record)
            if related is not None:
                names[model_field.related_model, str(related.pk)] = str(related)
    return names


def related_names(
    entries: Iterable[LogEntry], known: dict | None = None
) -> dict[tuple[type, str], str]:
    """(related model, id as stored) -> its name, for every related record ``entries`` name.

    One query per related model, whatever the number of entries; none for those in
    ``known`` (see :func:`loaded_names`).
    """
    names = dict(known or {})
    wanted: dict[type, set] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, change in (entry.changes_dict or {}).items():
            model_field = _model_field(model, name)
            if _is_m2m(change) or model_field is None or not model_field.many_to_one:
                continue
            related = model_field.related_model
            for value in change[:2]:
                if value in EMPTY or (related, str(value)) in names:
                    continue
                try:
                    wanted[related].add(related._meta.pk.to_python(value))
                except ValidationError:
                    continue  # not an id: an old entry that stored the record's name
    for related, pks in wanted.items():
        for record in related._base_manager.filter(pk__in=pks):
            names[related, str(record.pk)] = str(record)
    return names


def shown_value(model_field, value, names: dict) -> str:
    """``value`` (as auditlog stored it) of ``model_field`` as a person reads it."""
    if value in EMPTY:
        return SHOWN_EMPTY
    value = str(value)
    if model_field is None:
        return value
    if model_field.many_to_one:
        return names.get(
            (model_field.related_model, value), gettext("#%(id)s (deleted)") % {"id": value}
        )
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return {"True": gettext("yes"), "False": gettext("no")}.get(value, value)
    if isinstance(model_field, models.DateTimeField):
        # Stored as UTC without its zone.
        moment = parse_datetime(value)
        if moment is None:
            return value
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    return value


def cost_fields(model) -> frozenset[str]:
    """The fields of ``model`` that are costs (see :data:`COST_FIELDS`)."""
    return COST_FIELDS.get(model._meta.label, frozenset()) if model is not None else frozenset()


def field_changes(entry: LogEntry, names: dict, hide_costs: bool = False) -> list[FieldChange]:
    """The fields ``entry`` changed, by verbose name; a record created (or deleted) lists
    only the fields it had a value in. ``hide_costs``: without the cost fields."""
    model = entry.content_type.model_class()
    hidden = cost_fields(model) if hide_costs else frozenset()
    changes = []
    for name, change in sorted((entry.changes_dict or {}).items()):
        if name in hidden:
            continue
        model_field = _model_field(model, name)
        if _is_reverse(model_field):
            continue
        if model_field is not None and hasattr(model_field, "verbose_name"):
            label = capfirst(str(model_field.verbose_name))
        elif " " in name:
            # Already a label (a stock rule's "minimum at Main Street", audit.rules):
            # pretty_name would lower the store's capitals.
            label = capfirst(name)
        else:
            label = pretty_name(name)
        if _is_m2m(change):
            objects = ", ".join(change.get("objects", []))
            if change.get("operation") == "add":
                changes.append(FieldChange(label, "", objects, added=True))
            else:
                changes.append(FieldChange(label, objects, "", removed=True))
            continue
        old, new = change[0], change[1]
        if entry.action == Action.CREATE and new in EMPTY:
            continue
        if entry.action == Action.DELETE and old in EMPTY:
            continue
        changes.append(
            FieldChange(
                label, shown_value(model_field, old, names), shown_value(model_field, new, names)
            )
        )
    return changes


def action_label(entry: LogEntry) -> str:
    """What was done: created, changed, deleted; archived or restored when that was all."""
    if entry.action == Action.UPDATE and set(entry.changes_dict or {}) == {"is_active"}:
        restored = entry.changes_dict["is_active"][1] == "True"
        return gettext("Restored") if restored else gettext("Archived")
    return str(ACTION_LABELS.get(entry.action, entry.action))


def actor_name(entry: LogEntry) -> str:
    if entry.actor_id is not None:
        return entry.actor.get_username()
    # The actor's account was deleted since: the address kept with the entry.
    return entry.actor_email or str(SYSTEM)


def record_url(entry: LogEntry) -> str | None:
    model = entry.content_type.model_class()
    page = page_of(model) if model is not None else None
    if page is None or entry.action == Action.DELETE or entry.object_id is None:
        return None
    try:
        return reverse(page, args=[entry.object_id])
    except NoReverseMatch:
        return None


def model_label(content_type) -> str:
    model = content_type.model_class()
    return capfirst(str(model._meta.verbose_name)) if model is not None else content_type.model


def only_costs(entry: LogEntry) -> bool:
    """Whether ``entry`` changed cost fields and nothing else (see :data:`COST_FIELDS`)."""
    changed = set(entry.changes_dict or {})
    return (
        entry.action == Action.UPDATE
        and bool(changed)
        and changed <= cost_fields(entry.content_type.model_class())
    )


def history_rows(
    entries: Iterable[LogEntry], known: dict | None = None, *, hide_costs: bool = False
) -> list[HistoryRow]:
    """``entries`` (with ``actor`` and ``content_type`` selected) as rows to show; ``known``:
    related records' names already at hand (see :func:`related_names`).

    ``hide_costs`` (a user without ``products.view_costs``): cost fields are left out,
    and a change of nothing else is not listed at all (an empty "Changed" row would
    still say when the cost changed).
    """
    entries = list(entries)
    if hide_costs:
        entries = [entry for entry in entries if not only_costs(entry)]
    names = related_names(entries, known)
    return [
        HistoryRow(
            entry=entry,
            kind=ACTION_KINDS.get(entry.action, "update"),
            when=entry.timestamp,
            who=actor_name(entry),
            action=action_label(entry),
            model=model_label(entry.content_type),
            record=entry.object_repr,
            url=record_url(entry),
            changes=field_changes(entry, names, hide_costs),
        )
        for entry in entries
    ]
