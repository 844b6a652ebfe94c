"""Product and customer pages that show, or are held back by, sales.

They need sale documents, so they live here rather than in the apps below. The
stock sold is put on hand with ``stock_up`` (no purchase documents).
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from people.models import Customer
from people.tests.factories import CustomerFactory
from products.tests.factories import ProductFactory, stock_up
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

PRODUCT_LIST_URL = reverse("products:list")
CUSTOMERS = "customers"


def product_names(response) -> list[str]:
    return [product.name for product in response.context["object_list"]]


def url(namespace: str, route: str, *args) -> str:
    return reverse(f"{namespace}:{route}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_list_below_reorder_level_after_a_sale_brings_stock_down(manager_client):
    store = StoreFactory()
    product = ProductFactory(name="Bolt", reorder_level=5)
    stock_up(product, store, 8)
    assert product_names(manager_client.get(PRODUCT_LIST_URL, {"below_reorder": "on"})) == []

    make_sale(store=store, lines=[(product, 4)])

    assert product_names(manager_client.get(PRODUCT_LIST_URL, {"below_reorder": "on"})) == ["Bolt"]


def test_customer_detail_shows_its_sales(manager_client):
    customer = CustomerFactory(name="Jo")
    product = ProductFactory(sale_price=Decimal("9.00"))
    store = StoreFactory()
    stock_up(product, store, 10)
    sale = make_sale(customer=customer, store=store, lines=[(product, 2)])
    make_sale(store=store, lines=[(product, 1)])  # another customer's

    response = manager_client.get(customer.get_absolute_url())

    assert response.status_code == 200
    [listed] = response.context["sales"]
    assert listed == sale
    assert listed.total_value == 18
    assert sale.number.encode() in response.content


@pytest.mark.parametrize("documents", [1, 20])
def test_customer_detail_query_count_does_not_grow_with_sales(
    client, manager, django_assert_num_queries, documents
):
    client.force_login(manager)
    customer = CustomerFactory()
    store = StoreFactory()
    product = ProductFactory()
    stock_up(product, store, documents)
    for _ in range(documents):
        make_sale(customer=customer, store=store, lines=[(product, 1)])

    # 6, and the History section's entries (audit.sections)
    with django_assert_num_queries(7):
        response = client.get(customer.get_absolute_url())

    assert len(response.context["sales"]) == documents


def test_delete_confirmation_of_an_archived_record_in_use_offers_no_archive(manager_client):
    customer = CustomerFactory(name="Jo")
    store = StoreFactory()
    product = ProductFactory()
    stock_up(product, store, 1)
    make_sale(customer=customer, store=store, lines=[(product, 1)])
    customer.archive()

    response = manager_client.get(url(CUSTOMERS, "delete", customer.pk))

    assert response.context["blocked_by"] == "1 sale refers to it"
    assert b"It is already archived" in response.content
    assert b"Archive instead" not in response.content


def test_delete_customer_refused_while_a_sale_refers_to_it(manager_client):
    customer = CustomerFactory(name="Jo")
    product = ProductFactory()
    store = StoreFactory()
    stock_up(product, store, 5)
    make_sale(customer=customer, store=store, lines=[(product, 1)])

    response = manager_client.post(url(CUSTOMERS, "delete", customer.pk), follow=True)

    assert Customer.objects.filter(pk=customer.pk).exists()
    assert response.redirect_chain == [(customer.get_absolute_url(), 302)]
    [message] = messages_of(response)
    assert message.startswith("Jo cannot be deleted: 1 sale refers to it.")
    assert "Archive it instead" in message
