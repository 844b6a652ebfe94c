"""The history is auditlog's ``LogEntry`` table; this app only reads it.

``HistoryEntry`` is a proxy of it (no table of its own), so the permission to browse
the history belongs to this app and the roles can hand it out (accounts.roles).
"""

from auditlog.models import LogEntry
from django.utils.translation import gettext_lazy as _

BROWSE_HISTORY = "audit.browse_history"


class HistoryEntry(LogEntry):
    """One recorded change: who, when, which record, each field's old and new value."""

    class Meta:
        proxy = True
        # Entries are written by auditlog's signals only: no add, change or delete
        # permission exists to give. Not "view_…": clerks hold every view permission.
        default_permissions = ()
        permissions = [("browse_history", "Can see the history of changes")]
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
