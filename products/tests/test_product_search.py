"""/products/search/: the JSON the order lines' product picker asks while a person types."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from products.models import Unit
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("products:search")


def found(response) -> list[str]:
    assert response.status_code == 200
    return [product["sku"] for product in response.json()["results"]]


def test_product_search_answers_what_the_picker_shows(manager_client):
    hammer = ProductFactory(
        sku="HAM-1",
        name="Claw hammer",
        unit=Unit.objects.standard()["pcs"],
        sale_price=Decimal("12.90"),
        cost_price=Decimal("6.50"),
    )

    response = manager_client.get(SEARCH_URL, {"q": "ham"})

    assert response.json() == {
        "results": [
            {
                "id": hammer.pk,
                "sku": "HAM-1",
                "name": "Claw hammer",
                "sale_price": "12.90",
                "cost_price": "6.50",
                "unit": "pcs",
            }
        ]
    }


def test_product_search_matches_a_sku_prefix_or_a_name_part_in_any_case(manager_client):
    ProductFactory(sku="DRL-2", name="Cordless drill")
    ProductFactory(sku="BIT-7", name="Drill bit set")
    ProductFactory(sku="SAW-3", name="Hand saw")
    ProductFactory(sku="X-DRL", name="Jigsaw")  # "drl" inside a SKU is no match

    assert found(manager_client.get(SEARCH_URL, {"q": "drl"})) == ["DRL-2"]
    assert found(manager_client.get(SEARCH_URL, {"q": "DRILL"})) == ["DRL-2", "BIT-7"]
    assert found(manager_client.get(SEARCH_URL, {"q": " saw "})) == ["SAW-3", "X-DRL"]


def test_product_search_leaves_out_archived_products(manager_client):
    ProductFactory(sku="OLD-1", name="Old hammer").archive()
    ProductFactory(sku="NEW-1", name="New hammer")

    assert found(manager_client.get(SEARCH_URL, {"q": "hammer"})) == ["NEW-1"]
    assert found(manager_client.get(SEARCH_URL, {"q": "old"})) == []


def test_product_search_gives_at_most_twenty_by_name(manager_client):
    for number in range(25):
        ProductFactory(sku=f"BOLT-{number:02d}", name=f"Bolt {24 - number:02d}")

    names = [
        product["name"]
        for product in manager_client.get(SEARCH_URL, {"q": "bolt"}).json()["results"]
    ]

    assert names == [f"Bolt {number:02d}" for number in range(20)]


def test_product_search_treats_wildcards_as_text(manager_client):
    ProductFactory(sku="A-1", name="Plain")

    assert found(manager_client.get(SEARCH_URL, {"q": "%"})) == []
    assert found(manager_client.get(SEARCH_URL, {"q": "_"})) == []


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}])
def test_product_search_without_a_term_finds_nothing(manager_client, query):
    ProductFactory()

    assert found(manager_client.get(SEARCH_URL, query)) == []


def test_product_search_refuses_an_over_long_term(manager_client):
    response = manager_client.get(SEARCH_URL, {"q": "x" * 101})

    assert response.status_code == 400
    assert response.json() == {
        "error": "Ensure this value has at most 100 characters (it has 101)."
    }


@pytest.mark.parametrize(
    "term", ["<script>alert(1)</script>", "Ünïcødé 店 🚀", "1 OR 1=1", "a\x00b"]
)
def test_product_search_odd_terms_are_no_error(manager_client, term):
    response = manager_client.get(SEARCH_URL, {"q": term})

    assert response.status_code in (200, 400)
    assert response["Content-Type"] == "application/json"


def test_product_search_sends_visitors_to_the_login_page(client):
    response = client.get(SEARCH_URL, {"q": "a"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_product_search_needs_the_view_permission(user_client, user):
    ProductFactory(name="Secret")
    assert user_client.get(SEARCH_URL, {"q": "secret"}).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename="view_product"))

    assert len(found(user_client.get(SEARCH_URL, {"q": "secret"}))) == 1


def test_product_search_is_get_only(manager_client):
    assert manager_client.post(SEARCH_URL, {"q": "a"}).status_code == 405


# Session, user, the two permission look-ups, the search: however many products match.
SEARCH_QUERIES = 5


@pytest.mark.parametrize("product_count", [1, 30])
def test_product_search_query_count_is_constant(
    manager_client, django_assert_num_queries, product_count
):
    ProductFactory.create_batch(product_count, name="Widget")

    with django_assert_num_queries(SEARCH_QUERIES):
        response = manager_client.get(SEARCH_URL, {"q": "widget"})

    assert len(found(response)) == min(product_count, 20)
