from django.apps import AppConfig, apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.signals import user_logged_in
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


def sync_roles(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """Keep the Manager and Clerk groups in step with permissions added by later migrations."""
    from accounts.roles import ensure_roles

    # Django creates each app's permissions when that app's post_migrate is
    # sent, in INSTALLED_APPS order, and accounts comes before the apps above
    # it: create them all now, so the roles get the newest ones too.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    ensure_roles()


class AccountsConfig(AppConfig):
    """Who may do what: the roles (groups and their permissions), the users and their passwords."""

    name = "accounts"

    def ready(self):
        from accounts.middleware import remember_must_change_password

        # Once per migrate (or flush), after every app's permissions exist.
        post_migrate.connect(sync_roles, sender=self, dispatch_uid="accounts.sync_roles")
        # At each login: whether a temporary password must be changed first.
        user_logged_in.connect(
            remember_must_change_password, dispatch_uid="accounts.remember_must_change_password"
        )
