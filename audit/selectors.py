"""Reads of the history: one record's entries, and the filtered list of all of them."""

import datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, Subquery
from django.utils import timezone

from accounts.models import Profile

# Newest first; the id breaks ties between entries of one instant (one save's m2m changes).
NEWEST_FIRST = ("-timestamp", "-pk")


def _entries():
    # The actor's name and the record's type are on every row shown: joined, not one
    # query per row.
    return LogEntry.objects.select_related("actor", "content_type")


def history_of(record):
    """The entries of ``record``, newest first."""
    content_type = ContentType.objects.get_for_model(record)  # cached after the first
    return _entries().filter(content_type=content_type, object_id=record.pk).order_by(*NEWEST_FIRST)


def history_of_user(user):
    """The entries of ``user`` and of their profile (their stores), newest first: who
    changed their role, their stores, their name or their access, and when."""
    # The profile's id through a subquery, not a query of its own.
    user_type = ContentType.objects.get_for_model(user)
    profile_type = ContentType.objects.get_for_model(Profile)
    profiles = Profile.objects.filter(user_id=user.pk).values("pk")
    return (
        _entries()
        .filter(
            Q(content_type=user_type, object_id=user.pk)
            | Q(content_type=profile_type, object_id__in=Subquery(profiles))
        )
        .order_by(*NEWEST_FIRST)
    )


def _start_of(day: datetime.date) -> datetime.datetime | None:
    """The first instant of ``day`` in the shop's time zone, in UTC; None when that falls
    outside the calendar (day one east of Greenwich, the last day west of it)."""
    try:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return start.astimezone(datetime.UTC)
    except OverflowError:
        return None


def history(
    *,
    actor=None,
    content_type: ContentType | None = None,
    object_id: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    action: int | None = None,
):
    """Every entry matching the filters given (None: any), newest first.

    ``start`` and ``end`` are days in the shop's time zone, both included.
    """
    entries = _entries()
    if actor is not None:
        entries = entries.filter(actor=actor)
    if content_type is not None:
        entries = entries.filter(content_type=content_type)
    if object_id is not None:
        entries = entries.filter(object_id=object_id)
    if start is not None:
        since = _start_of(start)
        if since is not None:
            entries = entries.filter(timestamp__gte=since)
        elif start.year != datetime.MINYEAR:
            return entries.none()  # after the end of the calendar
    if end is not None and end < datetime.date.max:
        until = _start_of(end + datetime.timedelta(days=1))
        if until is not None:
            entries = entries.filter(timestamp__lt=until)
    if action is not None:
        entries = entries.filter(action=action)
    return entries.order_by(*NEWEST_FIRST)
