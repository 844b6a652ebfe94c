"""The profile page (the default store) and the new-document pages that pre-select that store."""

import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import Profile
from core.documents import DocumentCreateView
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("profile")
# Each new-document page and the header field its default store fills.
NEW_DOCUMENT_PAGES = [
    ("sales:create", "store"),
    ("purchases:create", "store"),
    ("purchase_orders:create", "store"),
    ("transfers:create", "from_store"),
]


def selected_options(response, field: str) -> list[str]:
    """The values of the <option>s selected in the page's <select name="field">."""
    html = response.content.decode()
    select = re.search(rf'<select name="{field}".*?</select>', html, re.DOTALL)
    assert select, f"no <select name={field!r}> on the page"
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group())


def offered_options(response, field: str) -> list[str]:
    html = response.content.decode()
    select = re.search(rf'<select name="{field}".*?</select>', html, re.DOTALL)
    return re.findall(r'<option value="([^"]*)"', select.group())


def give_default_store(user, store) -> Profile:
    return Profile.objects.create(user=user, default_store=store)


# The profile page -----------------------------------------------------------------------------


def test_profile_page_requires_login(client):
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={PROFILE_URL}"


def test_profile_post_requires_login(client, store):
    response = client.post(PROFILE_URL, {"default_store": store.pk})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Profile.objects.exists()


