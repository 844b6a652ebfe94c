from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit history: who changed which record when, field by field (django-auditlog)."""

    name = "audit"

    def ready(self):
        """Record changes of the tracked models, and show each record's history on its page."""
        from audit.rules import record_rule_changes
        from audit.sections import record_history, user_history
        from audit.tracking import TRACKED, track_changes
        from core.sections import register_section
        from products.models import stock_rules_changed

        track_changes()
        # Rules are written with an UPDATE that auditlog does not see (audit.rules).
        stock_rules_changed.connect(record_rule_changes, dispatch_uid="audit.rules")
        for tracked in TRACKED:
            if tracked.page:
                register_section(tracked.page, record_history)
        # A user's page: their account's entries and their profile's (stores).
        register_section("users:detail", user_history)
