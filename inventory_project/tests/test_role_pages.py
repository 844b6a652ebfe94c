"""What the pages offer each role, and what each role may do, across every app.

The roles themselves (groups, permissions, migration) are tested in accounts/tests/test_roles.py.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from inventory_project.tests.test_url_sweep import (
    PASSES,
    ROUTES,
    build_world,
    client_for,
    document_post,
    route_url,
)
from people.models import Customer
from products.models import StockLevel
from purchases.models import Purchase
from sales.models import Sale

pytestmark = pytest.mark.django_db


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
    assert Sale.objects.count() == 3 and Purchase.objects.count() == 4
    clerk = django_user_model.objects.get(username="clerk-user")
    assert Sale.objects.latest("pk").created_by == Purchase.objects.latest("pk").created_by == clerk
    # 20 purchased (1 of them sent back to the supplier) and 2 received against an order,
    # 2 sold (and 1 sold and brought back) and 2 sent to the other store by the world (one
    # in transit, one received there), then 1 sold and 1 received by the clerk.
    assert StockLevel.objects.get(product=world.product, store=world.store).quantity == 17


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
