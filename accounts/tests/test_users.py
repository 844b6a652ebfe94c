"""/users/: managers add, edit, deactivate and reactivate colleagues and unlock them.

Passwords given from there (a temporary one, a one-time link) are tested in
test_user_passwords.py; the "Forgot password?" flow by email in test_password_reset.py.
"""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Profile
from accounts.roles import CLERK, MANAGER
from accounts.tests.factories import UserFactory, lock_out
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("users:list")
CREATE_URL = reverse("users:create")
# Every route with the user as <pk>, and the method it takes.
MEMBER_ROUTES = [
    ("GET", "users:detail"),
    ("POST", "users:detail"),
    ("POST", "users:deactivate"),
    ("POST", "users:reactivate"),
    ("GET", "users:password"),
    ("POST", "users:password"),
    ("GET", "users:reset_link"),
    ("POST", "users:unlock"),
]


def roles_of(user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def user_post(**changes) -> dict:
    """A valid new clerk who works everywhere."""
    return {
        "username": "robin",
        "first_name": "Robin",
        "last_name": "Shelf",
        "email": "robin@example.com",
        "role": CLERK,
        "all_stores": "on",
        **changes,
    }


def edit_post(member, **changes) -> dict:
    """The member as they are (a clerk in every store), with ``changes``."""
    current = {
        "username": member.username,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": member.email,
    }
    return user_post(**{**current, **changes})


def error_text(response) -> str:
    return " ".join(" ".join(errors) for errors in response.context["form"].errors.values())


def listed_usernames(response) -> list[str]:
    return [summary.user.username for summary in response.context["object_list"]]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


# Who may use it --------------------------------------------------------------------------------


PAGES = [("GET", "users:list"), ("GET", "users:create"), ("POST", "users:create")]


@pytest.mark.parametrize(("method", "name"), [*PAGES, *MEMBER_ROUTES])
def test_users_page_refuses_a_clerk_with_403_and_changes_nothing(clerk_client, method, name):
    member = UserFactory(role=CLERK)
    lock_out(member.username)
    url = reverse(name) if (method, name) in PAGES else reverse(name, args=[member.pk])
    data = user_post(username=member.username, first_name="Hacked", password="temporary-Pass-4821")

    response = clerk_client.get(url) if method == "GET" else clerk_client.post(url, data)

    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]
    member.refresh_from_db()
    assert member.first_name != "Hacked" and member.is_active
    assert member.check_password("pw-staff-member-123")
    assert AccessAttempt.objects.filter(username=member.username).exists()
    assert not type(member).objects.filter(username="robin").exists()


