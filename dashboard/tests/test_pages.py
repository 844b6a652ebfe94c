"""The frame every page shares: navigation, messages, static assets served by the app
itself (no CDN), the admin's name, CSRF protection and the error pages."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db

SECTIONS = {
    "Dashboard": "dashboard:index",
    "Stores": "stores:list",
    "Categories": "categories:list",
    "Products": "products:list",
    "Units": "units:list",
    "Tax rates": "tax_rates:list",
    "Purchases": "purchases:list",
    "Sales": "sales:list",
    "Returns": "returns:list",
    "Transfers": "transfers:list",
    "Orders": "purchase_orders:list",
    "Replenish": "replenishment:list",
    "Customers": "customers:list",
    "Suppliers": "suppliers:list",
    "Reports": "reports:stock",
    "Users": "users:list",  # managers only (accounts.manage_users)
    "History": "audit:list",  # managers only (audit.browse_history)
    "Imports": "imports:list",  # managers only (imports.run_import)
}

# src/href values that leave the site: http://, https:// or protocol-relative //host.
EXTERNAL_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", re.IGNORECASE)


def nav_links(html: str) -> dict[str, str]:
    """Label → href of each link in the main navigation bar."""
    nav = html.split('aria-label="Main navigation"', 1)[1].split("</nav>", 1)[0]
    return {
        label.strip(): href
        for href, label in re.findall(r'<a class="nav-link[^"]*" href="([^"]+)">([^<]+)</a>', nav)
    }


# Navigation ---------------------------------------------------------------------------------


def test_nav_bar_links_to_every_section(manager_client):
    response = manager_client.get(reverse("password_change"))

    links = nav_links(response.content.decode())
    assert links == {label: reverse(name) for label, name in SECTIONS.items()}


@pytest.mark.parametrize("label", SECTIONS)
def test_nav_link_answers_for_manager(manager_client, label):
    response = manager_client.get(reverse(SECTIONS[label]))

    assert response.status_code == 200
    assert nav_links(response.content.decode())[label] == reverse(SECTIONS[label])


@pytest.mark.parametrize("label", ["Stores", "Products", "Sales"])
def test_nav_bar_marks_current_section_active(manager_client, label):
    response = manager_client.get(reverse(SECTIONS[label]))

    active = re.findall(r'<a class="nav-link active" href="([^"]+)"', response.content.decode())
    assert active == [reverse(SECTIONS[label])]


def test_nav_bar_shows_user_name_and_post_logout_form(user_client, user):
    user.first_name, user.last_name = "Pat", "Clerk"
    user.save()

    content = user_client.get(reverse("password_change")).content.decode()

    assert re.search(r'data-testid="current-user">\s*Pat Clerk\s*<', content)
    logout_form = re.search(
        r'<form method="post" action="' + reverse("logout") + r'"[^>]*>(.*?)</form>',
        content,
        re.DOTALL,
    )
    assert logout_form is not None
    assert "csrfmiddlewaretoken" in logout_form.group(1)


def test_nav_bar_is_hidden_from_visitor(client):
    content = client.get(reverse("login")).content.decode()

    assert 'aria-label="Main navigation"' not in content


# Messages -----------------------------------------------------------------------------------


def test_messages_render_as_dismissible_bootstrap_alerts(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    request._messages = default_storage(request)
    messages.success(request, "Store saved.")
    messages.error(request, "Only 3 pcs of <b>Widget</b> in Main")

    html = render_to_string("base.html", request=request)

    alerts = re.findall(r'<div class="alert ([^"]+)" role="alert">(.*?)</div>', html, re.DOTALL)
    assert [classes for classes, _ in alerts] == [
        "alert-success alert-dismissible fade show",
        "alert-danger alert-dismissible fade show",
    ]
    for _, body in alerts:
        assert 'class="btn-close" data-bs-dismiss="alert"' in body
    assert "Only 3 pcs of &lt;b&gt;Widget&lt;/b&gt; in Main" in alerts[1][1]


def test_message_from_a_view_shows_once_after_its_redirect(manager_client):
    response = manager_client.post(
        reverse("stores:list"), {"name": "Harbour Road", "code": "HR1"}, follow=True
    )

    assert response.redirect_chain, "creating a store should redirect"
    alerts = re.findall(r'<div class="alert ([^"]+)" role="alert">', response.content.decode())
    assert alerts == ["alert-success alert-dismissible fade show"]
    next_page = manager_client.get(reverse("stores:list")).content.decode()
    assert 'role="alert"' not in next_page


# Static assets: served by the app, never from a CDN -----------------------------------------


@pytest.mark.parametrize("page", ["welcome", "login"])
def test_public_page_references_no_other_host(client, page):
    content = client.get(reverse(page)).content.decode()

    assert EXTERNAL_ASSET.findall(content) == []
    assert "/static/bootstrap/css/bootstrap.min.css" in content
    assert "/static/bootstrap/js/bootstrap.bundle.min.js" in content


@pytest.mark.parametrize("name", ["dashboard:index", "stores:list", "purchases:create"])
def test_signed_in_page_references_no_other_host(manager_client, name):
    content = manager_client.get(reverse(name)).content.decode()

    assert EXTERNAL_ASSET.findall(content) == []


def test_no_template_or_static_file_links_a_cdn():
    roots = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "static"]
    offenders = [
        f"{path}: {match}"
        for root in roots
        for path in root.rglob("*")
        if path.suffix in {".html", ".css", ".js"}
        for match in EXTERNAL_ASSET.findall(path.read_text())
        + re.findall(r"""@import\s+url\(\s*["']?https?://""", path.read_text())
    ]

    assert offenders == []


