"""Fixtures of the accounts tests: staff in each role, and login throttling switched on."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.roles import CLERK
from accounts.tests.factories import STAFF_PASSWORD, UserFactory


@pytest.fixture
def clerk_member():
    """A user holding the Clerk role (the root conftest's ``clerk`` holds no role)."""
    return UserFactory(username="casey", first_name="Casey", last_name="Till", role=CLERK)


@pytest.fixture
def clerk_client(clerk_member):
    client = Client()
    client.force_login(clerk_member)
    return client


@pytest.fixture
def throttling(settings):
    """django-axes on, as in production (the test settings switch it off)."""
    settings.AXES_ENABLED = True
    return settings


@pytest.fixture
def log_in():
    """Log in through the login page, as a browser does (django-axes sees the request)."""

    def log_in(client: Client, username: str, password: str = STAFF_PASSWORD, address="10.0.0.1"):
        return client.post(
            reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
        )

    return log_in


@pytest.fixture(autouse=True)
def fresh_reset_limits():
    """Each test starts with no "Forgot password?" request counted (accounts.reset_limits):
    the cache outlives a test's database transaction."""
    cache.clear()
