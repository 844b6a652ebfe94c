"""The Manager and Clerk roles: the groups, their permissions and the migration that makes them.

What the pages offer each role is tested across every app, in
inventory_project/tests/test_role_pages.py.
"""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.urls import reverse

from accounts.roles import (
    CLERK,
    MANAGER,
    ROLES,
    ensure_roles,
    role_permissions,
)

pytestmark = pytest.mark.django_db

INVENTORY_MODELS = {
    "stores": ["store"],
    "people": ["supplier", "customer"],
    "products": ["category", "unit", "taxrate", "product", "stocklevel", "stockmovement"],
    "purchases": ["purchase", "purchaseline", "purchaseorder", "purchaseorderline"],
    "sales": ["sale", "saleline"],
    "transfers": ["transfer", "transferline"],
    "replenishment": ["digestsubscription", "lowstockdigest"],
}
CUSTOM_PERMISSIONS = {
    "products.adjust_stock",
    "purchases.void_purchase",
    "purchases.place_purchaseorder",
    "purchases.receive_purchaseorder",
    "purchases.close_purchaseorder",
    "sales.void_sale",
    "sales.override_price",  # prices and discounts beyond the usual (sales.pricing)
    "transfers.dispatch_transfer",
    "transfers.receive_transfer",
    "transfers.void_transfer",
    "replenishment.receive_digestsubscription",
    "products.view_costs",  # costs, margins and stock value: need-to-know, managers only
}
# Added after the roles migration was written; migrate's sync gives it to both roles.
DASHBOARD = "dashboard.view_dashboard"
# Managing users at /users/: the Manager role's only permission outside the inventory apps,
# also added after the roles migration was written.
MANAGE_USERS = "accounts.manage_users"
# Browsing the history of changes (/audit/), also added later: managers only. Not a
# "view_" codename, so clerks, who take every one of those, do not get it.
BROWSE_HISTORY = "audit.browse_history"
# Importing data from files (/imports/), added later still: managers only, no "view_" one.
RUN_IMPORT = "imports.run_import"
# Seeing and downloading everyone's background jobs (/jobs/), added later still: managers
# only. Everyone sees their own jobs without a permission.
VIEW_ALL_JOBS = "jobs.view_all_jobs"
TRANSFERS = {
    f"transfers.{codename}"
    for codename in [
        *(f"{action}_{model}" for model in ["transfer", "transferline"]
          for action in ["add", "change", "delete", "view"]),
        "dispatch_transfer", "receive_transfer", "void_transfer",
    ]
}  # fmt: skip
REPLENISHMENT = {
    f"replenishment.{codename}"
    for codename in [
        *(f"{action}_{model}" for model in ["digestsubscription", "lowstockdigest"]
          for action in ["add", "change", "delete", "view"]),
        "receive_digestsubscription",
    ]
}  # fmt: skip
# Apps and permissions added after the roles migration was written. Its frozen roles
# give a manager every permission of the apps it knew (purchase orders' included)
# and a clerk their view permissions; migrate's sync adds the rest.
LATER = (
    {DASHBOARD, MANAGE_USERS, BROWSE_HISTORY, VIEW_ALL_JOBS, RUN_IMPORT} | TRANSFERS | REPLENISHMENT
)
CLERK_PURCHASE_ORDERS = {
    "purchases.add_purchaseorder",
    "purchases.change_purchaseorder",
    "purchases.receive_purchaseorder",
}
# Customer returns are recorded, never changed or deleted: "add" and "view" only. Clerks
# take them at the counter; the roles migration's frozen clerk knew nothing of them.
SALE_RETURNS = {
    f"sales.{action}_{model}"
    for model in ["salereturn", "salereturnline"]
    for action in ["add", "view"]
}
CLERK_RETURNS = {"sales.add_salereturn"}
# Returns to suppliers and their lines, likewise "add" and "view" only; only managers
# send goods back, clerks see the debit notes.
PURCHASE_RETURNS = {
    f"purchases.{action}_{model}"
    for model in ["purchasereturn", "purchasereturnline"]
    for action in ["add", "view"]
}

