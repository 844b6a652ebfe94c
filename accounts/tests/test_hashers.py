"""Passwords are hashed with Argon2id at the project's setting; older hashes upgrade at login.

The test settings use a fast hasher; these tests put the production list back.
"""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.urls import reverse

pytestmark = pytest.mark.django_db


# What settings.py lists (inventory_project/tests/test_settings.py checks it), first two.
PRODUCTION_HASHERS = [
    "accounts.hashers.ShopArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    return settings


def test_new_passwords_are_argon2id_at_the_projects_setting(production_hashers):
    encoded = make_password("a-new-secret-2026")

    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_pbkdf2_hash_still_logs_in_and_is_upgraded_to_argon2(
    production_hashers, client, django_user_model
):
    user = django_user_model.objects.create(
        username="old-timer",
        password=make_password("pw-from-before-2026", hasher="pbkdf2_sha256"),
    )
    assert user.password.startswith("pbkdf2_sha256$")

    response = client.post(
        reverse("login"), {"username": "old-timer", "password": "pw-from-before-2026"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_test_settings_keep_their_fast_hasher():
    assert django_settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