def test_users_list_sends_a_visitor_to_log_in(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={LIST_URL}"


def test_users_list_refuses_a_user_without_a_role(user_client):
    assert user_client.get(LIST_URL).status_code == 403


def test_nav_shows_users_to_a_manager_only(manager_client, clerk_client):
    link = f'href="{LIST_URL}">Users</a>'

    assert link in manager_client.get(reverse("dashboard:index")).content.decode()
    assert link not in clerk_client.get(reverse("dashboard:index")).content.decode()


def test_users_list_is_open_to_a_superuser_who_keeps_the_admin(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw-root-12345")
    client = Client()
    client.force_login(root)

    assert client.get(LIST_URL).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


@pytest.mark.parametrize("kind", ["superuser", "staff"])
def test_admin_users_are_not_managed_here(manager_client, django_user_model, kind):
    admin_user = django_user_model.objects.create_user(
        "admin-person", is_staff=True, is_superuser=kind == "superuser"
    )

    assert "admin-person" not in listed_usernames(manager_client.get(LIST_URL))
    for method, name in MEMBER_ROUTES:
        url = reverse(name, args=[admin_user.pk])
        response = manager_client.get(url) if method == "GET" else manager_client.post(url)
        assert response.status_code == 404, name
    admin_user.refresh_from_db()
    assert admin_user.is_active


@pytest.mark.parametrize("pk", ["0", "999999", "123456789012345678901234"])
def test_users_routes_answer_404_for_an_unknown_id(manager_client, pk):
    for method, name in MEMBER_ROUTES:
        url = reverse(name, kwargs={"pk": pk})
        response = manager_client.get(url) if method == "GET" else manager_client.post(url)
        assert response.status_code == 404, name


@pytest.mark.parametrize("name", ["users:deactivate", "users:reactivate", "users:unlock"])
def test_users_actions_are_post_only(manager_client, name):
    member = UserFactory(role=CLERK)

    assert manager_client.get(reverse(name, args=[member.pk])).status_code == 405


@pytest.mark.parametrize(
    ("name", "data"),
    [("users:create", user_post()), ("users:deactivate", {}), ("users:unlock", {})],
)
def test_users_posts_need_the_csrf_token(manager, name, data):
    member = UserFactory(role=CLERK)
    lock_out(member.username)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    url = CREATE_URL if name == "users:create" else reverse(name, args=[member.pk])

    response = client.post(url, data)

    assert response.status_code == 403
    member.refresh_from_db()
    assert member.is_active and AccessAttempt.objects.exists()
    assert not type(member).objects.filter(username="robin").exists()


# The list ------------------------------------------------------------------------------------


def test_users_list_shows_role_stores_and_state(manager_client, store):
    clerk = UserFactory(username="casey", first_name="Casey", role=CLERK)
    Profile.objects.create(user=clerk, all_stores=False).stores.set([store])
    locked = UserFactory(username="lou", role=CLERK)
    lock_out(locked.username)

    response = manager_client.get(LIST_URL)

    rows = {summary.user.username: summary for summary in response.context["object_list"]}
    assert rows["casey"].role == CLERK and rows["casey"].stores == [store]
    assert not rows["casey"].all_stores and not rows["casey"].locked_out
    assert rows["lou"].locked_out and rows["lou"].all_stores  # no profile: every store
    assert rows["manager"].role == MANAGER
    content = response.content.decode()
    assert "Main Street" in content and 'data-testid="status-locked"' in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("casey", ["casey"]),  # user name
        ("TILL", ["casey"]),  # last name, any case
        ("pat@shop.example", ["pat"]),  # email
        ("jordan harbour", ["jordan"]),  # every word, in any field
        ("nobody", []),
    ],
)
def test_users_list_searches_name_username_and_email(manager_client, query, expected):
    UserFactory(username="casey", first_name="Casey", last_name="Till", role=CLERK)
    UserFactory(username="pat", email="pat@shop.example", role=CLERK)
    UserFactory(username="jordan", first_name="Jordan", last_name="Harbour", role=MANAGER)

    response = manager_client.get(LIST_URL, {"q": query})

    assert listed_usernames(response) == expected


def test_users_list_filters_by_role_and_status(manager_client, django_user_model):
    UserFactory(username="casey", role=CLERK)
    UserFactory(username="former", role=CLERK, is_active=False)
    UserFactory(username="nobody-yet")

    def listed(**params):
        return sorted(listed_usernames(manager_client.get(LIST_URL, params)))

    assert listed() == ["casey", "manager", "nobody-yet"]  # active ones by default
    assert listed(role=CLERK) == ["casey"]
    assert listed(role=MANAGER) == ["manager"]
    assert listed(role="none") == ["nobody-yet"]
    assert listed(status="inactive") == ["former"]
    assert listed(status="all", role=CLERK) == ["casey", "former"]
    # A bad filter value is ignored, not an error.
    assert listed(role="Owner", status="nonsense") == ["casey", "manager", "nobody-yet"]


def test_users_list_sorts_and_paginates(manager_client):
    UserFactory.create_batch(30, role=CLERK)

    first = manager_client.get(LIST_URL, {"sort": "-username"})
    last = manager_client.get(LIST_URL, {"sort": "-username", "page": "last"})

    assert len(first.context["object_list"]) == 25
    assert len(last.context["object_list"]) == 31 - 25
    names = listed_usernames(first) + listed_usernames(last)
    assert names == sorted(names, reverse=True) and len(set(names)) == 31
    assert manager_client.get(LIST_URL, {"page": "999"}).status_code == 200


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL).status_code == 200
    return len(queries)


