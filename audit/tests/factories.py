"""Users of each role, and reading back what the history recorded."""

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from accounts.roles import CLERK, MANAGER


def role_user(username: str, role: str = MANAGER):
    """A user holding ``role`` (the real group the roles migration keeps)."""
    user = get_user_model().objects.create_user(username, email=f"{username}@example.com")
    user.groups.add(Group.objects.get(name=role))
    return user


def clerk_user(username: str = "counter-clerk"):
    return role_user(username, CLERK)


def entries_of(record):
    """The entries recorded for ``record``, oldest first."""
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        ).order_by("pk")
    )


def latest_entry_of(record) -> LogEntry:
    return entries_of(record)[-1]
