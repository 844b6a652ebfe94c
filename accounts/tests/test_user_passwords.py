"""A manager gives a colleague a way to sign in: a temporary password or a one-time link.

A temporary password must be changed at the first login (accounts.middleware);
a link works once (Django's reset token).
"""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.middleware import SESSION_FLAG
from accounts.models import Profile
from accounts.roles import CLERK
from accounts.tests.factories import STAFF_PASSWORD, UserFactory, lock_out
from accounts.users import generate_temporary_password

pytestmark = pytest.mark.django_db

TEMPORARY = "temporary-Pass-4821"
CHOSEN = "my-own-Passw0rd-77"


@pytest.fixture
def member():
    return UserFactory(username="casey", first_name="Casey", last_name="Till", role=CLERK)


def password_url(user) -> str:
    return reverse("users:password", args=[user.pk])


def link_url(user) -> str:
    return reverse("users:reset_link", args=[user.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def change_password(client: Client, old: str, new: str = CHOSEN):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def reset_form_url(client: Client, path: str) -> str:
    """Open a reset link: Django moves its token into the session and redirects to the form."""
    return client.get(path, follow=True).redirect_chain[-1][0]


def reset_link_path(manager_client, user) -> str:
    """The link the manager's page shows, as a path."""
    content = manager_client.get(link_url(user)).content.decode()
    link = re.search(r'data-testid="reset-link"', content) and re.search(
        r'value="(http://testserver[^"]+)"', content
    )
    assert link, "no link on the page"
    return link.group(1).removeprefix("http://testserver")


# A temporary password --------------------------------------------------------------------------


def test_temporary_password_is_generated_readable_and_valid(member):
    passwords = {generate_temporary_password() for _ in range(50)}

    assert len(passwords) == 50
    for password in passwords:
        assert re.fullmatch(r"[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}", password)
        assert not set(password) & set("01lIO")


def test_password_page_offers_a_generated_password_and_a_link(manager_client, member):
    response = manager_client.get(password_url(member))

    offered = response.context["form"]["password"].value()
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}", offered)
    content = response.content.decode()
    assert f'value="{offered}"' in content
    assert link_url(member) in content
    # Showing it writes nothing.
    member.refresh_from_db()
    assert member.check_password(STAFF_PASSWORD)


def test_temporary_password_is_set_and_a_change_is_due(manager_client, member):
    response = manager_client.post(password_url(member), {"password": TEMPORARY})

    assert response.status_code == 302
    assert response.url == reverse("users:detail", args=[member.pk])
    assert "must choose their own" in messages_of(response)[0]
    member.refresh_from_db()
    assert member.check_password(TEMPORARY)
    assert Profile.objects.get(user=member).must_change_password


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "too short"),
        ("password123", "too common"),
        ("84736291057", "entirely numeric"),
        ("casey1234", "too similar"),
        ("", "required"),
        ("x" * 129, "at most 128"),
    ],
)
def test_temporary_password_must_pass_the_validators(manager_client, member, password, message):
    response = manager_client.post(password_url(member), {"password": password})

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["password"])
    member.refresh_from_db()
    assert member.check_password(STAFF_PASSWORD)
    assert not Profile.objects.filter(user=member, must_change_password=True).exists()


