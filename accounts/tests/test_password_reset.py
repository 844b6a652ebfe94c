"""The "Forgot password?" link: Django's reset by email; and the lockout page that points to it.

The answer never tells whether an address belongs to an account; the link
works once and does not sign the user in.
"""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from accounts.roles import CLERK
from accounts.tests.factories import STAFF_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET_URL = reverse("password_reset")
CHOSEN = "my-own-Passw0rd-77"


# Every page carries the language chooser's form, whose CSRF token is new each time: the
# pages are the same when all else is (the token says nothing about the address).
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf_token(content: bytes) -> bytes:
    return CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken" value=""', content)


@pytest.fixture
def member():
    return UserFactory(username="casey", email="casey@shop.example", role=CLERK)


def ask_for_reset(email: str):
    return Client().post(RESET_URL, {"email": email}, follow=True)


def link_in(message) -> str:
    """The reset link of an email, as a path."""
    match = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def set_password_with(path: str, password: str = CHOSEN) -> Client:
    client = Client()
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": password, "new_password2": password})
    return client


def test_login_page_links_to_forgot_password(client):
    content = client.get(reverse("login")).content.decode()

    assert f'<a href="{RESET_URL}">Forgot password?</a>' in content


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("password_reset", "password_reset_form.html"),
        ("password_reset_done", "password_reset_done.html"),
        ("password_reset_complete", "password_reset_complete.html"),
    ],
)
def test_reset_pages_are_the_apps_own(client, name, template):
    response = client.get(reverse(name))

    assert response.status_code == 200
    # Ours, in the site's layout, not the admin's look-alikes of the same name.
    assert response.templates[0].origin.name.endswith(f"templates/registration/{template}")
    assert "base.html" in [template.name for template in response.templates]


def test_reset_by_email_sends_a_link_to_a_known_address(member):
    response = ask_for_reset("CASEY@shop.example")

    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    [message] = mail.outbox
    assert message.to == ["casey@shop.example"]
    assert message.subject == f"Choose a new password for {django_settings.SITE_NAME}"
    assert django_settings.SITE_NAME in message.body and "casey" in message.body
    assert message.from_email == django_settings.DEFAULT_FROM_EMAIL


@pytest.mark.parametrize("address", ["nobody@shop.example", "casey@other.example"])
def test_reset_answers_the_same_for_an_unknown_address_and_sends_nothing(member, address):
    known = ask_for_reset("casey@shop.example")
    mail.outbox.clear()

    unknown = ask_for_reset(address)

    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.status_code == known.status_code == 200
    assert without_csrf_token(unknown.content) == without_csrf_token(known.content)
    assert mail.outbox == []


def test_reset_sends_nothing_to_a_deactivated_user(member):
    member.is_active = False
    member.save()

    response = ask_for_reset("casey@shop.example")

    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert mail.outbox == []


def test_reset_with_an_invalid_address_is_a_form_error(member):
    response = Client().post(RESET_URL, {"email": "not-an-address"})

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert mail.outbox == []


def test_reset_link_from_the_email_sets_the_password_once_without_signing_in(member):
    ask_for_reset("casey@shop.example")
    path = link_in(mail.outbox[0])

    client = set_password_with(path)

    assert SESSION_KEY not in client.session
    member.refresh_from_db()
    assert member.check_password(CHOSEN)
    assert not Client().get(path, follow=True).context["validlink"]


def test_reset_link_new_password_must_pass_the_validators(member):
    ask_for_reset("casey@shop.example")

    client = Client()
    form_url = client.get(link_in(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["new_password2"])
    assert "too common" in errors and "entirely numeric" in errors
    member.refresh_from_db()
    assert member.check_password(STAFF_PASSWORD)


def test_reset_complete_page_leads_to_the_login(member):
    ask_for_reset("casey@shop.example")
    client = Client()
    form_url = client.get(link_in(mail.outbox[0]), follow=True).redirect_chain[-1][0]

    response = client.post(
        form_url, {"new_password1": CHOSEN, "new_password2": CHOSEN}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert f'href="{reverse("login")}"' in response.content.decode()


def test_a_forged_or_broken_link_is_refused(member):
    for path in [
        "/accounts/password/reset/MQ/set-password/",  # no token in the session
        "/accounts/password/reset/MQ/abc-123/",
        "/accounts/password/reset/!!!/abc-123/",
        "/accounts/password/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5/abc-123/",
    ]:
        response = Client().get(path)
        assert response.status_code == 200, path
        assert not response.context["validlink"], path


def test_reset_by_email_clears_a_change_due(member):
    Profile.objects.create(user=member, must_change_password=True)
    ask_for_reset("casey@shop.example")

    set_password_with(link_in(mail.outbox[0]))

    assert not Profile.objects.get(user=member).must_change_password


# The lockout page ------------------------------------------------------------------------------


def test_lockout_page_says_to_wait_or_ask_a_manager(throttling, member, log_in):
    client = Client()
    for attempt in range(throttling.AXES_FAILURE_LIMIT - 1):
        log_in(client, "casey", f"wrong-{attempt}")

    response = log_in(client, "casey", "wrong-again")

    assert response.status_code == 429
    assert "registration/locked_out.html" in [template.name for template in response.templates]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))
    minutes = round(throttling.AXES_COOLOFF_TIME * 60)
    assert f"Wait {minutes} minutes after your last try" in text
    assert "Ask a manager: they can unlock your account at once from Users" in text
    assert reverse("users:list") in text
    assert RESET_URL in response.content.decode()


@pytest.mark.parametrize(("hours", "shown"), [(1 / 60, "1 minute "), (0.5, "30 minutes")])
def test_lockout_page_follows_the_cool_off_setting(throttling, member, log_in, hours, shown):
    throttling.AXES_COOLOFF_TIME = hours
    client = Client()

    for attempt in range(throttling.AXES_FAILURE_LIMIT):
        response = log_in(client, "casey", f"wrong-{attempt}")

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))
    assert f"Wait {shown}" in text
