from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_roles(sender, **kwargs):
    """Keep the Manager and Clerk groups in step with permissions added by later migrations."""
    from accounts.roles import ensure_roles

    ensure_roles()


class AccountsConfig(AppConfig):
    """Who may do what: the roles (groups and their permissions) and the user commands."""

    name = "accounts"

    def ready(self):
        # Once per migrate (or flush), after every app's permissions exist.
        post_migrate.connect(sync_roles, sender=self, dispatch_uid="accounts.sync_roles")
