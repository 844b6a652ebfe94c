from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit history: who changed which record when, field by field (django-auditlog)."""

    name = "audit"

    def ready(self):
        """Record changes of the tracked models, and show each record's history on its page."""
        from audit.sections import record_history
        from audit.tracking import TRACKED, track_changes
        from core.sections import register_section

        track_changes()
        for tracked in TRACKED:
            if tracked.page:
                register_section(tracked.page, record_history)
