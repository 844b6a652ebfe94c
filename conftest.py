"""Fixtures shared by every app's tests."""

import pytest
from django.contrib.auth.models import Permission


@pytest.fixture
def user(django_user_model):
    """A signed-in-able user with no permissions at all."""
    return django_user_model.objects.create_user("plain", password="pw-plain-123")


@pytest.fixture
def manager(django_user_model):
    """A user with every permission of the inventory apps (what the Manager role will hold)."""
    manager = django_user_model.objects.create_user("manager", password="pw-manager-123")
    manager.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["stores", "people", "products", "purchases", "sales"]
        )
    )
    return manager


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client
