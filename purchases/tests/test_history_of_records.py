"""Product, store and supplier pages that show, or are held back by, purchases.

They need purchase documents, so they live here rather than in the apps below.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse

from people.models import Supplier
from people.tests.factories import SupplierFactory
from products.tests.factories import CategoryFactory, ProductFactory
from purchases.tests.factories import make_purchase, receive
from stores.models import Store
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

SUPPLIERS = "suppliers"


def url(namespace: str, route: str, *args) -> str:
    return reverse(f"{namespace}:{route}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_delete_confirmation_counts_history_without_loading_it(
    manager_client, django_assert_num_queries
):
    product = ProductFactory(name="Bolt", sku="B-1")
    store = StoreFactory()
    for _ in range(30):
        receive(product, store, 1)
    url = reverse("products:delete", args=[product.pk])

    # session, user, permissions (group + user), product, one COUNT per
    # protecting relation (stock levels, movements, purchase, purchase order, purchase
    # return, sale, sale return and transfer lines)
    with django_assert_num_queries(13):
        response = manager_client.get(url)

    assert response.context["blocked_by"] == (
        "30 purchase lines, 1 stock level and 30 stock movements refer to it"
    )
    assert b"Yes, delete" not in response.content


def test_delete_confirmation_says_up_front_when_history_refers_to_it(manager_client):
    store = StoreFactory(name="Main")
    receive(ProductFactory(), store, 5)

    response = manager_client.get(reverse("stores:delete", args=[store.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Store “Main” cannot be deleted" in content
    # one purchase, one stock level, one stock movement
    assert response.context["blocked_by"] == (
        "1 purchase, 1 stock level and 1 stock movement refer to it"
    )
    assert "Yes, delete" not in content
    assert f'action="{reverse("stores:archive", args=[store.pk])}"' in content


def test_delete_refused_when_a_reference_appears_after_the_check(manager_client, monkeypatch):
    """The database's PROTECT still holds if a purchase arrives between check and delete."""
    store = StoreFactory(name="Main")
    receive(ProductFactory(), store, 5)
    monkeypatch.setattr("core.crud.count_referrers", lambda record: Counter())

    response = manager_client.post(reverse("stores:delete", args=[store.pk]), follow=True)

    assert Store.objects.filter(pk=store.pk).exists()
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Main cannot be deleted: 1 purchase, 1 stock level and")


def test_supplier_detail_shows_its_products_and_purchases(manager_client):
    supplier = SupplierFactory(name="Acme")
    bolt = ProductFactory(name="Bolt", supplier=supplier)
    ProductFactory(name="Nut", supplier=supplier).archive()
    ProductFactory(name="Washer")  # another supplier's
    purchase = make_purchase(
        supplier=supplier, lines=[(bolt, 3, Decimal("2.50"))], reference="INV-77"
    )

    response = manager_client.get(supplier.get_absolute_url())

    assert response.status_code == 200
    assert [product.name for product in response.context["products"]] == ["Bolt", "Nut"]
    [listed] = response.context["purchases"]
    assert listed == purchase
    assert listed.total_value == 7.5
    assert b"INV-77" in response.content
    assert b"7.50" in response.content
    assert b"Washer" not in response.content


@pytest.mark.parametrize("documents", [1, 20])
def test_supplier_detail_query_count_does_not_grow_with_products_and_purchases(
    client, manager, django_assert_num_queries, documents
):
    client.force_login(manager)
    supplier = SupplierFactory()
    store = StoreFactory()
    category = CategoryFactory()
    for _ in range(documents):
        product = ProductFactory(supplier=supplier, category=category)
        make_purchase(supplier=supplier, store=store, lines=[(product, 1)])

    # The open purchase orders are one query more (8), the History section's entries
    # (audit.sections) one more (9).
    with django_assert_num_queries(9):
        response = client.get(supplier.get_absolute_url())

    assert len(response.context["purchases"]) == documents
    assert len(response.context["products"]) == documents


def test_delete_confirmation_offers_archive_when_history_refers_to_it(manager_client):
    supplier = SupplierFactory(name="Acme")
    ProductFactory(supplier=supplier)
    make_purchase(supplier=supplier, lines=[(ProductFactory(), 1)])

    response = manager_client.get(url(SUPPLIERS, "delete", supplier.pk))

    assert response.context["blocked_by"] == "1 product and 1 purchase refer to it"
    assert b"Yes, delete" not in response.content
    assert b"Archive instead" in response.content


def test_delete_supplier_refused_while_a_purchase_refers_to_it(manager_client):
    supplier = SupplierFactory(name="Acme")
    make_purchase(supplier=supplier, lines=[(ProductFactory(), 1)])

    response = manager_client.post(url(SUPPLIERS, "delete", supplier.pk), follow=True)

    assert Supplier.objects.filter(pk=supplier.pk).exists()
    [message] = messages_of(response)
    assert message.startswith("Acme cannot be deleted: 1 purchase refers to it.")
