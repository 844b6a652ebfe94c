"""Fixtures shared by every app's tests."""

import os
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from accounts.roles import MANAGER
from accounts.tests.factories import may_set_prices
from products import services
from products.tests.stock_checks import assert_ledger_consistent
from stores.tests.factories import StoreFactory


def pytest_configure(config):
    """Compile the translation catalogs as `make` does, so a bare `pytest` has them too."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in Path(__file__).parent.glob("locale/*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        # Written aside, then renamed: two test runs at once never read half a file.
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog)
        os.replace(temporary, mo_path)


@pytest.fixture(autouse=True)
def the_default_language_after_each_test():
    """A request in Spanish leaves Spanish active in the thread (LocaleMiddleware activates a
    language per request and nothing deactivates it), and the next test's refusals and
    record names would be Spanish too."""
    yield
    translation.deactivate()


@pytest.fixture
def user(django_user_model):
    """A signed-in-able user with no permissions at all."""
    return django_user_model.objects.create_user("plain", password="pw-plain-123")


@pytest.fixture
def manager(django_user_model):
    """A user holding the Manager role itself (the group the roles migration keeps)."""
    manager = django_user_model.objects.create_user("manager", password="pw-manager-123")
    manager.groups.add(Group.objects.get(name=MANAGER))
    return manager


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def clerk(django_user_model):
    """A user to record documents with, when permissions are not what is tested.

    It may set any sale price (sales.pricing): tests choose their prices to
    make their figures, and the pricing rules have tests of their own.
    """
    return may_set_prices(django_user_model.objects.create_user("clerk"))


@pytest.fixture
def store():
    """The store most stock tests trade in."""
    return StoreFactory(name="Main Street")


@pytest.fixture
def other_store():
    return StoreFactory(name="Harbour Road")


@pytest.fixture
def ledger_stays_consistent():
    """After the test: on-hand equals the ledger, and every running total its lines.

    Modules that move stock use it for every test:
    ``pytestmark = [..., pytest.mark.usefixtures("ledger_stays_consistent")]``.
    """
    yield
    assert_ledger_consistent()


@pytest.fixture
def skip_the_stock_check(monkeypatch):
    """Simulate the race the row locks prevent: the engine's check, before writing,
    sees nothing short, so only the database's check constraint can stop the write.

    Ask for it with ``request.getfixturevalue`` after the test's setup, so the
    setup's own stock operations are checked as usual.
    """
    real_find_shortfalls = services._find_shortfalls
    calls = []

    def stale_check_first(*args, **kwargs):
        calls.append(args)
        return [] if len(calls) == 1 else real_find_shortfalls(*args, **kwargs)

    monkeypatch.setattr(services, "_find_shortfalls", stale_check_first)
    return calls
