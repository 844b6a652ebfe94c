from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_roles(sender, **kwargs):
    """Keep the Manager and Clerk groups in step with permissions added by later migrations."""
    from dashboard.roles import ensure_roles

    ensure_roles()


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        # Once per migrate (or flush), after every app's permissions exist.
        post_migrate.connect(sync_roles, sender=self, dispatch_uid="dashboard.sync_roles")
