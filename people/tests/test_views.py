"""The supplier and customer pages: /suppliers/, /customers/ and their detail pages.

Both share one base model and one set of views, so most tests run for each.
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.http import QueryDict
from django.urls import reverse

from people.models import Customer, Supplier
from people.tests.factories import CustomerFactory, SupplierFactory

pytestmark = pytest.mark.django_db


@dataclass
class Kind:
    namespace: str
    model: type
    factory: type
    plural: str


SUPPLIERS = Kind("suppliers", Supplier, SupplierFactory, "suppliers")
CUSTOMERS = Kind("customers", Customer, CustomerFactory, "customers")


@pytest.fixture(params=[SUPPLIERS, CUSTOMERS], ids=["supplier", "customer"])
def kind(request) -> Kind:
    return request.param


def url(kind: Kind, route: str, *args) -> str:
    return reverse(f"{kind.namespace}:{route}", args=args)


def names(response) -> list[str]:
    return [party.name for party in response.context["object_list"]]


def valid_data(**overrides) -> dict:
    return {
        "name": "Acme Ltd",
        "contact_person": "Ann Smith",
        "email": "orders@acme.example",
        "phone": "+1 555 0100",
        "address": "1 Main St",
        "notes": "Pays on time",
    } | overrides


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# List, search, sort, filter, pagination


def test_list_shows_active_records_with_total_count(manager_client, kind):
    kind.factory(name="Zeta")
    kind.factory(name="Alpha")

    response = manager_client.get(url(kind, "list"))

    assert response.status_code == 200
    assert names(response) == ["Alpha", "Zeta"]
    assert f'data-testid="total-count">2 {kind.plural}<'.encode() in response.content


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("ACME", ["Acme Ltd"]),  # name, any case
        ("orders@bolt", ["Bolt & Co"]),  # email
        ("555 0199", ["Cogs Inc"]),  # phone
        ("no-such-party", []),
    ],
)
def test_list_search_matches_name_email_and_phone(manager_client, kind, term, expected):
    kind.factory(name="Acme Ltd", email="a@acme.example", phone="+1 555 0100")
    kind.factory(name="Bolt & Co", email="orders@bolt.example", phone="+1 555 0101")
    kind.factory(name="Cogs Inc", email="c@cogs.example", phone="+1 555 0199")

    assert names(manager_client.get(url(kind, "list"), {"q": term})) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("-name", ["Charlie", "Bravo", "Alpha"]),
        ("email", ["Charlie", "Alpha", "Bravo"]),
        ("-email", ["Bravo", "Alpha", "Charlie"]),
        ("phone", ["Bravo", "Charlie", "Alpha"]),
        ("-phone", ["Alpha", "Charlie", "Bravo"]),
    ],
)
def test_list_sorts_by_column_in_both_directions(manager_client, kind, sort, expected):
    kind.factory(name="Bravo", email="z@example.com", phone="1")
    kind.factory(name="Alpha", email="m@example.com", phone="3")
    kind.factory(name="Charlie", email="a@example.com", phone="2")

    response = manager_client.get(url(kind, "list"), {"sort": sort})

    assert names(response) == expected
    assert response.context["current_sort"] == sort


def test_supplier_list_sorts_by_contact_person(manager_client):
    SupplierFactory(name="Alpha", contact_person="Zoe")
    SupplierFactory(name="Bravo", contact_person="Adam")

    assert names(manager_client.get(url(SUPPLIERS, "list"), {"sort": "contact"})) == [
        "Bravo",
        "Alpha",
    ]
    assert names(manager_client.get(url(SUPPLIERS, "list"), {"sort": "-contact"})) == [
        "Alpha",
        "Bravo",
    ]


@pytest.mark.parametrize("sort", ["notes", "-address", "--name", "contact_person"])
def test_list_unknown_sort_falls_back_to_name(manager_client, kind, sort):
    # Sorting by these would put Bravo first; they are not offered, so it is by name.
    kind.factory(name="Bravo", notes="a", address="a")
    kind.factory(name="Alpha", notes="b", address="b")

    response = manager_client.get(url(kind, "list"), {"sort": sort})

    assert response.status_code == 200
    assert names(response) == ["Alpha", "Bravo"]
    assert response.context["current_sort"] == "name"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, ["Current"]),
        ("active", ["Current"]),
        ("archived", ["Old"]),
        ("all", ["Current", "Old"]),
    ],
)
def test_list_status_filter(manager_client, kind, status, expected):
    kind.factory(name="Current")
    kind.factory(name="Old").archive()

    response = manager_client.get(url(kind, "list"), {"status": status} if status else {})

    assert names(response) == expected


def test_list_search_combines_with_status_filter(manager_client, kind):
    kind.factory(name="Acme North")
    kind.factory(name="Acme South").archive()
    kind.factory(name="Bolt").archive()

    response = manager_client.get(url(kind, "list"), {"q": "acme", "status": "archived"})

    assert names(response) == ["Acme South"]


def test_list_invalid_status_value_is_ignored_but_search_still_applies(manager_client, kind):
    kind.factory(name="Acme")
    kind.factory(name="Bolt")

    response = manager_client.get(url(kind, "list"), {"q": "acme", "status": "bogus"})

    assert response.status_code == 200
    assert names(response) == ["Acme"]


def test_list_paginates_25_a_page_with_total_count(manager_client, kind):
    for number in range(27):
        kind.factory(name=f"Party {number:02d}")

    first = manager_client.get(url(kind, "list"))
    second = manager_client.get(url(kind, "list"), {"page": 2})

    assert names(first) == [f"Party {number:02d}" for number in range(25)]
    assert names(second) == ["Party 25", "Party 26"]
    assert f"27 {kind.plural}".encode() in first.content
    assert b'href="?page=2"' in first.content
    assert b"Page 2 of 2" in second.content


def test_list_runs_the_same_number_of_queries_for_1_and_25_rows(
    client, manager, kind, django_assert_num_queries
):
    client.force_login(manager)
    kind.factory()
    # session, user, permissions (group + user), count, rows
    with django_assert_num_queries(6):
        assert len(client.get(url(kind, "list")).context["object_list"]) == 1
    kind.factory.create_batch(24)
    with django_assert_num_queries(6):
        assert len(client.get(url(kind, "list")).context["object_list"]) == 25


# Create


def test_create_posts_to_the_list_url(manager_client, kind):
    response = manager_client.post(url(kind, "list"), valid_data(), follow=True)

    party = kind.model.objects.get()
    assert (party.name, party.email, party.phone, party.address, party.notes) == (
        "Acme Ltd",
        "orders@acme.example",
        "+1 555 0100",
        "1 Main St",
        "Pays on time",
    )
    assert party.is_active
    assert response.redirect_chain == [(url(kind, "list"), 302)]
    assert "Acme Ltd was added." in messages_of(response)


def test_create_supplier_keeps_contact_person(manager_client):
    manager_client.post(url(SUPPLIERS, "list"), valid_data())

    assert Supplier.objects.get().contact_person == "Ann Smith"


def test_create_redirect_keeps_the_query_string(manager_client, kind):
    list_url = url(kind, "list")

    response = manager_client.post(f"{list_url}?q=ac&sort=-name", valid_data())

    assert response.status_code == 302
    assert response["Location"] == f"{list_url}?q=ac&sort=-name"


@pytest.mark.parametrize(
    ("overrides", "error_fields"),
    [
        ({"name": ""}, {"name"}),
        ({"email": "not-an-email"}, {"email"}),
        ({"name": "x" * 201}, {"name"}),
        ({"phone": "1" * 41}, {"phone"}),
    ],
)
def test_create_invalid_rerenders_with_errors_and_typed_values(
    manager_client, kind, overrides, error_fields
):
    response = manager_client.post(url(kind, "list"), valid_data(**overrides))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == error_fields
    assert b"Pays on time" in response.content  # the notes typed are still there
    assert b"is-invalid" in response.content
    assert not kind.model.objects.exists()


# Detail and update


def test_update_on_the_detail_page(manager_client, kind):
    party = kind.factory(name="Acme")

    response = manager_client.post(
        party.get_absolute_url(), valid_data(name="Acme Holdings", email=""), follow=True
    )

    party.refresh_from_db()
    assert (party.name, party.email) == ("Acme Holdings", "")
    assert response.redirect_chain == [(party.get_absolute_url(), 302)]
    assert "Acme Holdings was saved." in messages_of(response)


def test_update_invalid_keeps_the_record_unchanged(manager_client, kind):
    party = kind.factory(name="Acme", email="a@acme.example")

    response = manager_client.post(party.get_absolute_url(), valid_data(email="nope"))

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert b'value="nope"' in response.content
    party.refresh_from_db()
    assert (party.name, party.email) == ("Acme", "a@acme.example")


# Delete, archive, restore


def test_delete_asks_for_confirmation_first(manager_client, kind):
    party = kind.factory(name="Acme")

    response = manager_client.get(url(kind, "delete", party.pk))

    assert response.status_code == 200
    assert "Acme”?".encode() in response.content
    assert kind.model.objects.filter(pk=party.pk).exists()


def test_delete_after_confirmation_removes_an_unused_record(manager_client, kind):
    party = kind.factory(name="Acme")

    response = manager_client.post(url(kind, "delete", party.pk), follow=True)

    assert not kind.model.objects.filter(pk=party.pk).exists()
    assert response.redirect_chain == [(url(kind, "list"), 302)]
    assert "Acme was deleted." in messages_of(response)


def test_archive_and_restore(manager_client, kind):
    party = kind.factory(name="Acme")

    response = manager_client.post(url(kind, "archive", party.pk), follow=True)

    party.refresh_from_db()
    assert not party.is_active
    assert response.redirect_chain == [(party.get_absolute_url(), 302)]
    assert messages_of(response)[0].startswith("Acme was archived.")
    assert url(kind, "restore", party.pk).encode() in response.content
    assert names(manager_client.get(url(kind, "list"))) == []
    assert names(manager_client.get(url(kind, "list"), {"status": "archived"})) == ["Acme"]

    response = manager_client.post(url(kind, "restore", party.pk), follow=True)

    party.refresh_from_db()
    assert party.is_active
    assert "Acme was restored." in messages_of(response)
    assert names(manager_client.get(url(kind, "list"))) == ["Acme"]


def test_archived_supplier_leaves_the_pickers(manager_client):
    supplier = SupplierFactory(name="Gone Supplier")
    supplier.archive()

    product_form = manager_client.get(reverse("products:list")).context["form"]
    purchase_page = manager_client.get(reverse("purchases:create"))

    assert supplier not in product_form.fields["supplier"].queryset
    assert b"Gone Supplier" not in purchase_page.content


def test_archived_customer_leaves_the_sale_picker(manager_client):
    CustomerFactory(name="Gone Customer").archive()
    CustomerFactory(name="Current Customer")

    page = manager_client.get(reverse("sales:create")).content.decode()
    # The customer field searches where its input says, options included (?active=1).
    [search_url] = re.findall(r'data-record-search="(/customers/[^"]*)"', page)
    path, _, options = search_url.partition("?")
    answer = manager_client.get(path, QueryDict(options).dict() | {"q": "customer"}).json()

    assert [customer["name"] for customer in answer["results"]] == ["Current Customer"]


# Unknown ids and permissions


@pytest.mark.parametrize("route", ["detail", "delete"])
def test_unknown_id_gives_404_in_the_site_layout(manager_client, kind, route):
    response = manager_client.get(url(kind, route, 999999))

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert b'aria-label="Main navigation"' in response.content


def test_unknown_id_archive_gives_404(manager_client, kind):
    assert manager_client.post(url(kind, "archive", 999999)).status_code == 404


@pytest.mark.parametrize("route", ["list", "detail"])
def test_user_without_permission_gets_403(user_client, kind, route):
    party = kind.factory()
    args = [party.pk] if route == "detail" else []

    assert user_client.get(url(kind, route, *args)).status_code == 403


@pytest.mark.parametrize("route", ["list", "detail"])
def test_visitor_is_sent_to_login(client, kind, route):
    party = kind.factory()
    target = url(kind, route, *([party.pk] if route == "detail" else []))

    response = client.get(target)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={target}"


def test_view_permission_alone_cannot_create_or_update(client, user, kind):
    model_name = kind.model._meta.model_name
    user.user_permissions.add(Permission.objects.get(codename=f"view_{model_name}"))
    client.force_login(user)
    party = kind.factory(name="Acme")

    assert client.get(url(kind, "list")).status_code == 200
    assert client.post(url(kind, "list"), valid_data(name="New")).status_code == 403
    assert client.post(party.get_absolute_url(), valid_data(name="Renamed")).status_code == 403
    assert client.post(url(kind, "delete", party.pk)).status_code == 403
    party.refresh_from_db()
    assert party.name == "Acme"
    assert kind.model.objects.count() == 1