def test_temporary_password_ends_the_users_open_sessions(manager_client, member):
    member_client = Client()
    member_client.force_login(member)

    manager_client.post(password_url(member), {"password": TEMPORARY})

    response = member_client.get(reverse("dashboard:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_temporary_password_forces_a_change_at_first_login_then_stops(
    manager_client, member, log_in
):
    manager_client.post(password_url(member), {"password": TEMPORARY})
    client = Client()

    # Logging in works, but every page leads to the password change first.
    response = log_in(client, "casey", TEMPORARY)
    assert response.status_code == 302
    assert client.session[SESSION_FLAG] is True
    for url in [reverse("dashboard:index"), reverse("sales:list"), reverse("profile")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("password_change"), url
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert 'data-testid="change-due"' in page.content.decode()
    # A POST elsewhere is turned away too, and does nothing.
    assert client.post(reverse("profile"), {}).url == reverse("password_change")

    # The new password must pass the validators; until then the change stays due.
    assert change_password(client, TEMPORARY, "short").status_code == 200
    assert client.get(reverse("dashboard:index")).url == reverse("password_change")

    response = change_password(client, TEMPORARY)

    assert response.status_code == 302
    assert client.get(reverse("dashboard:index")).status_code == 200
    assert not Profile.objects.get(user=member).must_change_password
    # A later login is an ordinary one.
    fresh = Client()
    log_in(fresh, "casey", CHOSEN)
    assert fresh.get(reverse("dashboard:index")).status_code == 200


def test_user_with_a_change_due_may_log_out_and_load_static_files(
    manager_client, member, log_in, settings
):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    manager_client.post(password_url(member), {"password": TEMPORARY})
    client = Client()
    log_in(client, "casey", TEMPORARY)

    assert client.get("/static/css/app.css").status_code == 200
    response = client.post(reverse("logout"))

    assert response.status_code == 302 and response.url == reverse("welcome")
    assert SESSION_KEY not in client.session


def test_users_without_a_change_due_are_not_redirected(log_in, member):
    client = Client()
    log_in(client, "casey")

    assert SESSION_FLAG not in client.session
    assert client.get(reverse("dashboard:index")).status_code == 200


def test_password_page_for_oneself_leads_to_the_own_password_change(manager_client, manager):
    for url in [password_url(manager), link_url(manager)]:
        response = manager_client.get(url)
        assert response.status_code == 302 and response.url == reverse("password_change")
    response = manager_client.post(password_url(manager), {"password": TEMPORARY})

    manager.refresh_from_db()
    assert response.url == reverse("password_change")
    assert not manager.check_password(TEMPORARY)


def test_password_pages_refuse_a_deactivated_user(manager_client):
    former = UserFactory(role=CLERK, is_active=False)

    for url in [password_url(former), link_url(former)]:
        response = manager_client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("users:detail", args=[former.pk])
    manager_client.post(password_url(former), {"password": TEMPORARY})

    former.refresh_from_db()
    assert former.check_password(STAFF_PASSWORD)


def test_password_page_of_a_locked_out_user_offers_to_unlock(manager_client, member):
    lock_out(member.username)

    content = manager_client.get(password_url(member)).content.decode()

    assert "is locked out" in content
    assert reverse("users:unlock", args=[member.pk]) in content


# A one-time link -------------------------------------------------------------------------------


def test_reset_link_works_once_and_does_not_sign_in(manager_client, member, log_in):
    path = reset_link_path(manager_client, member)
    client = Client()

    # The link leads to the form (Django moves the token into the session first).
    response = client.get(path, follow=True)
    assert response.status_code == 200 and response.context["validlink"]
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": CHOSEN, "new_password2": CHOSEN})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    assert SESSION_KEY not in client.session  # not signed in by the link
    member.refresh_from_db()
    assert member.check_password(CHOSEN)
    assert log_in(Client(), "casey", CHOSEN).status_code == 302
    # Used once, it no longer works.
    again = Client().get(path, follow=True)
    assert again.status_code == 200 and not again.context["validlink"]
    assert "This link no longer works" in again.content.decode()


def test_reset_link_keeps_the_current_password_until_used(manager_client, member):
    reset_link_path(manager_client, member)

    member.refresh_from_db()
    assert member.check_password(STAFF_PASSWORD)


def test_reset_link_stops_working_after_the_user_signs_in(manager_client, member, log_in):
    path = reset_link_path(manager_client, member)

    log_in(Client(), "casey")

    assert not Client().get(path, follow=True).context["validlink"]


def test_reset_link_new_password_must_pass_the_validators(manager_client, member):
    client = Client()
    form_url = reset_form_url(client, reset_link_path(manager_client, member))

    response = client.post(form_url, {"new_password1": "casey", "new_password2": "casey"})

    assert response.status_code == 200
    assert "too short" in " ".join(response.context["form"].errors["new_password2"])
    member.refresh_from_db()
    assert member.check_password(STAFF_PASSWORD)


def test_reset_link_gives_a_new_user_their_first_password(manager_client, django_user_model):
    manager_client.post(
        reverse("users:create"),
        {"username": "robin", "first_name": "Robin", "role": CLERK, "all_stores": "on"},
    )
    robin = django_user_model.objects.get(username="robin")
    client = Client()
    form_url = reset_form_url(client, reset_link_path(manager_client, robin))

    client.post(form_url, {"new_password1": CHOSEN, "new_password2": CHOSEN})

    robin.refresh_from_db()
    assert robin.check_password(CHOSEN)


def test_reset_link_clears_a_change_due(manager_client, member):
    manager_client.post(password_url(member), {"password": TEMPORARY})
    client = Client()
    form_url = reset_form_url(client, reset_link_path(manager_client, member))

    client.post(form_url, {"new_password1": CHOSEN, "new_password2": CHOSEN})

    assert not Profile.objects.get(user=member).must_change_password
