"""Fixtures shared by every app's tests."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import MANAGER
from products.tests.stock_checks import assert_ledger_consistent
from stores.tests.factories import StoreFactory


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
def store():
    """The store most stock tests trade in."""
    return StoreFactory(name="Main Street")


@pytest.fixture
def ledger_stays_consistent():
    """After the test: on-hand equals the ledger, and every running total its lines.

    Modules that move stock use it for every test:
    ``pytestmark = [..., pytest.mark.usefixtures("ledger_stays_consistent")]``.
    """
    yield
    assert_ledger_consistent()
