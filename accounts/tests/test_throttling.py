"""Throttling beyond one user name from one address: password spraying and the old-password check.

django-axes locks a user name from an address after AXES_FAILURE_LIMIT (5)
failures; these cover what it alone let through (see accounts.throttling).
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "pw-right-12345"
OFFICE = "10.0.0.1"


@pytest.fixture
def throttling(settings):
    settings.AXES_ENABLED = True
    return settings


def log_in(client: Client, username: str, password: str, address: str = OFFICE):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def spray(client: Client, usernames: list[str], per_username: int, address: str = OFFICE):
    """Wrong passwords for each user name in turn, as password spraying does; the answers."""
    return [
        log_in(client, username, f"wrong-{attempt}", address)
        for attempt in range(per_username)
        for username in usernames
    ]


def test_address_limit_is_above_the_per_user_limit():
    assert django_settings.AXES_ADDRESS_FAILURE_LIMIT == 20
    assert django_settings.AXES_ADDRESS_FAILURE_LIMIT > django_settings.AXES_FAILURE_LIMIT


def test_password_spraying_from_one_address_is_locked_out(throttling, client, django_user_model):
    django_user_model.objects.create_user("alice", password=PASSWORD)
    usernames = [f"user{n}" for n in range(20)]

    # 80 wrong passwords, 4 per user name: each stays under the per-user limit of 5.
    answers = spray(client, usernames, per_username=4)

    limit = django_settings.AXES_ADDRESS_FAILURE_LIMIT
    assert [answer.status_code for answer in answers[: limit - 1]] == [200] * (limit - 1)
    assert {answer.status_code for answer in answers[limit:]} == {429}
    # Even a right password from that address waits for the cool-off.
    refused = log_in(client, "alice", PASSWORD)
    assert refused.status_code == 429
    assert SESSION_KEY not in client.session
    # Another address is not concerned.
    assert log_in(Client(), "alice", PASSWORD, address="10.0.0.2").status_code == 302


def test_a_shops_everyday_typos_from_one_address_lock_no_one_out(
    throttling, client, django_user_model
):
    # Eight people behind the shop's one address, each mistyping twice: 16 failures.
    staff = [f"clerk{n}" for n in range(8)]
    for username in staff:
        django_user_model.objects.create_user(username, password=PASSWORD)
    spray(client, staff, per_username=2)

    for username in staff:
        response = log_in(Client(), username, PASSWORD)
        assert response.status_code == 302, username


# The old-password check of the password change -------------------------------------------


@pytest.fixture
def signed_in(client, django_user_model):
    user = django_user_model.objects.create_user("bob", password=PASSWORD)
    client.force_login(user)
    return client


def change_password(client: Client, old_password: str):
    return client.post(
        reverse("password_change"),
        {
            "old_password": old_password,
            "new_password1": "a-new-secret-2026",
            "new_password2": "a-new-secret-2026",
        },
        REMOTE_ADDR=OFFICE,
    )


def test_wrong_old_passwords_are_throttled_like_logins(throttling, signed_in, django_user_model):
    limit = django_settings.AXES_FAILURE_LIMIT
    answers = [change_password(signed_in, f"guess-{n}") for n in range(limit)]

    assert all(
        "Your old password was entered incorrectly" in answer.content.decode()
        for answer in answers[:-1]
    )
    assert answers[-1].status_code == 429  # the lockout page, as for logins
    # Past the limit, not even the right old password is checked.
    response = change_password(signed_in, PASSWORD)
    assert response.status_code == 200
    assert "Too many wrong passwords" in response.content.decode()
    user = django_user_model.objects.get(username="bob")
    assert user.check_password(PASSWORD)
    assert AccessAttempt.objects.get(username="bob").failures_since_start == limit


def test_right_old_password_below_the_limit_changes_it(throttling, signed_in, django_user_model):
    change_password(signed_in, "one-typo")

    response = change_password(signed_in, PASSWORD)

    assert response.status_code == 302
    assert django_user_model.objects.get(username="bob").check_password("a-new-secret-2026")


def test_a_lockout_is_not_extended_by_attempts_refused_during_it(
    throttling, client, django_user_model
):
    django_user_model.objects.create_user("alice", password=PASSWORD)
    spray(client, [f"user{n}" for n in range(20)], per_username=1)
    failures = (
        AccessAttempt.objects.count(),
        sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)),
    )

    for _ in range(6):
        assert log_in(client, "alice", PASSWORD).status_code == 429

    assert (
        AccessAttempt.objects.count(),
        sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)),
    ) == failures
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_behind_the_proxy_each_client_is_counted_by_the_address_the_proxy_appended(
    throttling, django_user_model
):
    throttling.CLIENT_ADDRESS_FROM_PROXY = True
    django_user_model.objects.create_user("alice", password=PASSWORD)
    proxy = "10.9.9.9"
    sprayer = Client(HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7")
    spray(sprayer, [f"user{n}" for n in range(20)], per_username=2, address=proxy)

    # The sprayer is locked out; a colleague behind the same proxy is not.
    assert log_in(sprayer, "alice", PASSWORD, address=proxy).status_code == 429
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert log_in(colleague, "alice", PASSWORD, address=proxy).status_code == 302
