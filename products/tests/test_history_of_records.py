"""Store and supplier pages that show, or are held back by, products and their stock.

They need products, so they live here rather than in the stores or people apps,
which sit below products. Stock is put on hand with ``stock_up`` (no documents).
"""

import pytest
from django.urls import reverse

from people.models import Supplier
from people.tests.factories import SupplierFactory
from products.models import Product
from products.tests.factories import ProductFactory, stock_up
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

STORES_URL = reverse("stores:list")
SUPPLIERS = "suppliers"


def store_names(response) -> list[str]:
    return [store.name for store in response.context["object_list"]]


def url(namespace: str, route: str, *args) -> str:
    return reverse(f"{namespace}:{route}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Stores


def test_detail_shows_update_form_and_stock_held(manager_client):
    store = StoreFactory(name="Main")
    other = StoreFactory(name="Annex")
    bolt = ProductFactory(name="Bolt", reorder_level=5)
    nut = ProductFactory(name="Nut", reorder_level=5)
    stock_up(bolt, store, 12)
    stock_up(nut, store, 3)
    stock_up(nut, other, 40)

    response = manager_client.get(store.get_absolute_url())

    assert response.status_code == 200
    assert response.context["form"].instance == store
    levels = list(response.context["stock_page"])
    assert [(level.product.name, level.quantity) for level in levels] == [("Bolt", 12), ("Nut", 3)]
    assert b'class="table-warning"' in response.content  # Nut is below its reorder level


def test_detail_runs_the_same_number_of_queries_for_1_and_25_stock_lines(
    client, manager, django_assert_num_queries
):
    client.force_login(manager)
    store = StoreFactory()
    stock_up(ProductFactory(), store, 1)
    url = store.get_absolute_url()
    # 7, and the transfers' section: what is in transit to or from the store, and the
    # History section's entries (audit.sections)
    with django_assert_num_queries(9):
        client.get(url)
    for _ in range(24):
        stock_up(ProductFactory(), store, 1)
    with django_assert_num_queries(9):
        assert len(client.get(url).context["stock_page"]) == 25


def test_archive_hides_the_store_from_list_and_pickers_restore_brings_it_back(manager_client):
    store = StoreFactory(name="Closed Shop")
    ProductFactory()

    response = manager_client.post(reverse("stores:archive", args=[store.pk]), follow=True)

    store.refresh_from_db()
    assert not store.is_active
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Closed Shop was archived.")
    assert b"Archived" in response.content
    assert store_names(manager_client.get(STORES_URL)) == []
    assert store_names(manager_client.get(STORES_URL, {"status": "archived"})) == ["Closed Shop"]
    for picker_url in (reverse("purchases:create"), reverse("sales:create")):
        assert b"Closed Shop" not in manager_client.get(picker_url).content
    product_page = manager_client.get(ProductFactory().get_absolute_url())
    assert store not in product_page.context["adjust_form"].fields["store"].queryset

    manager_client.post(reverse("stores:restore", args=[store.pk]))

    store.refresh_from_db()
    assert store.is_active
    assert store_names(manager_client.get(STORES_URL)) == ["Closed Shop"]
    assert b"Closed Shop" in manager_client.get(reverse("purchases:create")).content


# Suppliers


def test_delete_supplier_refused_while_products_refer_to_it(manager_client):
    supplier = SupplierFactory(name="Acme")
    ProductFactory.create_batch(2, supplier=supplier)

    response = manager_client.post(url(SUPPLIERS, "delete", supplier.pk), follow=True)

    assert Supplier.objects.filter(pk=supplier.pk).exists()
    assert Product.objects.filter(supplier=supplier).count() == 2
    assert response.redirect_chain == [(supplier.get_absolute_url(), 302)]
    assert messages_of(response) == [
        "Acme cannot be deleted: 2 products refer to it. "
        "Archive it instead: it leaves lists and pickers but stays in history."
    ]
    assert url(SUPPLIERS, "archive", supplier.pk).encode() in response.content


def test_archived_supplier_stays_on_its_products_pages(manager_client):
    supplier = SupplierFactory(name="Gone Supplier")
    product = ProductFactory(supplier=supplier)
    supplier.archive()

    form = manager_client.get(product.get_absolute_url()).context["form"]

    # The product keeps its supplier: the edit form still offers the one chosen.
    assert supplier in form.fields["supplier"].queryset
