"""Hardening: CSRF, login throttling, security headers and CSP, error pages, deployment checks,
session expiry and password rules."""

import datetime
import os
import secrets
import subprocess
import sys
import textwrap

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inventory_project.tests.test_url_sweep import (
    assert_page_is_csp_clean,
    build_world,
    client_for,
    document_post,
    inline_code,
    role_user,
    route_url,
    snapshot,
)
from purchases.models import Purchase
from sales.models import Sale

pytestmark = pytest.mark.django_db

PASSWORD = "pw-role-user-123"  # role_user()'s password


def csrf_client_for(role: str, django_user_model) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(role_user(django_user_model, role))
    return client


def csrf_token(client: Client, url: str) -> str:
    """The token a browser would send: the page sets the cookie the form's token matches."""
    client.get(url)
    return client.cookies[django_settings.CSRF_COOKIE_NAME].value


# CSRF ----------------------------------------------------------------------------------------


def test_csrf_create_without_token_is_refused_and_nothing_saved(django_user_model):
    world = build_world()
    client = csrf_client_for("Manager", django_user_model)
    before = snapshot()

    response = client.post(reverse("sales:create"), document_post(world, "customer"))

    assert response.status_code == 403
    assert snapshot() == before
    assert Sale.objects.count() == 2  # the world's two


def test_csrf_create_with_token_is_accepted(django_user_model):
    world = build_world()
    client = csrf_client_for("Manager", django_user_model)
    token = csrf_token(client, reverse("sales:create"))

    response = client.post(
        reverse("sales:create"), {**document_post(world, "customer"), "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert Sale.objects.count() == 3


def test_csrf_list_add_without_token_is_refused(django_user_model):
    client = csrf_client_for("Manager", django_user_model)

    response = client.post(reverse("stores:list"), {"name": "Sneaky", "code": "SNK"})

    assert response.status_code == 403
    assert not client.get(reverse("stores:list")).context["object_list"]


def test_csrf_void_without_token_is_refused_and_document_kept(django_user_model):
    world = build_world()
    client = csrf_client_for("Manager", django_user_model)
    before = snapshot()

    response = client.post(route_url("purchases:void", world), {"reason": "forged"})

    assert response.status_code == 403
    assert snapshot() == before
    assert not Purchase.objects.get(pk=world.purchase.pk).is_voided


def test_csrf_void_with_wrong_token_is_refused(django_user_model):
    world = build_world()
    client = csrf_client_for("Manager", django_user_model)
    csrf_token(client, route_url("sales:detail", world))

    response = client.post(
        route_url("sales:void", world), {"reason": "forged", "csrfmiddlewaretoken": "x" * 64}
    )

    assert response.status_code == 403
    assert not Sale.objects.get(pk=world.sale.pk).is_voided


def test_csrf_logout_without_token_is_refused_and_user_stays_signed_in(django_user_model):
    client = csrf_client_for("Clerk", django_user_model)

    response = client.post(reverse("logout"))

    assert response.status_code == 403
    assert SESSION_KEY in client.session
    assert client.get(reverse("dashboard:index")).status_code == 200


def test_csrf_logout_with_token_signs_out(django_user_model):
    client = csrf_client_for("Clerk", django_user_model)
    token = csrf_token(client, reverse("dashboard:index"))

    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_csrf_failure_page_is_in_the_layout_without_inline_code(django_user_model):
    client = csrf_client_for("Clerk", django_user_model)

    response = client.post(reverse("customers:list"), {"name": "Forged"})

    assert response.status_code == 403
    content = response.content.decode()
    assert "403_csrf.html" in [template.name for template in response.templates]
    assert 'aria-label="Main navigation"' in content and "Nothing was saved" in content
    assert_page_is_csp_clean(response)


# Login throttling ----------------------------------------------------------------------------


@pytest.fixture
def throttling(settings):
    settings.AXES_ENABLED = True
    return settings


def log_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail_until_locked(client: Client, username: str, address: str = "10.0.0.1"):
    """Fail to log in AXES_FAILURE_LIMIT times; return the answers."""
    return [
        log_in(client, username, f"wrong-{attempt}", address)
        for attempt in range(django_settings.AXES_FAILURE_LIMIT)
    ]


COOL_OFF = datetime.timedelta(hours=django_settings.AXES_COOLOFF_TIME)


def move_clock(monkeypatch, by: datetime.timedelta):
    """Make django-axes see a time ``by`` later than now."""
    later = timezone.now() + by
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: later)
    monkeypatch.setattr("axes.attempts.now", lambda: later)


def test_throttling_is_configured_for_username_and_address_with_a_cool_off():
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.AXES_LOCKOUT_TEMPLATE == "registration/locked_out.html"
    assert django_settings.AXES_RESET_ON_SUCCESS


def test_throttling_limit_and_cool_off_are_read_from_the_environment():
    code = """
    from django.conf import settings
    print(settings.AXES_ENABLED, settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)
    """
    default = run_in_production(code, DEBUG="true")
    configured = run_in_production(
        code, DEBUG="true", AXES_FAILURE_LIMIT="3", AXES_COOLOFF_MINUTES="30"
    )
    switched_off = run_in_production(code, DEBUG="true", AXES_ENABLED="false")

    assert default.stdout.split() == ["True", "5", "0.25"], default.stderr  # 15 minutes
    assert configured.stdout.split() == ["True", "3", "0.5"], configured.stderr
    assert switched_off.stdout.split()[0] == "False", switched_off.stderr


def test_throttling_is_off_in_tests_that_do_not_test_it(client, django_user_model):
    role_user(django_user_model, "Clerk")
    for _ in range(django_settings.AXES_FAILURE_LIMIT + 2):
        log_in(client, "clerk-user", "wrong")

    response = log_in(client, "clerk-user", PASSWORD)

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


def test_throttling_failures_below_the_limit_still_allow_the_right_password(
    throttling, client, django_user_model
):
    role_user(django_user_model, "Clerk")
    for attempt in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "clerk-user", f"wrong-{attempt}").status_code == 200

    response = log_in(client, "clerk-user", PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY]