def test_profile_page_shows_the_user_and_role(manager_client, manager):
    manager.first_name, manager.last_name = "Mia", "Manning"
    manager.save()

    response = manager_client.get(PROFILE_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "manager" in content
    assert "Mia Manning" in content
    assert "Manager" in content
    assert "accounts/profile.html" in [template.name for template in response.templates]


def test_profile_page_of_a_user_without_a_role_says_so(user_client):
    response = user_client.get(PROFILE_URL)

    assert response.status_code == 200
    assert "No role yet" in response.content.decode()


def test_profile_page_creates_no_profile_on_get(user_client):
    user_client.get(PROFILE_URL)

    assert not Profile.objects.exists()


def test_profile_form_is_csrf_protected(user, store):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    page = client.get(PROFILE_URL)
    refused = client.post(PROFILE_URL, {"default_store": store.pk})

    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert refused.status_code == 403
    assert not Profile.objects.exists()


def test_profile_saves_the_default_store(user_client, user, store):
    response = user_client.post(PROFILE_URL, {"default_store": store.pk}, follow=True)

    assert response.redirect_chain == [(PROFILE_URL, 302)]
    assert "Saved." in [str(message) for message in response.context["messages"]]
    assert Profile.objects.get(user=user).default_store == store
    assert selected_options(response, "default_store") == [str(store.pk)]


def test_profile_changes_and_clears_the_default_store(user_client, user, store, other_store):
    give_default_store(user, store)

    user_client.post(PROFILE_URL, {"default_store": other_store.pk})
    assert Profile.objects.get(user=user).default_store == other_store

    user_client.post(PROFILE_URL, {"default_store": ""})
    assert Profile.objects.get(user=user).default_store is None
    assert Profile.objects.count() == 1


@pytest.mark.parametrize("posted", ["999999", "not-a-number", "-1"])
def test_profile_rejects_an_unknown_store(user_client, user, store, posted):
    give_default_store(user, store)

    response = user_client.post(PROFILE_URL, {"default_store": posted})

    assert response.status_code == 200
    assert response.context["form"].has_error("default_store", "invalid_choice")
    assert "Choose one of the active stores, or none." in response.content.decode()
    assert Profile.objects.get(user=user).default_store == store


def test_profile_rejects_an_archived_store(user_client, user):
    archived = StoreFactory(name="Old Depot")
    archived.archive()

    response = user_client.post(PROFILE_URL, {"default_store": archived.pk})

    assert response.status_code == 200
    assert response.context["form"].has_error("default_store", "invalid_choice")
    assert not Profile.objects.exists()


def test_profile_offers_active_stores_only(user_client, store):
    archived = StoreFactory(name="Old Depot")
    archived.archive()

    response = user_client.get(PROFILE_URL)

    assert offered_options(response, "default_store") == ["", str(store.pk)]


def test_profile_shows_an_archived_default_as_current_without_offering_it(user_client, user):
    archived = StoreFactory(name="Old Depot")
    give_default_store(user, archived)
    archived.archive()

    response = user_client.get(PROFILE_URL)

    content = response.content.decode()
    current = re.search(r'data-testid="current-default-store">(.*?)</dd>', content).group(1)
    assert "Old Depot" in current and "Archived" in current
    assert str(archived.pk) not in offered_options(response, "default_store")
    assert "is archived: choose another one" in content


def test_user_menu_links_to_the_profile(user_client):
    response = user_client.get(reverse("password_change"))

    assert f'href="{PROFILE_URL}">Profile</a>' in response.content.decode()


def test_deleting_the_default_store_leaves_no_default(user, store):
    profile = give_default_store(user, store)

    store.delete()

    profile.refresh_from_db()
    assert profile.default_store is None


# Pre-selection on the new-document pages -------------------------------------------------------


@pytest.mark.parametrize(("route", "field"), NEW_DOCUMENT_PAGES)
def test_new_document_page_preselects_the_default_store(
    manager_client, manager, store, other_store, route, field
):
    give_default_store(manager, other_store)

    response = manager_client.get(reverse(route))

    assert response.status_code == 200
    assert response.context["form"].initial[field] == other_store.pk
    assert selected_options(response, field) == [str(other_store.pk)]


@pytest.mark.parametrize(("route", "field"), NEW_DOCUMENT_PAGES)
def test_new_document_page_without_a_profile_preselects_nothing(
    manager_client, store, route, field
):
    response = manager_client.get(reverse(route))

    assert field not in response.context["form"].initial
    assert selected_options(response, field) == [""]


@pytest.mark.parametrize(("route", "field"), NEW_DOCUMENT_PAGES)
def test_new_document_page_with_no_default_store_preselects_nothing(
    manager_client, manager, store, route, field
):
    give_default_store(manager, None)

    response = manager_client.get(reverse(route))

    assert selected_options(response, field) == [""]


def test_new_document_page_ignores_an_archived_default_store(manager_client, manager, store):
    archived = StoreFactory(name="Old Depot")
    give_default_store(manager, archived)
    archived.archive()

    response = manager_client.get(reverse("sales:create"))

    # Not offered, so not selected: the browser shows the first option, "---------".
    assert response.status_code == 200
    assert selected_options(response, "store") == []
    assert offered_options(response, "store") == ["", str(store.pk)]


def test_store_given_in_the_url_wins_over_the_default(manager_client, manager, store, other_store):
    give_default_store(manager, other_store)

    response = manager_client.get(f"{reverse('transfers:create')}?from_store={store.pk}")

    assert selected_options(response, "from_store") == [str(store.pk)]


def test_unusable_store_in_the_url_falls_back_to_the_default(
    manager_client, manager, store, other_store
):
    give_default_store(manager, other_store)

    response = manager_client.get(f"{reverse('transfers:create')}?from_store=nonsense")

    assert selected_options(response, "from_store") == [str(other_store.pk)]


def test_posted_store_is_not_replaced_by_the_default(manager_client, manager, store, other_store):
    """The default is only an initial value: a POST's store (here with an error) is kept."""
    give_default_store(manager, other_store)

    response = manager_client.post(reverse("sales:create"), {"store": store.pk})

    assert response.status_code == 200
    assert selected_options(response, "store") == [str(store.pk)]


def test_default_store_costs_one_query(django_assert_num_queries, manager, store):
    give_default_store(manager, store)
    view = DocumentCreateView()
    view.request = RequestFactory().get("/")
    view.request.user = type(manager).objects.get(pk=manager.pk)

    with django_assert_num_queries(1):
        assert view.get_default_store_initial() == {"store": store.pk}
