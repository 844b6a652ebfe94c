"""The Manager and Clerk roles: their permissions, and that pages offer only what a role may do."""

import importlib
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from accounts.roles import (
    CLERK,
    CLERK_PERMISSIONS,
    INVENTORY_APPS,
    MANAGER,
    ROLES,
    ensure_roles,
    role_permissions,
)
from inventory_project.tests.test_url_sweep import (
    PASSES,
    ROUTES,
    build_world,
    client_for,
    document_post,
    role_user,
    route_url,
)
from people.models import Customer
from products.models import StockLevel
from purchases.models import Purchase
from sales.models import Sale

pytestmark = pytest.mark.django_db

INVENTORY_MODELS = {
    "stores": ["store"],
    "people": ["supplier", "customer"],
    "products": ["category", "product", "stocklevel", "stockmovement"],
    "purchases": ["purchase", "purchaseline"],
    "sales": ["sale", "saleline"],
}
CUSTOM_PERMISSIONS = {"products.adjust_stock", "purchases.void_purchase", "sales.void_sale"}

EXPECTED_MANAGER = {
    f"{app}.{action}_{model}"
    for app, models in INVENTORY_MODELS.items()
    for model in models
    for action in ["add", "change", "delete", "view"]
} | CUSTOM_PERMISSIONS
EXPECTED_CLERK = {
    f"{app}.view_{model}" for app, models in INVENTORY_MODELS.items() for model in models
} | {"purchases.add_purchase", "sales.add_sale", "people.add_customer", "people.change_customer"}


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
    assert not clerk & CUSTOM_PERMISSIONS
    assert "products.change_product" not in clerk  # prices are product fields
    assert not {p for p in clerk if p.startswith(("auth.", "admin.", "sessions."))}


def test_manager_role_holds_every_inventory_permission_and_nothing_else():
    inventory = Permission.objects.filter(content_type__app_label__in=INVENTORY_MODELS)

    assert group_permissions(MANAGER) == {
        f"{p.content_type.app_label}.{p.codename}" for p in inventory.select_related("content_type")
    }
    assert not {p for p in group_permissions(MANAGER) if p.startswith("auth.")}


def test_roles_data_migration_creates_both_groups_on_a_database_without_them():
    Group.objects.filter(name__in=ROLES).delete()
    migration = importlib.import_module("accounts.migrations.0001_roles")
    state = MigrationExecutor(connection).loader.project_state(("accounts", "0001_roles"))

    migration.create_roles(state.apps, None)

    assert group_permissions(MANAGER) == EXPECTED_MANAGER
    assert group_permissions(CLERK) == EXPECTED_CLERK


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


def test_the_roles_migration_carries_its_own_copy_of_the_roles():
    migration = importlib.import_module("accounts.migrations.0001_roles")

    assert (migration.MANAGER, migration.CLERK) == ROLES
    assert migration.CLERK_PERMISSIONS == CLERK_PERMISSIONS
    assert migration.INVENTORY_APPS == INVENTORY_APPS


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


def test_users_hold_their_role_permissions_through_the_group(django_user_model):
    clerk = role_user(django_user_model, CLERK)
    manager = role_user(django_user_model, MANAGER)

    assert clerk.has_perm("sales.add_sale") and not clerk.has_perm("sales.void_sale")
    assert manager.has_perm("sales.void_sale") and manager.has_perm("products.adjust_stock")
    assert not manager.has_perm("auth.add_user")


def test_superuser_has_every_permission_and_the_admin(django_user_model):
    superuser = django_user_model.objects.create_superuser("root", password="pw-root-12345")
    client = Client()
    client.force_login(superuser)

    assert superuser.has_perm("sales.void_sale") and superuser.has_perm("auth.add_user")
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_clerk_and_manager_roles_do_not_open_the_admin(django_user_model):
    for role in ["clerk", "manager"]:
        response = client_for(role, django_user_model).get(reverse("admin:index"))

        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


# What the pages offer ------------------------------------------------------------------------


