"""Who may see what: the public welcome and login pages, logout, password change,
and that every other page sends a visitor to the login page first."""

import re
import uuid
from urllib.parse import quote

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern

pytestmark = pytest.mark.django_db

PASSWORD = "pw-plain-123"  # the root conftest's ``user`` fixture password

# Pages anyone may open. Everything else must redirect a visitor to a login page, so a new
# public page has to be added here on purpose.
PUBLIC_PAGES = {
    "welcome",
    "login",
    "admin:login",
    "healthz",  # for load balancers: says only whether the database answers
    # The app's icon and its web app manifest (name, start page): browsers fetch them
    # before anyone signs in, and they hold nothing of the shop's data.
    "favicon",
    "web_app_manifest",
    # "Forgot password?": by definition for someone who cannot sign in.
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
}
# Public too, but with a one-time link's parameters (accounts/tests/test_password_reset.py).
PUBLIC_PAGES_WITH_PARAMETERS = {"password_reset_confirm"}
# Public, and not pages: the language chooser's POST (a visitor on the login page may want
# it in their language). Tested in inventory_project/tests/test_languages.py.
PUBLIC_ACTIONS = {"set_language"}

# A sample value for each path converter: a redirect to login happens before any lookup,
# so the record need not exist (and a visitor must not learn whether it does).
SAMPLE_VALUES = {
    "IntConverter": "1",
    "StringConverter": "sample",
    "SlugConverter": "sample",
    "PathConverter": "sample",
    "UUIDConverter": str(uuid.uuid4()),
}
# Values for the admin's regular-expression routes.
REGEX_GROUP_SAMPLES = {"app_label": "auth", "url": "no-such-page/"}