def staff_with_everything_shown(count: int, stores) -> None:
    """``count`` clerks with all the list shows: a role, a profile with stores, a lockout."""
    for member in UserFactory.create_batch(count, role=CLERK):
        Profile.objects.create(user=member, all_stores=False).stores.set(stores)
        lock_out(member.username)


def test_users_list_runs_the_same_number_of_queries_for_2_and_25_rows(
    manager_client, django_assert_num_queries, store, other_store
):
    staff_with_everything_shown(1, [store, other_store])
    manager_client.get(LIST_URL)  # the first request settles the session
    queries = list_queries(manager_client)
    staff_with_everything_shown(23, [store, other_store])

    # session, user, permissions (group + user), the manager's own stores (accounts.access),
    # count, rows, stores, roles, lockouts
    with django_assert_num_queries(queries):
        response = manager_client.get(LIST_URL)

    assert queries == 10
    assert len(response.context["object_list"]) == 25
    assert sum(summary.locked_out for summary in response.context["object_list"]) == 24


# Adding a user -------------------------------------------------------------------------------


def test_create_clerk_with_stores(manager_client, django_user_model, store, other_store):
    StoreFactory(name="Archived store", is_active=False)

    response = manager_client.post(
        CREATE_URL, user_post(all_stores="", stores=[store.pk, other_store.pk])
    )

    robin = django_user_model.objects.get(username="robin")
    assert response.status_code == 302
    assert response.url == reverse("users:password", args=[robin.pk])
    assert roles_of(robin) == [CLERK]
    assert (robin.first_name, robin.email, robin.is_active) == ("Robin", "robin@example.com", True)
    assert not robin.profile.all_stores
    assert set(robin.profile.stores.all()) == {store, other_store}
    # No password until the manager gives one.
    assert not robin.has_usable_password()
    assert "Robin Shelf was added" in messages_of(response)[0]


def test_create_form_offers_active_stores_only(manager_client, store):
    StoreFactory(name="Archived store", is_active=False)

    form = manager_client.get(CREATE_URL).context["form"]

    assert list(form.fields["stores"].queryset) == [store]
    assert not form["all_stores"].value()  # a new clerk is given their stores


def test_create_clerk_not_in_every_store_without_stores_is_a_form_error(
    manager_client, django_user_model, store
):
    response = manager_client.post(CREATE_URL, user_post(all_stores=""))

    assert response.status_code == 200
    assert "needs at least one store" in " ".join(response.context["form"].errors["stores"])
    assert not django_user_model.objects.filter(username="robin").exists()


def test_create_manager_without_stores_works_in_every_store(manager_client, django_user_model):
    response = manager_client.post(CREATE_URL, user_post(role=MANAGER, all_stores=""))

    robin = django_user_model.objects.get(username="robin")
    assert response.status_code == 302
    assert roles_of(robin) == [MANAGER]
    assert robin.profile.all_stores
    assert robin.has_perm("accounts.manage_users")


def test_create_manager_limited_to_some_stores(manager_client, django_user_model, store):
    manager_client.post(CREATE_URL, user_post(role=MANAGER, all_stores="", stores=[store.pk]))

    profile = django_user_model.objects.get(username="robin").profile
    assert not profile.all_stores and list(profile.stores.all()) == [store]