def test_throttling_locks_out_after_the_limit_with_the_lockout_page(
    throttling, client, django_user_model
):
    role_user(django_user_model, "Clerk")

    answers = fail_until_locked(client, "clerk-user")

    assert [answer.status_code for answer in answers[:-1]] == [200] * (
        django_settings.AXES_FAILURE_LIMIT - 1
    )
    locked = answers[-1]
    assert locked.status_code == django_settings.AXES_HTTP_RESPONSE_CODE == 429
    assert "registration/locked_out.html" in [template.name for template in locked.templates]
    content = locked.content.decode()
    assert "Too many failed logins" in content and str(COOL_OFF) in content
    assert_page_is_csp_clean(locked)


def test_throttling_refuses_even_the_right_password_while_locked(
    throttling, client, django_user_model
):
    role_user(django_user_model, "Clerk")
    fail_until_locked(client, "clerk-user")

    response = log_in(client, "clerk-user", PASSWORD)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_throttling_still_locked_just_before_the_cool_off_ends(
    throttling, client, django_user_model, monkeypatch
):
    role_user(django_user_model, "Clerk")
    fail_until_locked(client, "clerk-user")
    move_clock(monkeypatch, COOL_OFF - datetime.timedelta(minutes=1))

    response = log_in(client, "clerk-user", PASSWORD)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_throttling_allows_login_again_after_the_cool_off(
    throttling, client, django_user_model, monkeypatch
):
    role_user(django_user_model, "Clerk")
    fail_until_locked(client, "clerk-user")
    move_clock(monkeypatch, COOL_OFF + datetime.timedelta(seconds=5))

    response = log_in(client, "clerk-user", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("dashboard:index")
    assert client.session[SESSION_KEY]


def test_throttling_locks_only_that_username_from_that_address(
    throttling, client, django_user_model
):
    role_user(django_user_model, "Clerk")
    role_user(django_user_model, "Manager")
    fail_until_locked(client, "clerk-user", address="10.0.0.1")

    other_user = log_in(Client(), "manager-user", PASSWORD, address="10.0.0.1")
    other_address = log_in(Client(), "clerk-user", PASSWORD, address="10.0.0.2")

    assert other_user.status_code == 302
    assert other_address.status_code == 302


def test_throttling_counts_failures_of_unknown_usernames_too(throttling, client):
    answers = fail_until_locked(client, "no-such-user")

    assert answers[-1].status_code == 429


# Security headers and the Content Security Policy --------------------------------------------


def test_csp_policy_allows_only_this_site():
    policy = django_settings.SECURE_CSP

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    for sources in policy.values():
        for source in sources:
            assert source in ("'self'", "'none'", "data:"), source


def visitor_page(name):
    return lambda django_user_model: (Client(), reverse(name))


def role_page(role, name):
    def open_page(django_user_model):
        return client_for(role, django_user_model), route_url(name, build_world())

    return open_page


PAGE_TYPES = {
    "welcome": (visitor_page("welcome"), 200),
    "login": (visitor_page("login"), 200),
    "admin login": (visitor_page("admin:login"), 200),
    "record list": (role_page("manager", "products:list"), 200),
    "record detail": (role_page("manager", "products:detail"), 200),
    "read-only detail": (role_page("clerk", "stores:detail"), 200),
    "delete confirmation": (role_page("manager", "customers:delete"), 200),
    "document list": (role_page("clerk", "sales:list"), 200),
    "document form": (role_page("clerk", "purchases:create"), 200),
    "document detail": (role_page("manager", "sales:detail"), 200),
    "dashboard": (role_page("clerk", "dashboard:index"), 200),
    "report": (role_page("clerk", "reports:stock"), 200),
    "password change": (role_page("clerk", "password_change"), 200),
    "403": (role_page("clerk", "stores:delete"), 403),
    "404": (lambda m: (client_for("clerk", m), "/products/999999/"), 404),
    "404 for visitor": (lambda m: (Client(), "/static/no-such-file.css"), 404),
}


@pytest.mark.parametrize("page", PAGE_TYPES)
def test_headers_on_every_html_page_type(django_user_model, page):
    open_page, status = PAGE_TYPES[page]
    client, url = open_page(django_user_model)

    response = client.get(url)

    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert inline_code(response.content.decode()) == []


def test_400_page_for_a_bad_host_is_in_the_layout_with_headers():
    response = Client(HTTP_HOST="evil.example.com").get(reverse("login"))

    assert response.status_code == 400
    assert "400.html" in [template.name for template in response.templates]
    assert "Bad request" in response.content.decode()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert inline_code(response.content.decode()) == []


def test_400_page_for_a_bad_host_carries_x_frame_options():
    response = Client(HTTP_HOST="evil.example.com").get(reverse("login"))

    assert response["X-Frame-Options"] == "DENY"


def test_404_page_is_in_the_layout_for_signed_in_user(django_user_model):
    response = client_for("clerk", django_user_model).get("/no-such-page/")

    assert response.status_code == 404
    content = response.content.decode()
    assert 'aria-label="Main navigation"' in content and "Not found" in content


def test_500_page_renders_without_context_and_with_headers(django_user_model, monkeypatch):
    def broken(period):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("dashboard.views.dashboard_summary", broken)
    client = client_for("clerk", django_user_model)
    client.raise_request_exception = False

    response = client.get(reverse("dashboard:index"))

    assert response.status_code == 500
    content = response.content.decode()
    assert "Something went wrong on our side" in content
    assert "the database fell over" not in content
    assert "{%" not in content and "{{" not in content
    assert_page_is_csp_clean(response)


def test_500_template_has_no_template_logic():
    template = (django_settings.BASE_DIR / "templates" / "500.html").read_text()

    assert "{%" not in template and "{{" not in template


def test_static_files_carry_nosniff(settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = Client().get("/static/js/print.js")

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies_are_http_only_where_it_matters_and_secure():
    assert django_settings.SESSION_COOKIE_HTTPONLY
    assert django_settings.SESSION_COOKIE_SECURE and django_settings.CSRF_COOKIE_SECURE


# Production settings: check --deploy ---------------------------------------------------------

PRODUCTION_ENV = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "stock.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}
# What the settings read; a child process gets only what the test gives it.
SETTINGS_VARIABLES_PREFIXES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "SECURE_",
    "AXES_",
)
SETTINGS_VARIABLES = {
    "DJANGO_SETTINGS_MODULE",
    "SESSION_COOKIE_AGE",
    "CACHE_URL",
    "BEHIND_TLS_PROXY",
}

PRELUDE = textwrap.dedent(
    """
    import os, sys
    import environ
    # Only the environment given by the test counts, not a developer's .env file.
    environ.Env.read_env = staticmethod(lambda *args, **kwargs: None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "inventory_project.settings"
    """
)


def run_in_production(code: str, **variables: str) -> subprocess.CompletedProcess:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES
        and not name.startswith(SETTINGS_VARIABLES_PREFIXES)
        and not name.endswith("_COOKIE_SECURE")
    }
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