@pytest.mark.parametrize(
    "asset", ["bootstrap/css/bootstrap.min.css", "bootstrap/js/bootstrap.bundle.min.js"]
)
def test_bootstrap_assets_come_from_installed_package(asset):
    found = finders.find(asset)

    assert found is not None
    assert "site-packages" in found  # installed from PyPI, not committed to the repository


def test_static_files_are_served_by_the_app_in_production(settings):
    """WhiteNoise serves static files itself; no web server or CDN is needed."""
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    assert (
        settings.MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware")
        == settings.MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
    )


# Admin --------------------------------------------------------------------------------------


def test_admin_site_title_is_the_product_name(client):
    content = client.get(reverse("admin:login")).content.decode()

    title = re.search(r"<title>(.*?)</title>", content, re.DOTALL).group(1)
    assert settings.SITE_NAME in title
    assert "Django" not in title
    assert f"{settings.SITE_NAME} administration" in content


# CSRF ---------------------------------------------------------------------------------------


def test_login_post_without_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "plain", "password": "pw-plain-123"})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_login_post_with_csrf_token_is_accepted(user):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(
        reverse("login"),
        {"username": "plain", "password": "pw-plain-123", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302


def test_logout_post_without_csrf_token_is_refused_and_keeps_user_signed_in(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse("logout"))

    assert response.status_code == 403
    assert client.session["_auth_user_id"] == str(user.pk)


def test_write_post_without_csrf_token_is_refused(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(reverse("stores:list"), {"name": "Forged", "code": "F1"})

    assert response.status_code == 403


# Error pages --------------------------------------------------------------------------------


def test_missing_page_shows_friendly_404_to_signed_in_user(user_client):
    response = user_client.get("/no-such-page/")

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "Not found" in response.content.decode()


def test_missing_page_shows_404_to_visitor_without_navigation(client):
    """An address that matches no route is not a page: there is nothing to log in for."""
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert 'aria-label="Main navigation"' not in response.content.decode()


def test_forbidden_page_shows_friendly_403_to_user_without_permission(user_client):
    response = user_client.get(reverse("stores:list"))

    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


@pytest.mark.parametrize("template", ["400.html", "403.html", "404.html"])
def test_error_page_extends_base_and_links_home(template):
    html = render_to_string(template)

    assert 'href="/"' in html
    assert EXTERNAL_ASSET.findall(html) == []


def test_server_error_page_renders_without_context_or_database():
    """500.html must not depend on context processors, the user or the database."""
    html = render_to_string("500.html")

    assert "Something went wrong" in html
    assert "{%" not in html and "{{" not in html
    assert EXTERNAL_ASSET.findall(html) == []


def test_nav_bar_offers_a_user_without_a_role_no_section(user_client):
    response = user_client.get(reverse("password_change"))

    assert nav_links(response.content.decode()) == {}