def _route_to_path(route: str, converters: dict) -> str:
    """Fill each ``<converter:name>`` of a route with a sample value."""

    def sample(match):
        name = match.group("name")
        return SAMPLE_VALUES[type(converters[name]).__name__]

    return re.sub(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>", sample, route)


def _regex_to_path(regex: str) -> str:
    """Fill each named group of a regular-expression route with a sample value."""
    filled = re.sub(
        r"\(\?P<(?P<name>\w+)>[^)]*\)", lambda m: REGEX_GROUP_SAMPLES[m.group("name")], regex
    )
    return filled.lstrip("^").rstrip("$")


def _pattern_to_path(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _route_to_path(str(pattern), pattern.converters)
    return _regex_to_path(str(pattern))


def all_pages(patterns=None, prefix="/", namespace=""):
    """Yield (route name, sample URL) for every URL pattern of the project."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        path = prefix + _pattern_to_path(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from all_pages(entry.url_patterns, path, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or '(unnamed)'}", path


ALL_PAGES = sorted(set(all_pages()))
PRIVATE_PAGES = [
    (name, url)
    for name, url in ALL_PAGES
    if name not in PUBLIC_PAGES | PUBLIC_PAGES_WITH_PARAMETERS | PUBLIC_ACTIONS
]


def test_all_pages_walk_finds_every_section_and_fills_every_parameter():
    names = {name for name, _ in ALL_PAGES}
    for section in ["stores", "categories", "products", "suppliers", "customers"]:
        assert {f"{section}:list", f"{section}:detail"} <= names
    assert {"purchases:create", "sales:create", "dashboard:index", "password_change"} <= names
    for name, url in ALL_PAGES:
        assert "<" not in url and "(?P" not in url, name
        resolved = resolve(url)
        if not name.endswith("(unnamed)"):
            assert resolved.view_name == name, (url, resolved.view_name)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("name", "url"), PRIVATE_PAGES, ids=[n for n, _ in PRIVATE_PAGES])
def test_private_page_redirects_visitor_to_login(client, name, url, method):
    response = getattr(client, method)(url)

    assert response.status_code == 302, f"{method.upper()} {url} answered {response.status_code}"
    if name.startswith("admin:"):
        # The admin has its own login page (its logout just goes back to the admin index);
        # its few redirect-only routes are caught by the site-wide login first.
        expected = {reverse("admin:login"), reverse("admin:index"), reverse("login")}
        assert response.url.split("?")[0] in expected
    else:
        assert response.url == f"{reverse('login')}?next={quote(url)}"


@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_public_page_answers_visitor(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200


def test_private_pages_cover_dashboard_and_document_pages():
    private = {name for name, _ in PRIVATE_PAGES}

    assert {"dashboard:index", "purchases:detail", "sales:void", "products:adjust"} <= private
    assert "logout" in private and "password_change_done" in private


# Welcome page -------------------------------------------------------------------------------


def test_welcome_page_shows_visitor_what_the_system_does_and_login_button(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "core/welcome.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "Purchases" in content and "sales" in content
    assert f'href="{reverse("login")}"' in content
    # A visitor sees no navigation into the private sections.
    assert reverse("stores:list") not in content


def test_welcome_page_redirects_signed_in_user_to_dashboard(user_client):
    response = user_client.get("/")

    assert response.status_code == 302
    assert response.url == reverse("dashboard:index") == "/dashboard/"


def test_dashboard_answers_signed_in_user_without_a_role_with_no_access(user_client):
    response = user_client.get(reverse("dashboard:index"))

    assert response.status_code == 403
    assert "has no role yet" in response.content.decode()


# Login and logout ---------------------------------------------------------------------------


def test_login_page_renders_form_for_visitor(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content and 'name="password"' in content
    assert "csrfmiddlewaretoken" in content


def test_login_with_right_password_signs_in_and_opens_dashboard(client, user):
    response = client.post(reverse("login"), {"username": "plain", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("dashboard:index")
    assert client.session[SESSION_KEY] == str(user.pk)


def test_login_follows_next_to_the_page_asked_for(client, user):
    response = client.post(
        f"{reverse('login')}?next=/stores/", {"username": "plain", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == "/stores/"


def test_login_refuses_next_pointing_to_other_host(client, user):
    response = client.post(
        f"{reverse('login')}?next=https://evil.example.com/",
        {"username": "plain", "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("dashboard:index")


def test_login_with_wrong_password_shows_error_and_signs_nobody_in(client, user):
    response = client.post(reverse("login"), {"username": "plain", "password": "wrong"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_login_with_inactive_user_signs_nobody_in(client, user):
    user.is_active = False
    user.save()

    response = client.post(reverse("login"), {"username": "plain", "password": PASSWORD})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_login_page_sends_signed_in_user_to_dashboard(user_client):
    response = user_client.get(reverse("login"))

    assert response.status_code == 302
    assert response.url == reverse("dashboard:index")


def test_logout_by_post_signs_out_and_returns_to_welcome(user_client):
    response = user_client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("welcome")
    assert SESSION_KEY not in user_client.session
    assert user_client.get(reverse("dashboard:index")).status_code == 302


def test_logout_by_get_is_refused_and_keeps_user_signed_in(user_client, user):
    response = user_client.get(reverse("logout"))

    assert response.status_code == 405
    assert user_client.session[SESSION_KEY] == str(user.pk)


# Password change ----------------------------------------------------------------------------


def test_password_change_page_renders_form(user_client):
    response = user_client.get(reverse("password_change"))

    assert response.status_code == 200
    content = response.content.decode()
    for field in ["old_password", "new_password1", "new_password2"]:
        assert f'name="{field}"' in content


def test_password_change_sets_new_password_and_keeps_user_signed_in(user_client, user):
    new_password = "a-Much-longer-pass-2024"

    response = user_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert user_client.get(reverse("password_change_done")).status_code == 200
    fresh_client = Client()
    assert fresh_client.login(username="plain", password=new_password)
    assert not fresh_client.login(username="plain", password=PASSWORD)


def test_password_change_with_wrong_old_password_changes_nothing(user_client, user):
    response = user_client.post(
        reverse("password_change"),
        {
            "old_password": "not-it",
            "new_password1": "a-Much-longer-pass-2024",
            "new_password2": "a-Much-longer-pass-2024",
        },
    )

    assert response.status_code == 200
    assert "old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_rejects_weak_password(user_client, user):
    response = user_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )

    assert response.status_code == 200
    assert "too common" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