@pytest.mark.parametrize("username", ["casey", "CASEY", "Casey"])
def test_create_refuses_a_user_name_taken_in_any_case(manager_client, django_user_model, username):
    UserFactory(username="casey")

    response = manager_client.post(CREATE_URL, user_post(username=username))

    assert response.status_code == 200
    assert "already exists" in error_text(response)
    assert django_user_model.objects.filter(username__iexact="casey").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "has space"}, "username"),
        ({"username": "x" * 151}, "username"),
        ({"username": "<script>alert(1)</script>"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"role": ""}, "role"),
        ({"role": "Owner"}, "role"),
        ({"role": "Superuser"}, "role"),
        ({"all_stores": "", "stores": ["999999"]}, "stores"),
        ({"all_stores": "", "stores": ["abc"]}, "stores"),
        ({"all_stores": "", "stores": ["123456789012345678901234"]}, "stores"),
    ],
)
def test_create_bad_input_is_a_form_error_and_nothing_is_saved(
    manager_client, django_user_model, changes, field
):
    users_before = django_user_model.objects.count()

    response = manager_client.post(CREATE_URL, user_post(**changes))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert django_user_model.objects.count() == users_before
    assert "<script>alert" not in response.content.decode()


def test_create_an_archived_store_is_refused(manager_client, django_user_model):
    archived = StoreFactory(name="Archived store", is_active=False)

    response = manager_client.post(CREATE_URL, user_post(all_stores="", stores=[archived.pk]))

    assert "stores" in response.context["form"].errors
    assert not django_user_model.objects.filter(username="robin").exists()


def test_create_cannot_make_a_superuser_or_staff(manager_client, django_user_model):
    manager_client.post(CREATE_URL, user_post(is_superuser="on", is_staff="on"))

    robin = django_user_model.objects.get(username="robin")
    assert not robin.is_superuser and not robin.is_staff


# Editing a user ------------------------------------------------------------------------------


def test_detail_shows_the_form_filled_in(manager_client, store):
    member = UserFactory(username="casey", role=CLERK)
    Profile.objects.create(user=member, all_stores=False).stores.set([store])

    form = manager_client.get(reverse("users:detail", args=[member.pk])).context["form"]

    assert form["username"].value() == "casey"
    assert form["role"].value() == CLERK
    assert not form["all_stores"].value()
    assert [int(pk) for pk in form["stores"].value()] == [store.pk]


