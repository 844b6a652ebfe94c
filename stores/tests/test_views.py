"""The store pages: /stores/ (list + add form) and /stores/<id>/ (detail + update)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from stores.forms import StoreForm
from stores.models import Store
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("stores:list")


def names(response) -> list[str]:
    return [store.name for store in response.context["object_list"]]


def valid_data(**overrides) -> dict:
    return {"name": "Harbour Depot", "code": "hd", "address": "1 Quay St", "phone": "555-0100"} | (
        overrides
    )


# List, search, sort, filter, pagination


def test_list_shows_active_stores_with_total_count(manager_client):
    StoreFactory(name="Main")
    StoreFactory(name="Annex")

    response = manager_client.get(LIST_URL)

    assert response.status_code == 200
    assert names(response) == ["Annex", "Main"]
    assert b'data-testid="total-count">2 stores<' in response.content


def test_list_search_matches_name_and_code_case_insensitively(manager_client):
    StoreFactory(name="Harbour Depot", code="HD")
    StoreFactory(name="City Centre", code="CITY")
    StoreFactory(name="Airport", code="AIR")

    assert names(manager_client.get(LIST_URL, {"q": "harb"})) == ["Harbour Depot"]
    assert names(manager_client.get(LIST_URL, {"q": "city"})) == ["City Centre"]
    assert names(manager_client.get(LIST_URL, {"q": "nothing-like-it"})) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("-name", ["Charlie", "Bravo", "Alpha"]),
        ("code", ["Charlie", "Alpha", "Bravo"]),
        ("-code", ["Bravo", "Alpha", "Charlie"]),
    ],
)
def test_list_sorts_by_column_in_both_directions(manager_client, sort, expected):
    StoreFactory(name="Bravo", code="Z1")
    StoreFactory(name="Alpha", code="M1")
    StoreFactory(name="Charlie", code="A1")

    response = manager_client.get(LIST_URL, {"sort": sort})

    assert names(response) == expected
    assert response.context["current_sort"] == sort


@pytest.mark.parametrize("sort", ["price", "-password", "--name", "name; DROP TABLE", ""])
def test_list_unknown_sort_falls_back_to_name(manager_client, sort):
    StoreFactory(name="Bravo")
    StoreFactory(name="Alpha")

    response = manager_client.get(LIST_URL, {"sort": sort})

    assert response.status_code == 200
    assert names(response) == ["Alpha", "Bravo"]
    assert response.context["current_sort"] == "name"


def test_list_sort_header_toggles_direction_and_keeps_search(manager_client):
    StoreFactory(name="Alpha")

    response = manager_client.get(LIST_URL, {"q": "al", "sort": "name", "page": "1"})

    # The active column links to the opposite direction; the page is dropped.
    assert b'href="?q=al&amp;sort=-name" class="sort-link">Name \xe2\x96\xb2<' in response.content
    assert b'href="?q=al&amp;sort=code" class="sort-link">Code<' in response.content


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, ["Open"]),
        ("active", ["Open"]),
        ("archived", ["Closed"]),
        ("all", ["Closed", "Open"]),
    ],
)
def test_list_status_filter(manager_client, status, expected):
    StoreFactory(name="Open")
    StoreFactory(name="Closed").archive()

    response = manager_client.get(LIST_URL, {"status": status} if status else {})

    assert names(response) == expected


def test_list_paginates_25_a_page_with_total_count(manager_client):
    for number in range(30):
        StoreFactory(name=f"Store {number:02d}", code=f"C{number:02d}")

    first = manager_client.get(LIST_URL)
    second = manager_client.get(LIST_URL, {"page": 2})

    assert names(first) == [f"Store {number:02d}" for number in range(25)]
    assert names(second) == [f"Store {number:02d}" for number in range(25, 30)]
    assert b"30 stores" in first.content
    assert b'href="?page=2"' in first.content
    assert b"Page 2 of 2" in second.content


def test_list_pagination_links_keep_search_and_sort(manager_client):
    for number in range(26):
        StoreFactory(name=f"Shop {number:02d}", code=f"C{number:02d}")

    response = manager_client.get(LIST_URL, {"q": "shop", "sort": "-name"})

    assert names(response)[0] == "Shop 25"
    assert b'href="?q=shop&amp;sort=-name&amp;page=2"' in response.content


@pytest.mark.parametrize("page", ["999", "last", "0", "abc"])
def test_list_page_out_of_range_shows_a_page_instead_of_an_error(manager_client, page):
    for number in range(26):
        StoreFactory(name=f"Shop {number:02d}", code=f"C{number:02d}")

    response = manager_client.get(LIST_URL, {"page": page})

    assert response.status_code == 200
    assert len(names(response)) in (1, 25)


def test_list_runs_the_same_number_of_queries_for_1_and_25_rows(
    client, manager, django_assert_num_queries
):
    client.force_login(manager)
    StoreFactory()
    # session, user, permissions (group + user), count, rows
    with django_assert_num_queries(6):
        assert len(client.get(LIST_URL).context["object_list"]) == 1
    StoreFactory.create_batch(24)
    with django_assert_num_queries(6):
        assert len(client.get(LIST_URL).context["object_list"]) == 25


# Create (POST to the list URL)


def test_create_posts_to_the_list_url_and_redirects_back(manager_client):
    response = manager_client.post(LIST_URL, valid_data(), follow=True)

    store = Store.objects.get()
    assert (store.name, store.code, store.address, store.phone) == (
        "Harbour Depot",
        "HD",
        "1 Quay St",
        "555-0100",
    )
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "Harbour Depot was added." in [str(m) for m in response.context["messages"]]


def test_create_invalid_rerenders_with_errors_and_typed_values(manager_client):
    StoreFactory(name="Main", code="MAIN")

    response = manager_client.post(LIST_URL, valid_data(name="Main", code="", phone="typed-phone"))

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "code"}
    assert b'value="typed-phone"' in response.content
    assert b"1 Quay St" in response.content
    assert Store.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"name": "main store"},  # same name in another case
        {"code": "main"},  # same code in another case
    ],
)
def test_create_refuses_a_duplicate_in_another_case(manager_client, data):
    StoreFactory(name="Main Store", code="MAIN")

    response = manager_client.post(LIST_URL, valid_data(**data))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(data)
    assert Store.objects.count() == 1


def test_create_racing_a_duplicate_gets_a_form_error_not_a_server_error(
    manager_client, monkeypatch
):
    """Two clerks add "Main" at once: both pass the form's check, the database refuses one."""
    StoreFactory(name="Main", code="MAIN")
    monkeypatch.setattr(StoreForm, "case_insensitive_unique", ())
    monkeypatch.setattr(StoreForm, "validate_unique", lambda form: None)
    # The model's case-insensitive constraints would catch it in the form too.
    monkeypatch.setattr(Store, "validate_constraints", lambda *args, **kwargs: None)

    response = manager_client.post(LIST_URL, valid_data(name="Main", code="MAIN"))

    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Someone else saved a record that clashes with this one")
    assert b'value="Main"' in response.content
    assert Store.objects.count() == 1