EXPECTED_MANAGER = (
    {
        f"{app}.{action}_{model}"
        for app, models in INVENTORY_MODELS.items()
        for model in models
        for action in ["add", "change", "delete", "view"]
    }
    | CUSTOM_PERMISSIONS
    | SALE_RETURNS
    | PURCHASE_RETURNS
    | {DASHBOARD, MANAGE_USERS, BROWSE_HISTORY, VIEW_ALL_JOBS, RUN_IMPORT}
)
EXPECTED_CLERK = {
    f"{app}.view_{model}" for app, models in INVENTORY_MODELS.items() for model in models
} | {
    "purchases.add_purchase",
    "sales.add_sale",
    "people.add_customer",
    "people.change_customer",
    "transfers.add_transfer",
    "transfers.dispatch_transfer",
    "transfers.receive_transfer",
    "purchases.add_purchaseorder",
    "purchases.change_purchaseorder",
    "purchases.receive_purchaseorder",
    *CLERK_RETURNS,
    *{permission for permission in SALE_RETURNS | PURCHASE_RETURNS if ".view_" in permission},
    DASHBOARD,
}


def group_permissions(name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


# The groups ----------------------------------------------------------------------------------


def test_roles_exist_after_migrate_with_exactly_their_permissions():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == {
        MANAGER,
        CLERK,
    }
    assert group_permissions(MANAGER) == EXPECTED_MANAGER
    assert group_permissions(CLERK) == EXPECTED_CLERK


def test_clerk_role_holds_no_delete_void_adjust_or_product_change():
    clerk = group_permissions(CLERK)

    assert not {p for p in clerk if ".delete_" in p}
    # Clerks move goods between stores and receive deliveries; cancelling, voiding,
    # sending and closing orders are a manager's.
    assert clerk & CUSTOM_PERMISSIONS == {
        "transfers.dispatch_transfer",
        "transfers.receive_transfer",
        "purchases.receive_purchaseorder",
    }
    assert "products.change_product" not in clerk  # prices are product fields
    assert "products.view_costs" not in clerk  # a "view_" codename, but a manager's
    assert BROWSE_HISTORY not in clerk  # the history of changes is a manager's
    assert RUN_IMPORT not in clerk  # importing data is a manager's
    assert not {p for p in clerk if p.startswith("jobs.")}  # only their own jobs
    assert not {p for p in clerk if p.startswith(("auth.", "admin.", "sessions."))}
    assert not {p for p in clerk if p.startswith("accounts.")}  # no managing users


def test_manager_role_holds_every_inventory_permission_managing_users_and_all_jobs_only():
    inventory = Permission.objects.filter(
        content_type__app_label__in=[*INVENTORY_MODELS, "dashboard", "audit", "imports"]
    )

    assert group_permissions(MANAGER) == {
        f"{p.content_type.app_label}.{p.codename}" for p in inventory.select_related("content_type")
    } | {MANAGE_USERS, VIEW_ALL_JOBS}
    # Not the profiles' own add/change/delete/view: /users/ needs only manage_users.
    assert {p for p in group_permissions(MANAGER) if p.startswith("accounts.")} == {MANAGE_USERS}
    assert not {p for p in group_permissions(MANAGER) if p.startswith("auth.")}
    # Not the jobs' "view_job": their own jobs need none, everyone's need view_all_jobs.
    assert {p for p in group_permissions(MANAGER) if p.startswith("jobs.")} == {VIEW_ALL_JOBS}


def test_roles_data_migration_creates_both_groups_on_a_database_without_them():
    Group.objects.filter(name__in=ROLES).delete()
    migration = importlib.import_module("accounts.migrations.0001_roles")
    state = MigrationExecutor(connection).loader.project_state(("accounts", "0001_roles"))

    migration.create_roles(state.apps, None)

    # The roles of the migration's time; migrate's sync then adds what came later.
    assert group_permissions(MANAGER) == EXPECTED_MANAGER - LATER
    # Its frozen clerk takes every "view_" permission of the products app, the costs' one
    # included where it exists already (as here); migrate's sync then takes that away.
    assert group_permissions(CLERK) == (
        EXPECTED_CLERK - LATER - CLERK_PURCHASE_ORDERS - CLERK_RETURNS
    ) | {"products.view_costs"}


def test_roles_data_migration_reverse_removes_the_groups():
    migration = importlib.import_module("accounts.migrations.0001_roles")
    state = MigrationExecutor(connection).loader.project_state(("accounts", "0001_roles"))

    migration.remove_roles(state.apps, None)

    assert not Group.objects.filter(name__in=ROLES).exists()


# Migrating needs a real transaction of its own (SQLite refuses schema changes inside one).
@pytest.mark.django_db(transaction=True)
def test_a_database_that_ran_the_roles_migration_in_dashboard_migrates_forward_unchanged(
    django_user_model,
):
    # Given a database from before the roles moved to accounts: dashboard's
    # roles migration recorded as applied, accounts' not, and people in the groups.
    # Nor the accounts migrations that came after the move: undo those first.
    call_command("migrate", "accounts", "0001_roles", verbosity=0)
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("accounts", "0001_roles")
    recorder.record_applied("dashboard", "0001_roles")
    groups_before = dict(Group.objects.filter(name__in=ROLES).values_list("name", "pk"))
    alice = django_user_model.objects.create_user("alice")
    alice.groups.add(Group.objects.get(name=MANAGER))

    call_command("migrate", verbosity=0)

    # Then the accounts migration ran, and the same groups hold the same
    # permissions and the same people.
    assert ("accounts", "0001_roles") in recorder.applied_migrations()
    assert dict(Group.objects.filter(name__in=ROLES).values_list("name", "pk")) == groups_before
    assert group_permissions(MANAGER) == EXPECTED_MANAGER
    assert group_permissions(CLERK) == EXPECTED_CLERK
    assert list(alice.groups.values_list("name", flat=True)) == [MANAGER]


def test_migrate_puts_back_a_permission_removed_from_a_role_and_removes_an_added_one():
    clerk = Group.objects.get(name=CLERK)
    clerk.permissions.add(Permission.objects.get(codename="delete_product"))
    clerk.permissions.remove(Permission.objects.get(codename="add_sale"))

    call_command("migrate", verbosity=0)

    assert group_permissions(CLERK) == EXPECTED_CLERK


def test_ensure_roles_twice_keeps_one_group_per_role():
    ensure_roles()
    ensure_roles()

    assert Group.objects.filter(name__in=ROLES).count() == 2
    assert group_permissions(CLERK) == EXPECTED_CLERK


def test_role_permissions_refuses_an_unknown_role():
    with pytest.raises(ValueError, match="Unknown role"):
        role_permissions("Owner")


def role_user(django_user_model, role: str):
    user = django_user_model.objects.create_user(f"{role}-user".lower())
    user.groups.add(Group.objects.get(name=role))
    return user


def test_users_hold_their_role_permissions_through_the_group(django_user_model):
    clerk = role_user(django_user_model, CLERK)
    manager = role_user(django_user_model, MANAGER)

    assert clerk.has_perm("sales.add_sale") and not clerk.has_perm("sales.void_sale")
    assert manager.has_perm("sales.void_sale") and manager.has_perm("products.adjust_stock")
    assert not manager.has_perm("auth.add_user")
    assert manager.has_perm(MANAGE_USERS) and not clerk.has_perm(MANAGE_USERS)
    assert manager.has_perm(VIEW_ALL_JOBS) and not clerk.has_perm(VIEW_ALL_JOBS)


def test_superuser_has_every_permission_and_the_admin(django_user_model):
    superuser = django_user_model.objects.create_superuser("root", password="pw-root-12345")
    client = Client()
    client.force_login(superuser)

    assert superuser.has_perm("sales.void_sale") and superuser.has_perm("auth.add_user")
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
