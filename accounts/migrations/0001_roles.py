"""The Manager and Clerk groups with their permissions.

This migration was dashboard.0001_roles until the roles moved to the accounts
app. A database that ran that one already holds both groups: this one finds
them by name and sets the same permissions again, so nothing changes there and
a new database gets them.

The code is a frozen copy of accounts.roles as it was when this migration was
written, as Django's documentation advises for data migrations: a later change
to the roles must not change what this step does on a fresh database. After
every migrate, accounts.apps brings the groups up to date with the live code.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

MANAGER = "Manager"
CLERK = "Clerk"
ROLES = (MANAGER, CLERK)
INVENTORY_APPS = ("stores", "people", "products", "purchases", "sales")
CLERK_PERMISSIONS = (
    "purchases.add_purchase",
    "sales.add_sale",
    "people.add_customer",
    "people.change_customer",
)


def role_permissions(role, permission_model):
    inventory = permission_model.objects.filter(content_type__app_label__in=INVENTORY_APPS)
    if role == MANAGER:
        return inventory
    clerk = Q(codename__startswith="view_")
    for name in CLERK_PERMISSIONS:
        app_label, codename = name.split(".")
        clerk |= Q(content_type__app_label=app_label, codename=codename)
    return inventory.filter(clerk)


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create
    # them now so the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set(role_permissions(role, permission_model))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("stores", "0001_initial"),
        ("people", "0001_initial"),
        ("products", "0001_initial"),
        ("purchases", "0001_initial"),
        ("sales", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
