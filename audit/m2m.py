"""Records added to or removed from a many-to-many field (a user's roles, a profile's stores).

auditlog's own receiver (``register(m2m_fields=…)``) records as removed every record a
``remove()`` names, held or not (``accounts.users.user_save`` removes every other role
at each save, so each edit of a user would read "removed Clerk" of someone who never
was one), and as cleared every record of the related table. This one asks the link
table, before the change, which of them the record really held, and records only those.
Entries have auditlog's shape (``{"groups": {"type": "m2m", "operation": …}}``), so
they read as the others do.
"""

from auditlog.context import auditlog_disabled
from auditlog.models import LogEntry
from django.db.models.signals import m2m_changed

# Where a record keeps, between the pre_ and post_ signals of a removal, which of the
# records named it really held, per field.
HELD = "_audit_held"


def _held_now(field, instance, pk_set=None) -> set:
    """The ids of the related records ``instance`` holds in ``field`` (among ``pk_set``)."""
    links = field.remote_field.through._default_manager.filter(
        **{field.m2m_field_name(): instance.pk}
    )
    target = field.m2m_reverse_field_name()
    if pk_set is not None:
        links = links.filter(**{f"{target}__in": pk_set})
    return set(links.values_list(f"{target}_id", flat=True))


def record_m2m_changes(owner, field_name: str) -> None:
    """Record each change of ``owner.field_name`` made from ``owner``'s side as an update
    entry of the record, naming the related records added or removed."""
    field = owner._meta.get_field(field_name)

    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs):
        # ``model`` is the related model (Group); a change from its side (a group's users)
        # is none the app makes.
        if reverse or auditlog_disabled.get():
            return
        held = instance.__dict__.setdefault(HELD, {})
        if action in ("pre_remove", "pre_clear"):
            held[field_name] = _held_now(field, instance, pk_set)
            return
        if action == "post_add":
            changed, operation = pk_set, "add"
        elif action in ("post_remove", "post_clear"):
            changed, operation = held.pop(field_name, set()), "delete"
        else:
            return
        if changed:
            LogEntry.objects.log_m2m_changes(
                model._default_manager.filter(pk__in=changed).order_by("pk"),
                instance,
                operation,
                field_name,
            )

    m2m_changed.connect(
        receiver,
        sender=field.remote_field.through,
        weak=False,
        dispatch_uid=f"audit:{owner._meta.label}.{field_name}",
    )