def test_create_needs_add_permission(client, user):
    user.user_permissions.add(*_perms("view_store"))
    client.force_login(user)

    response = client.post(LIST_URL, valid_data())

    assert response.status_code == 403
    assert not Store.objects.exists()


def test_list_hides_add_form_without_add_permission(client, user):
    user.user_permissions.add(*_perms("view_store"))
    client.force_login(user)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert b"Add store" not in response.content


# Detail and update


def test_update_on_the_detail_page(manager_client):
    store = StoreFactory(name="Main", code="MAIN")

    response = manager_client.post(
        store.get_absolute_url(), valid_data(name="Main Street", code="ms"), follow=True
    )

    store.refresh_from_db()
    assert (store.name, store.code) == ("Main Street", "MS")
    assert response.redirect_chain == [(store.get_absolute_url(), 302)]
    assert "Main Street was saved." in [str(m) for m in response.context["messages"]]


def test_update_invalid_keeps_the_record_unchanged(manager_client):
    StoreFactory(name="Annex", code="ANX")
    store = StoreFactory(name="Main", code="MAIN")

    response = manager_client.post(store.get_absolute_url(), valid_data(name="Annex", code="x"))

    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    store.refresh_from_db()
    assert (store.name, store.code) == ("Main", "MAIN")


def test_update_keeping_own_name_and_code_is_not_a_duplicate(manager_client):
    store = StoreFactory(name="Main", code="MAIN")

    response = manager_client.post(store.get_absolute_url(), valid_data(name="Main", code="main"))

    assert response.status_code == 302


# Delete, archive, restore


def test_delete_asks_for_confirmation_first(manager_client):
    store = StoreFactory(name="Main")

    response = manager_client.get(reverse("stores:delete", args=[store.pk]))

    assert response.status_code == 200
    assert b"Delete store \xe2\x80\x9cMain\xe2\x80\x9d?" in response.content
    assert Store.objects.filter(pk=store.pk).exists()


def test_delete_after_confirmation_removes_an_unused_store(manager_client):
    store = StoreFactory(name="Main")

    response = manager_client.post(reverse("stores:delete", args=[store.pk]), follow=True)

    assert not Store.objects.filter(pk=store.pk).exists()
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "Main was deleted." in [str(m) for m in response.context["messages"]]


def test_archive_refuses_get(manager_client):
    store = StoreFactory()

    response = manager_client.get(reverse("stores:archive", args=[store.pk]))

    assert response.status_code == 405
    store.refresh_from_db()
    assert store.is_active


# Unknown ids and permissions


@pytest.mark.parametrize("route", ["detail", "delete", "archive", "restore"])
def test_unknown_id_gives_404_in_the_site_layout(manager_client, route):
    url = reverse(f"stores:{route}", args=[999999])
    response = (
        manager_client.post(url) if route in ("archive", "restore") else (manager_client.get(url))
    )

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert b'aria-label="Main navigation"' in response.content


@pytest.mark.parametrize("route", ["list", "detail"])
def test_user_without_permission_gets_403(user_client, route):
    store = StoreFactory()
    url = reverse(f"stores:{route}", args=[store.pk] if route == "detail" else [])

    assert user_client.get(url).status_code == 403


@pytest.mark.parametrize("route", ["list", "detail"])
def test_visitor_is_sent_to_login(client, route):
    store = StoreFactory()
    url = reverse(f"stores:{route}", args=[store.pk] if route == "detail" else [])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_user_without_change_permission_sees_details_read_only(client, user):
    user.user_permissions.add(*_perms("view_store"))
    client.force_login(user)
    store = StoreFactory(name="Main")

    page = client.get(store.get_absolute_url())
    post = client.post(store.get_absolute_url(), valid_data())

    assert page.status_code == 200
    assert b"<dt>Name</dt><dd>Main</dd>" in page.content
    assert b"Archive</button>" not in page.content
    assert post.status_code == 403
    store.refresh_from_db()
    assert store.name == "Main"


@pytest.mark.parametrize("route", ["delete", "archive"])
def test_delete_and_archive_need_delete_permission(client, user, route):
    user.user_permissions.add(*_perms("view_store", "change_store"))
    client.force_login(user)
    store = StoreFactory()

    response = client.post(reverse(f"stores:{route}", args=[store.pk]))

    assert response.status_code == 403
    store.refresh_from_db()
    assert store.is_active


def _perms(*codenames):
    return Permission.objects.filter(codename__in=codenames)