def test_edit_changes_name_role_and_stores(manager_client, store, other_store):
    member = UserFactory(username="casey", role=CLERK)
    Profile.objects.create(user=member, all_stores=False).stores.set([store])
    other_group = Group.objects.create(name="Newsletter")
    member.groups.add(other_group)

    response = manager_client.post(
        reverse("users:detail", args=[member.pk]),
        edit_post(member, first_name="Cass", role=MANAGER, all_stores="", stores=[other_store.pk]),
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Cass"
    # The other role is taken away; a group that is no role is kept.
    assert roles_of(member) == [MANAGER, "Newsletter"]
    assert list(member.profile.stores.all()) == [other_store]


def test_edit_a_user_without_a_profile_creates_it(manager_client, store):
    member = UserFactory(username="casey", role=CLERK)

    manager_client.post(
        reverse("users:detail", args=[member.pk]),
        edit_post(member, all_stores="", stores=[store.pk]),
    )

    profile = Profile.objects.get(user=member)
    assert not profile.all_stores and list(profile.stores.all()) == [store]


def test_edit_keeps_offering_an_archived_store_the_user_has(manager_client, store):
    member = UserFactory(username="casey", role=CLERK)
    archived = StoreFactory(name="Old depot")
    Profile.objects.create(user=member, all_stores=False).stores.set([store, archived])
    archived.archive()
    url = reverse("users:detail", args=[member.pk])

    form = manager_client.get(url).context["form"]
    manager_client.post(url, edit_post(member, all_stores="", stores=[store.pk, archived.pk]))

    assert set(form.fields["stores"].queryset) == {store, archived}
    assert set(member.profile.stores.all()) == {store, archived}


def test_edit_clerk_to_no_stores_is_refused(manager_client, store):
    member = UserFactory(username="casey", role=CLERK)
    Profile.objects.create(user=member, all_stores=False).stores.set([store])

    response = manager_client.post(
        reverse("users:detail", args=[member.pk]), edit_post(member, all_stores="")
    )

    assert response.status_code == 200
    assert "stores" in response.context["form"].errors
    assert list(member.profile.stores.all()) == [store]


def test_manager_cannot_remove_their_own_manager_role(manager_client, manager):
    response = manager_client.post(
        reverse("users:detail", args=[manager.pk]), edit_post(manager, role=CLERK)
    )

    assert response.status_code == 200
    assert "cannot remove your own Manager role" in error_text(response)
    assert roles_of(manager) == [MANAGER]


def test_manager_edits_their_own_name_and_stores(manager_client, manager, store):
    response = manager_client.post(
        reverse("users:detail", args=[manager.pk]),
        edit_post(manager, first_name="Morgan", role=MANAGER, all_stores="", stores=[store.pk]),
    )

    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.first_name == "Morgan" and roles_of(manager) == [MANAGER]


def test_manager_may_take_the_manager_role_from_another_manager(manager_client):
    other = UserFactory(username="jordan", role=MANAGER)

    manager_client.post(reverse("users:detail", args=[other.pk]), edit_post(other, role=CLERK))

    assert roles_of(other) == [CLERK]
    assert not other.has_perm("accounts.manage_users")


def test_edit_refuses_a_user_name_taken_by_another(manager_client):
    UserFactory(username="casey")
    member = UserFactory(username="robin")

    response = manager_client.post(
        reverse("users:detail", args=[member.pk]), edit_post(member, username="Casey")
    )

    assert response.status_code == 200
    assert "already exists" in error_text(response)
    member.refresh_from_db()
    assert member.username == "robin"


# Deactivating and reactivating ---------------------------------------------------------------


def test_deactivate_stops_sign_in_and_keeps_the_user(manager_client, log_in):
    member = UserFactory(username="casey", role=CLERK)
    member_client = Client()
    member_client.force_login(member)

    response = manager_client.post(reverse("users:deactivate", args=[member.pk]))

    assert response.status_code == 302
    assert response.url == reverse("users:detail", args=[member.pk])
    member.refresh_from_db()
    assert not member.is_active  # deactivated, never deleted
    assert "deactivated" in messages_of(response)[0]
    # Their open session ends, and they cannot log in again.
    assert member_client.get(reverse("dashboard:index")).status_code == 302
    assert log_in(Client(), "casey").status_code == 200


def test_deactivate_refuses_the_manager_themselves(manager_client, manager):
    response = manager_client.post(reverse("users:deactivate", args=[manager.pk]))

    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.is_active
    assert "cannot deactivate your own account" in messages_of(response)[0]


def test_detail_offers_no_deactivate_button_for_oneself(manager_client, manager):
    content = manager_client.get(reverse("users:detail", args=[manager.pk])).content.decode()

    assert reverse("users:deactivate", args=[manager.pk]) not in content


def test_reactivate_lets_them_sign_in_again(manager_client, log_in):
    member = UserFactory(username="casey", role=CLERK, is_active=False)

    response = manager_client.post(reverse("users:reactivate", args=[member.pk]))

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active
    assert log_in(Client(), "casey").status_code == 302


def test_detail_offers_reactivate_for_a_deactivated_user(manager_client):
    member = UserFactory(role=CLERK, is_active=False)

    content = manager_client.get(reverse("users:detail", args=[member.pk])).content.decode()

    assert reverse("users:reactivate", args=[member.pk]) in content
    assert reverse("users:deactivate", args=[member.pk]) not in content


# Unlocking -----------------------------------------------------------------------------------


def test_unlock_clears_a_real_lockout(throttling, manager_client, log_in):
    member = UserFactory(username="casey", role=CLERK)
    for attempt in range(throttling.AXES_FAILURE_LIMIT):
        log_in(Client(), "casey", f"wrong-{attempt}")
    assert log_in(Client(), "casey").status_code == 429  # even the right password
    detail = manager_client.get(reverse("users:detail", args=[member.pk]))
    assert detail.context["summary"].locked_out

    response = manager_client.post(reverse("users:unlock", args=[member.pk]))

    assert response.status_code == 302
    assert "failed logins were cleared" in messages_of(response)[0]
    assert not AccessAttempt.objects.filter(username="casey").exists()
    assert log_in(Client(), "casey").status_code == 302


def test_unlock_clears_every_address_and_no_one_else(manager_client):
    member = UserFactory(username="casey", role=CLERK)
    lock_out("casey", "10.0.0.1")
    lock_out("casey", "10.0.0.2")
    lock_out("someone-else")

    manager_client.post(reverse("users:unlock", args=[member.pk]))

    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["someone-else"]


def test_unlock_of_a_user_not_locked_out_says_so(manager_client):
    member = UserFactory(role=CLERK)

    response = manager_client.post(reverse("users:unlock", args=[member.pk]))

    assert "no failed logins to clear" in messages_of(response)[0]


def test_a_few_failures_or_old_ones_are_no_lockout(manager_client, settings):
    member = UserFactory(username="casey", role=CLERK)
    attempt = lock_out("casey")
    attempt.failures_since_start = settings.AXES_FAILURE_LIMIT - 1
    attempt.save()
    old = UserFactory(username="old", role=CLERK)
    AccessAttempt.objects.filter(pk=lock_out("old").pk).update(attempt_time="2020-01-01T00:00Z")

    rows = {
        summary.user.username: summary.locked_out
        for summary in manager_client.get(LIST_URL).context["object_list"]
    }

    assert rows[member.username] is False and rows[old.username] is False


def test_detail_shows_the_unlock_button_only_when_locked_out(manager_client):
    member = UserFactory(role=CLERK)
    url = reverse("users:detail", args=[member.pk])
    unlock = reverse("users:unlock", args=[member.pk])

    assert unlock not in manager_client.get(url).content.decode()
    lock_out(member.username)
    content = manager_client.get(url).content.decode()
    assert unlock in content
    assert re.search(r"Locked out</dt>\s*<dd[^>]*><strong[^>]*>Yes", content)


# A manager limited to some stores manages only staff of those stores.


@pytest.fixture
def store_manager(store):
    manager = UserFactory(username="stella", role=MANAGER)
    Profile.objects.update_or_create(user=manager, defaults={"all_stores": False})
    manager.profile.stores.set([store])
    client = Client()
    client.force_login(manager)
    return client


@pytest.mark.parametrize(("method", "route"), MEMBER_ROUTES)
def test_a_store_manager_cannot_reach_staff_of_every_store(store_manager, method, route):
    everywhere = UserFactory(username="ada", role=MANAGER)  # no profile: every store
    url = reverse(route, args=[everywhere.pk])

    response = store_manager.get(url) if method == "GET" else store_manager.post(url, {})

    assert response.status_code == 404
    everywhere.refresh_from_db()
    assert everywhere.is_active and everywhere.has_usable_password()


def test_a_store_manager_gives_only_their_stores_and_never_every_store(
    store_manager, django_user_model, store, other_store
):
    form = store_manager.get(CREATE_URL).context["form"]
    assert list(form.fields["stores"].queryset) == [store]
    assert form.fields["all_stores"].disabled

    # "Every store" posted anyway is ignored; another store is an unknown choice.
    refused = store_manager.post(CREATE_URL, user_post(stores=[other_store.pk]))
    assert refused.status_code == 200 and "stores" in refused.context["form"].errors
    no_store = store_manager.post(CREATE_URL, user_post(role=MANAGER, all_stores="on"))
    assert no_store.status_code == 200 and "stores" in no_store.context["form"].errors
    assert not django_user_model.objects.filter(username="robin").exists()

    store_manager.post(CREATE_URL, user_post(all_stores="on", stores=[store.pk]))
    profile = django_user_model.objects.get(username="robin").profile
    assert not profile.all_stores and list(profile.stores.all()) == [store]