CHECK_DEPLOY = """
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
"""


def test_check_deploy_is_clean_with_the_documented_production_variables():
    result = run_in_production(CHECK_DEPLOY, SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
        ({"SESSION_COOKIE_SECURE": "false"}, "security.W012"),
        ({"SECRET_KEY": "short-key"}, "security.W009"),
    ],
)
def test_check_deploy_fails_when_a_production_variable_is_missing(change, warning):
    variables = {"SECRET_KEY": secrets.token_urlsafe(50), **PRODUCTION_ENV, **change}

    result = run_in_production(CHECK_DEPLOY, **variables)

    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


def test_ssl_redirect_sends_plain_http_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get(reverse("login"))

    assert response.status_code == 301
    assert response.url == "https://testserver/accounts/login/"


def test_behind_tls_proxy_forwarded_https_is_served_with_hsts(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = Client().get(reverse("login"), headers={"x-forwarded-proto": "https"})

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_behind_tls_proxy_is_read_from_the_environment():
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"

    behind = run_in_production(code, DEBUG="true", BEHIND_TLS_PROXY="true")
    direct = run_in_production(code, DEBUG="true")

    assert behind.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", behind.stderr
    assert direct.stdout.strip() == "None", direct.stderr


# Sessions and passwords ----------------------------------------------------------------------


def test_session_lifetime_is_read_from_the_environment():
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"

    configured = run_in_production(code, DEBUG="true", SESSION_COOKIE_AGE="900")
    default = run_in_production(code, DEBUG="true")

    assert configured.stdout.split() == ["900"], configured.stderr
    assert default.stdout.split() == ["43200"], default.stderr


def test_session_expires_after_the_configured_lifetime(settings, client, django_user_model):
    settings.SESSION_COOKIE_AGE = 900
    role_user(django_user_model, "Clerk")

    response = client.post(reverse("login"), {"username": "clerk-user", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session.get_expiry_age() == 900
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 900


def test_session_older_than_the_lifetime_is_signed_out(settings, client, django_user_model):
    role_user(django_user_model, "Clerk")
    client.post(reverse("login"), {"username": "clerk-user", "password": PASSWORD})
    session = client.session
    session.set_expiry(-1)  # as if the lifetime had passed
    session.save()

    response = client.get(reverse("sales:list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_validators_are_on():
    names = {
        validator["NAME"].rsplit(".", 1)[1]
        for validator in django_settings.AUTH_PASSWORD_VALIDATORS
    }

    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("password", "too common"),
        ("Xy7-kq", "too short"),
        ("48201937565", "entirely numeric"),
        ("clerk-user1", "too similar"),
    ],
)
def test_password_change_refuses_weak_password_and_keeps_the_old_one(
    django_user_model, weak, message
):
    user = role_user(django_user_model, "Clerk")
    client = Client()
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
