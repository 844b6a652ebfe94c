"""/customers/search/ and /suppliers/search/: the JSON the party pickers ask while a person
types (the new-document header with ?active=1, the list filters without)."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from people.models import Customer, Supplier
from people.tests.factories import CustomerFactory, SupplierFactory

pytestmark = pytest.mark.django_db


@dataclass
class Kind:
    model: type
    factory: type
    url: str
    permission: str


SUPPLIERS = Kind(Supplier, SupplierFactory, reverse("suppliers:search"), "view_supplier")
CUSTOMERS = Kind(Customer, CustomerFactory, reverse("customers:search"), "view_customer")


@pytest.fixture(params=[SUPPLIERS, CUSTOMERS], ids=["supplier", "customer"])
def kind(request) -> Kind:
    return request.param


def found(response) -> list[str]:
    assert response.status_code == 200
    return [party["name"] for party in response.json()["results"]]


def test_party_search_answers_what_the_picker_shows(manager_client, kind):
    party = kind.factory(name="Harbour Hardware", email="desk@harbour.test")
    no_email = kind.factory(name="Harbour Fishing", email="", phone="+1 555 0100")

    response = manager_client.get(kind.url, {"q": "harbour"})

    assert response.json() == {
        "results": [
            {
                "id": no_email.pk,
                "name": "Harbour Fishing",
                "detail": f"#{no_email.pk} · +1 555 0100",
            },
            {
                "id": party.pk,
                "name": "Harbour Hardware",
                "detail": f"#{party.pk} · desk@harbour.test",
            },
        ]
    }


def test_party_search_matches_a_name_part_in_any_case(manager_client, kind):
    kind.factory(name="Acme Tools")
    kind.factory(name="Bolt Acme")
    kind.factory(name="Other", email="acme@example.com")  # the name only

    assert found(manager_client.get(kind.url, {"q": " ACME "})) == ["Acme Tools", "Bolt Acme"]


def test_party_search_lists_archived_ones_marked_unless_active_only(manager_client, kind):
    old = kind.factory(name="Old Mill", email="", phone="")
    old.archive()
    kind.factory(name="Old Town")

    everything = manager_client.get(kind.url, {"q": "old"}).json()["results"]
    active = manager_client.get(kind.url, {"q": "old", "active": "1"})

    assert [party["name"] for party in everything] == ["Old Mill", "Old Town"]
    assert everything[0]["detail"] == f"#{old.pk} · archived"
    assert found(active) == ["Old Town"]


def test_party_search_gives_at_most_twenty_by_name(manager_client, kind):
    for number in range(25):
        kind.factory(name=f"Shop {24 - number:02d}")

    assert found(manager_client.get(kind.url, {"q": "shop"})) == [
        f"Shop {number:02d}" for number in range(20)
    ]


def test_party_search_treats_wildcards_as_text(manager_client, kind):
    kind.factory(name="Plain")

    assert found(manager_client.get(kind.url, {"q": "%"})) == []
    assert found(manager_client.get(kind.url, {"q": "_"})) == []


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}, {"q": "", "active": "1"}])
def test_party_search_without_a_term_finds_nothing(manager_client, kind, query):
    kind.factory()

    assert found(manager_client.get(kind.url, query)) == []


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"q": "x" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
        ({"q": "a", "active": "yes"}, "Select a valid choice. yes is not one of the available"),
        ({"q": "a\x00b"}, "Null characters are not allowed."),
    ],
)
def test_party_search_refuses_bad_input_with_a_400(manager_client, kind, query, error):
    response = manager_client.get(kind.url, query)

    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


@pytest.mark.parametrize("term", ["<script>alert(1)</script>", "Ünïcødé 店 🚀", "1 OR 1=1", "'"])
def test_party_search_odd_terms_are_no_error(manager_client, kind, term):
    response = manager_client.get(kind.url, {"q": term})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_party_search_sends_visitors_to_the_login_page(client, kind):
    response = client.get(kind.url, {"q": "a"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_party_search_needs_the_view_permission(user_client, user, kind):
    kind.factory(name="Secret")
    assert user_client.get(kind.url, {"q": "secret"}).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename=kind.permission))

    assert found(user_client.get(kind.url, {"q": "secret"})) == ["Secret"]


def test_party_search_is_get_only(manager_client, kind):
    assert manager_client.post(kind.url, {"q": "a"}).status_code == 405


# Session, user, the two permission look-ups, the search: however many parties match.
SEARCH_QUERIES = 5


@pytest.mark.parametrize("party_count", [1, 30])
def test_party_search_query_count_is_constant(
    manager_client, django_assert_num_queries, kind, party_count
):
    kind.model.objects.bulk_create(kind.model(name="Same Name") for _ in range(party_count))

    with django_assert_num_queries(SEARCH_QUERIES):
        response = manager_client.get(kind.url, {"q": "same", "active": "1"})

    assert len(found(response)) == min(party_count, 20)
