"""Browser fixtures: headless system Chromium driven by Playwright against ``live_server``.

No browser is ever downloaded: Playwright launches the Chromium the system has
(Debian's ``chromium`` package at /usr/bin/chromium, or ``$CHROMIUM_PATH``).
Without Chromium or without the ``playwright`` package the tests are skipped
with a reason that ``-ra`` prints; with ``E2E_REQUIRED=true`` (CI) they fail instead.

When a test fails, the page it was on is saved as
``test-artifacts/e2e/<database>/<test name>.png`` and ``.html``.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from accounts.roles import CLERK, MANAGER, ensure_roles
from e2e.browser import (
    CHROMIUM_ARGS,
    PLAYWRIGHT_MISSING,
    chromium_missing,
    chromium_path,
    e2e_required,
)
from products.models import Unit

# One folder per database ("sqlite", "postgresql", "mysql"): CI runs the suite on two
# databases at once, and each run clears its own folder when its browser starts.
ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "test-artifacts" / "e2e"
ARTIFACTS_DIR /= connection.vendor
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "e2e-pass-4821"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return PLAYWRIGHT_MISSING
    if chromium_path() is None:
        return chromium_missing()
    return None


def skip_or_fail(reason: str):
    if e2e_required():
        pytest.fail(f"{reason} (but E2E_REQUIRED is set)", pytrace=False)
    pytest.skip(reason)


def pytest_report_header(config):
    reason = missing_browser()
    if reason is None:
        return f"e2e: headless Chromium at {chromium_path()}"
    return f"e2e: {reason}{' — E2E_REQUIRED is set, so they fail' if e2e_required() else ''}"


def pytest_collection_modifyitems(config, items):
    """Without a browser, mark the e2e tests skipped up front (-ra folds them per file)."""
    reason = missing_browser()
    if reason is None or e2e_required():
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so the page fixture can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package", autouse=True)
def orm_beside_event_loop():
    """Let the ORM run in the test thread while Playwright's event loop runs there too.

    Playwright's sync API keeps an event loop in the test thread; the ORM calls the
    tests make (factories, checks that nothing was written, the database flush after
    each test) are still ordinary synchronous code. Django's async-safety guard is
    switched off only while the e2e tests run: later tests, and the subprocesses they
    start (``check --deploy`` refuses this variable), see the environment unchanged.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(orm_beside_event_loop):
    """One headless Chromium for the e2e tests (closed, with its event loop, after them)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail(PLAYWRIGHT_MISSING)
    executable = chromium_path()
    if executable is None:
        skip_or_fail(chromium_missing())
    shutil.rmtree(ARTIFACTS_DIR, ignore_errors=True)  # only this run's failures are kept
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def viewport():
    """The window size; a test module may override this fixture (the phone tests do)."""
    return DESKTOP


@pytest.fixture
def context(browser, live_server, viewport):
    """A fresh browser profile per test (own cookies), with relative URLs on the live server."""
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context, request):
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        save_artifacts(page, request.node.name)


def save_artifacts(page, test_name: str) -> None:
    """The page a failed test ended on: a full-page screenshot and its HTML."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS_DIR / re.sub(r"[^\w.-]+", "_", test_name)
    try:
        page.screenshot(path=f"{stem}.png", full_page=True)
        Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
    except Exception as error:  # a crashed page must not hide the test's own failure
        print(f"Could not save the e2e artifacts of {test_name}: {error}")
    else:
        print(f"The page was saved as {stem}.png and {stem}.html")


# Users ----------------------------------------------------------------------------------------


def make_user(django_user_model, username: str, role: str):
    # Transactional tests flush the tables between tests, the groups and the units of
    # measure that migrations made included: put back what a fresh database has.
    ensure_roles()
    Unit.objects.standard()
    user = django_user_model.objects.create_user(
        username, password=PASSWORD, first_name=username.capitalize()
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def password():
    """The password of every e2e user."""
    return PASSWORD


@pytest.fixture
def manager_user(django_user_model):
    return make_user(django_user_model, "maria", MANAGER)


@pytest.fixture
def clerk_user(django_user_model):
    return make_user(django_user_model, "colin", CLERK)


def sign_in(page, user, server_url: str):
    """Start ``page`` on the dashboard with ``user`` signed in.

    The session cookie is made directly (``Client.force_login``), which saves a
    trip through the login form in every test; test_sign_in.py covers the form.
    """
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": session.key, "value": session.value, "url": server_url}])
    page.goto("/dashboard/")
    return page


@pytest.fixture
def manager_page(page, manager_user, live_server):
    """A page on the dashboard, signed in as a manager."""
    return sign_in(page, manager_user, live_server.url)


@pytest.fixture
def clerk_page(page, clerk_user, live_server):
    """A page on the dashboard, signed in as a clerk."""
    return sign_in(page, clerk_user, live_server.url)
