"""The two roles of the shop, as Django groups, and the permissions each holds.

Managers may do everything in the inventory apps; clerks see everything but costs,
record purchases and sales, and look after customers, but cannot delete,
archive, void, adjust stock or change products (and so their prices).
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MANAGER = "Manager"
CLERK = "Clerk"
ROLES = (MANAGER, CLERK)
# The roles as pages name them; the group names above stay as they are stored.
ROLE_LABELS = {MANAGER: _("Manager"), CLERK: _("Clerk")}

# The apps whose permissions the roles are made of (the dashboard's: seeing it).
INVENTORY_APPS = (
    "stores", "people", "products", "purchases", "sales", "transfers", "replenishment", "dashboard",
    # Its one permission, browse_history, is no "view_" one: managers hold it, clerks not.
    "audit",
    # Its one permission, run_import, is a manager's: the app has no "view_" ones.
    "imports",
)  # fmt: skip

# Beyond the inventory apps: managers add colleagues, reset their passwords and
# unlock them at /users/ (accounts.user_views); clerks do none of it. Managers also
# see and download everyone's background jobs (exports); everyone sees their own
# without a permission, so the jobs app is no inventory app (its "view_all_jobs"
# would go to clerks with every "view_" codename).
MANAGER_PERMISSIONS = ("accounts.manage_users", "jobs.view_all_jobs")

CLERK_PERMISSIONS = (
    "purchases.add_purchase",
    # Clerks draft purchase orders and receive deliveries; managers send and close them.
    "purchases.add_purchaseorder",
    "purchases.change_purchaseorder",
    "purchases.receive_purchaseorder",
    "sales.add_sale",
    # Clerks at the counter take customers' returns; returns to suppliers are managers'.
    "sales.add_salereturn",
    "people.add_customer",
    "people.change_customer",
    "transfers.add_transfer",
    "transfers.dispatch_transfer",
    "transfers.receive_transfer",
)


def _by_codename(names) -> Q:
    condition = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        condition |= Q(content_type__app_label=app_label, codename=codename)
    return condition


def role_permissions(role: str, permission_model=Permission):
    """The permissions ``role`` holds, as a queryset of ``permission_model``."""
    inventory = permission_model.objects.filter(content_type__app_label__in=INVENTORY_APPS)
    if role == MANAGER:
        return inventory | permission_model.objects.filter(_by_codename(MANAGER_PERMISSIONS))
    if role == CLERK:
        clerk = inventory.filter(Q(codename__startswith="view_") | _by_codename(CLERK_PERMISSIONS))
        # Costs, margins and stock value are need-to-know, a manager's: "view_costs" is
        # no view of a record, though its codename starts with "view_".
        return clerk.exclude(_by_codename(["products.view_costs"]))
    raise ValueError(f"Unknown role {role!r}; the roles are {', '.join(ROLES)}.")


def ensure_roles(group_model=Group, permission_model=Permission) -> None:
    """Create both groups if missing and set exactly their permissions (idempotent)."""
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set(role_permissions(role, permission_model))


def roles_of(user) -> list[str]:
    """The names of the roles ``user`` holds (a user may hold none)."""
    return list(user.groups.filter(name__in=ROLES).order_by("name").values_list("name", flat=True))
