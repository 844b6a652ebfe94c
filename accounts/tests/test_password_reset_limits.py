"""How often "Forgot password?" sends a link (accounts.reset_limits): a few per hour per
client address and per address asked for; beyond that the same answer, and no mail."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.roles import CLERK
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET_URL = reverse("password_reset")
DEFAULT_LIMIT = 5


# Every page carries the language chooser's form, whose CSRF token is new each time: the
# pages are the same when all else is (the token says nothing about the address).
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf_token(content: bytes) -> bytes:
    return CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken" value=""', content)


@pytest.fixture
def member():
    return UserFactory(username="casey", email="casey@shop.example", role=CLERK)


def ask(email: str, address: str = "10.0.0.1"):
    return Client().post(RESET_URL, {"email": email}, REMOTE_ADDR=address, follow=True)


def test_the_limit_is_five_an_hour_by_default(settings):
    assert settings.PASSWORD_RESET_LIMIT == DEFAULT_LIMIT
    assert settings.PASSWORD_RESET_WINDOW == 60 * 60


def test_an_address_asked_for_too_often_gets_no_more_mail_and_the_same_answer(member):
    answers = [ask("casey@shop.example", address=f"10.0.0.{n}") for n in range(1, 8)]

    assert len(mail.outbox) == DEFAULT_LIMIT
    first, beyond = answers[0], answers[-1]
    assert beyond.redirect_chain == first.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert without_csrf_token(beyond.content) == without_csrf_token(first.content)


def test_the_limit_counts_the_address_asked_for_whatever_its_case(member):
    for n in range(DEFAULT_LIMIT):
        ask("casey@shop.example", address=f"10.0.1.{n}")

    ask("CASEY@Shop.Example", address="10.0.2.1")

    assert len(mail.outbox) == DEFAULT_LIMIT


def test_one_client_asking_for_many_addresses_is_limited(member):
    others = [
        UserFactory(username=f"staff{n}", email=f"staff{n}@shop.example", role=CLERK)
        for n in range(DEFAULT_LIMIT + 2)
    ]

    for other in others:
        ask(other.email, address="10.9.9.9")
    ask("casey@shop.example", address="10.9.9.9")

    assert len(mail.outbox) == DEFAULT_LIMIT
    # Another client is not held up by it.
    ask("casey@shop.example", address="10.9.9.10")
    assert len(mail.outbox) == DEFAULT_LIMIT + 1
    assert mail.outbox[-1].to == ["casey@shop.example"]


def test_beyond_the_limit_a_known_and_an_unknown_address_answer_alike(member):
    for n in range(DEFAULT_LIMIT):
        ask(f"nobody{n}@shop.example", address="10.7.7.7")

    known = ask("casey@shop.example", address="10.7.7.7")
    unknown = ask("nobody@shop.example", address="10.7.7.7")

    assert mail.outbox == []
    assert known.redirect_chain == unknown.redirect_chain
    assert without_csrf_token(known.content) == without_csrf_token(unknown.content)


def test_the_limit_is_a_setting(settings, member):
    settings.PASSWORD_RESET_LIMIT = 2

    for n in range(4):
        ask("casey@shop.example", address=f"10.0.3.{n}")

    assert len(mail.outbox) == 2


def test_an_invalid_form_counts_nothing(member):
    for _ in range(DEFAULT_LIMIT + 3):
        Client().post(RESET_URL, {"email": "not-an-address"}, REMOTE_ADDR="10.5.5.5")

    ask("casey@shop.example", address="10.5.5.5")

    assert len(mail.outbox) == 1
