"""The History section of a user's page (/users/<pk>/): their role, stores and access, who
changed them and when, for those who may browse the history."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.roles import CLERK, MANAGER
from accounts.tests.factories import UserFactory
from accounts.tests.test_users import edit_post

pytestmark = pytest.mark.django_db


def page_of(member) -> str:
    return reverse("users:detail", args=[member.pk])


def history_section(response) -> dict | None:
    return next((s for s in response.context["sections"] if "history" in s), None)


def changes_shown(section) -> list[tuple[str, str, str, str, str]]:
    return [
        (row.who, row.action, change.name, change.old, change.new)
        for row in section["history"].rows
        for change in row.changes
    ]


def test_a_users_page_shows_who_changed_their_role_and_stores(manager_client, store, other_store):
    member = UserFactory(username="casey", role=CLERK)
    manager_client.post(page_of(member), edit_post(member, role=MANAGER))
    manager_client.post(
        page_of(member), edit_post(member, role=MANAGER, all_stores="", stores=[store.pk])
    )

    response = manager_client.get(page_of(member))

    section = history_section(response)
    assert section is not None
    shown = changes_shown(section)
    assert ("manager", "Changed", "Groups", "", MANAGER) in shown
    assert ("manager", "Changed", "Groups", CLERK, "") in shown
    assert ("manager", "Changed", "Stores", "", "Main Street") in shown
    assert ("manager", "Changed", "Works in every store", "yes", "no") in shown
    content = response.content.decode()
    assert 'data-testid="history"' in content
    assert "Main Street" in content


def test_a_users_page_shows_only_their_own_history(manager_client, store):
    member = UserFactory(username="casey", role=CLERK)
    other = UserFactory(username="robin", role=CLERK)
    manager_client.post(page_of(other), edit_post(other, role=MANAGER))

    section = history_section(manager_client.get(page_of(member)))

    rows = section["history"].rows
    assert rows  # casey's own creation
    assert {row.entry.object_id for row in rows} == {member.pk}
    assert all("Manager" not in (change.new for change in row.changes) for row in rows)


def test_the_history_section_needs_the_browse_history_permission(
    client, django_user_model, manager_client
):
    member = UserFactory(username="casey", role=CLERK)
    manager_client.post(page_of(member), edit_post(member, role=MANAGER))
    # May manage users, may not browse the history.
    user = django_user_model.objects.create_user("people-person")
    user.user_permissions.add(Permission.objects.get(codename="manage_users"))
    client.force_login(user)

    response = client.get(page_of(member))

    assert response.status_code == 200
    assert history_section(response) is None
    assert 'data-testid="history"' not in response.content.decode()
