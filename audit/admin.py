"""auditlog's admin of the history, made read-only for everyone.

auditlog's own ``LogEntryAdmin`` refuses adding and changing, but lets a delete from
another admin page take entries with it; here nothing deletes an entry, and only
superusers (who hold every permission) see them.
"""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin


class HistoryAdmin(LogEntryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, HistoryAdmin)