class ActionCollector(HTMLParser):
    """Every (method, URL) a page offers: links, and forms with their method and action."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.actions: set[tuple[str, str]] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.actions.add(("GET", attrs["href"]))
        elif tag == "form":
            method = (attrs.get("method") or "get").upper()
            self.actions.add((method, attrs.get("action") or self.page_url))


def offered_routes(response, page_url: str) -> set[tuple[str, str]]:
    """(method, route name) for every link and form of a page that leads into the site."""
    collector = ActionCollector(page_url)
    collector.feed(response.content.decode())
    routes = set()
    for method, url in collector.actions:
        parts = urlsplit(url)
        if parts.netloc or not parts.path or parts.path.startswith("/static/"):
            continue
        try:
            match = resolve(parts.path)
        except Resolver404:
            continue
        routes.add((method, match.view_name))
    return routes


def may_use(role: str, method: str, name: str) -> bool:
    rule = ROUTES[name][0 if method == "GET" else 1]
    return rule.removesuffix("/405") in PASSES[role] and not rule.endswith("/405")


@pytest.mark.parametrize("role", ["clerk", "manager"])
def test_pages_offer_only_links_and_forms_the_role_may_use(django_user_model, role):
    world = build_world()
    archived = world.customer
    archived.archive()
    client = client_for(role, django_user_model)
    offered = set()

    for name in ROUTES:
        if name.startswith("admin:") or not may_use(role, "GET", name):
            continue
        url = route_url(name, world)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        for method, target in offered_routes(response, url):
            offered.add((method, target))
            assert may_use(role, method, target), f"{url} offers {method} {target} to a {role}"

    if role == "manager":
        # The check above saw the buttons: a manager is offered every action.
        assert {
            ("POST", "stores:archive"),
            ("POST", "customers:restore"),
            ("GET", "products:delete"),
            ("POST", "products:adjust"),
            ("POST", "sales:void"),
            ("POST", "purchases:void"),
            ("POST", "products:list"),
            ("POST", "products:detail"),
        } <= offered
    else:
        assert {
            ("GET", "purchases:create"),
            ("GET", "sales:create"),
            ("POST", "customers:list"),
            ("POST", "customers:detail"),
        } <= offered


def test_clerk_sees_no_add_form_on_manager_lists_but_on_customers(django_user_model):
    client = client_for("clerk", django_user_model)

    for name in ["stores:list", "categories:list", "products:list", "suppliers:list"]:
        content = client.get(reverse(name)).content.decode()
        assert 'method="post" novalidate' not in content, name
        assert "Add " not in content, name
    customers = client.get(reverse("customers:list")).content.decode()
    assert "Add customer" in customers


def test_clerk_sees_product_details_read_only_without_buttons_or_adjust_form(django_user_model):
    world = build_world()
    client = client_for("clerk", django_user_model)

    content = client.get(route_url("products:detail", world)).content.decode()

    assert "Details" in content and "<dl" in content
    assert 'name="sale_price"' not in content
    for button in [">Archive<", ">Restore<", ">Delete<", "Adjust stock", 'name="adjust-']:
        assert button not in content, button
    assert world.product.name in content


def test_manager_sees_product_update_form_buttons_and_adjust_form(django_user_model):
    world = build_world()
    client = client_for("manager", django_user_model)

    content = client.get(route_url("products:detail", world)).content.decode()

    for expected in ['name="sale_price"', ">Archive<", ">Delete<", "Adjust stock", 'name="adjust-']:
        assert expected in content, expected


def test_clerk_sees_customer_update_form_but_no_archive_or_delete(django_user_model):
    world = build_world()
    client = client_for("clerk", django_user_model)

    content = client.get(route_url("customers:detail", world)).content.decode()

    assert 'name="name"' in content and ">Save<" in content
    assert ">Archive<" not in content and ">Delete<" not in content


def test_clerk_sees_no_restore_button_on_an_archived_record(django_user_model):
    world = build_world()
    world.store.archive()

    clerk_page = client_for("clerk", django_user_model).get(route_url("stores:detail", world))
    manager_page = client_for("manager", django_user_model).get(route_url("stores:detail", world))

    assert "Archived" in clerk_page.content.decode()
    assert ">Restore<" not in clerk_page.content.decode()
    assert ">Restore<" in manager_page.content.decode()


@pytest.mark.parametrize("document", ["purchases", "sales"])
def test_clerk_sees_no_void_form_on_documents(django_user_model, document):
    world = build_world()

    clerk_page = client_for("clerk", django_user_model).get(route_url(f"{document}:detail", world))
    manager_page = client_for("manager", django_user_model).get(
        route_url(f"{document}:detail", world)
    )

    assert 'name="reason"' not in clerk_page.content.decode()
    assert "Void " not in clerk_page.content.decode()
    assert 'name="reason"' in manager_page.content.decode()


@pytest.mark.parametrize("document", ["purchases", "sales"])
def test_clerk_sees_new_document_button_on_document_lists(django_user_model, document):
    content = client_for("clerk", django_user_model).get(reverse(f"{document}:list"))

    assert f'href="{reverse(f"{document}:create")}"' in content.content.decode()


# What the roles may do -----------------------------------------------------------------------


def test_clerk_price_change_is_refused_and_price_kept(django_user_model):
    world = build_world()
    client = client_for("clerk", django_user_model)
    product = world.product

    response = client.post(
        route_url("products:detail", world),
        {
            "sku": product.sku,
            "name": product.name,
            "category": product.category_id,
            "supplier": product.supplier_id,
            "unit": product.unit,
            "cost_price": "0.01",
            "sale_price": "0.01",
            "reorder_level": "0",
        },
    )

    assert response.status_code == 403
    product.refresh_from_db()
    assert (product.cost_price, product.sale_price) == (world.product.cost_price, 10)


def test_clerk_adds_and_edits_a_customer(django_user_model):
    client = client_for("clerk", django_user_model)

    added = client.post(reverse("customers:list"), {"name": "Walk-in Ltd"})
    customer = Customer.objects.get(name="Walk-in Ltd")
    edited = client.post(
        reverse("customers:detail", args=[customer.pk]),
        {"name": "Walk-in Limited", "email": "shop@example.com"},
    )

    assert added.status_code == edited.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("Walk-in Limited", "shop@example.com")


def test_clerk_records_a_sale_and_a_purchase(django_user_model):
    world = build_world()
    client = client_for("clerk", django_user_model)

    sale = client.post(reverse("sales:create"), document_post(world, "customer"))
    purchase = client.post(reverse("purchases:create"), document_post(world, "supplier"))

    assert sale.status_code == purchase.status_code == 302
    assert Sale.objects.count() == 2 and Purchase.objects.count() == 3
    clerk = django_user_model.objects.get(username="clerk-user")
    assert Sale.objects.latest("pk").created_by == Purchase.objects.latest("pk").created_by == clerk
    # 20 received and 2 sold by the world, then 1 sold and 1 received by the clerk.
    assert StockLevel.objects.get(product=world.product).quantity == 18


def test_user_without_role_is_refused_lists_in_the_layout(django_user_model):
    client = client_for("no role", django_user_model)

    response = client.get(reverse("products:list"))

    assert response.status_code == 403
    assert 'aria-label="Main navigation"' in response.content.decode()


def main_navigation(response) -> str:
    content = response.content.decode()
    return content[content.index('aria-label="Main navigation"') : content.index("</nav>")]


@pytest.mark.parametrize("role", ["clerk", "manager"])
def test_navigation_shows_clerks_and_managers_every_section(django_user_model, role):
    client = client_for(role, django_user_model)

    navigation = main_navigation(client.get(reverse("dashboard:index")))

    for name in [
        "stores:list",
        "categories:list",
        "products:list",
        "purchases:list",
        "sales:list",
        "customers:list",
        "suppliers:list",
        "reports:stock",
    ]:
        assert f'href="{reverse(name)}"' in navigation, name
