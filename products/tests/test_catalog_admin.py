"""The admin pages of the five catalog record types."""

import pytest
from django.urls import reverse

from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import Category, Product
from products.tests.factories import CategoryFactory, ProductFactory
from stores.models import Store
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    ("model_path", "factory", "search"),
    [
        ("stores/store", StoreFactory, "code"),
        ("products/category", CategoryFactory, "name"),
        ("products/product", ProductFactory, "sku"),
        ("people/supplier", SupplierFactory, "email"),
        ("people/customer", CustomerFactory, "phone"),
    ],
)
def test_changelist_lists_searches_and_filters(admin_client, model_path, factory, search):
    record = factory()
    factory().archive()
    changelist = f"/admin/{model_path}/"

    listed = admin_client.get(changelist)
    searched = admin_client.get(changelist, {"q": getattr(record, search)})
    archived = admin_client.get(changelist, {"is_active__exact": "0"})

    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 2
    assert list(searched.context["cl"].result_list) == [record]
    assert archived.context["cl"].result_count == 1
    assert admin_client.get(f"{changelist}{record.pk}/change/").status_code == 200


def test_product_changelist_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    ProductFactory.create_batch(25)

    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/products/product/")

    assert response.context["cl"].result_count == 25


def test_admin_product_autocompletes_category_and_supplier(admin_client):
    CategoryFactory(name="Fasteners")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "products",
            "model_name": "product",
            "field_name": "category",
            "term": "fast",
        },
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Fasteners"]


def test_admin_refuses_a_sku_duplicate_in_another_case(admin_client):
    existing = ProductFactory(sku="AB-1")

    response = admin_client.post(
        "/admin/products/product/add/",
        {
            "sku": "ab-1",
            "name": "Copy",
            "category": existing.category.pk,
            "supplier": existing.supplier.pk,
            "unit": "pcs",
            "cost_price": "1.00",
            "sale_price": "2.00",
            "reorder_level": "0",
            "is_active": "on",
            "stock_levels-TOTAL_FORMS": "0",
            "stock_levels-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "sku" in response.context["adminform"].form.errors
    assert Product.objects.count() == 1


def test_admin_store_code_is_upper_cased_and_names_unique_in_any_case(admin_client):
    StoreFactory(name="Main", code="MAIN")

    refused = admin_client.post("/admin/stores/store/add/", {"name": "main", "code": "m2"})
    added = admin_client.post("/admin/stores/store/add/", {"name": "Annex", "code": "anx"})

    assert "name" in refused.context["adminform"].form.errors
    assert added.status_code == 302
    assert Store.objects.get(name="Annex").code == "ANX"


def test_admin_category_name_unique_in_any_case(admin_client):
    CategoryFactory(name="Tools")

    response = admin_client.post("/admin/products/category/add/", {"name": "TOOLS"})

    assert "name" in response.context["adminform"].form.errors
    assert Category.objects.count() == 1


def test_admin_refuses_to_delete_a_product_with_history_in_plain_words(admin_client, store):
    from products.tests.factories import stock_up

    product = ProductFactory(name="Cordless Drill")
    stock_up(product, store, 5)
    delete_url = reverse("admin:products_product_delete", args=[product.pk])

    response = admin_client.get(delete_url, follow=True)
    admin_client.post(delete_url, {"post": "yes"})

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:products_product_change", args=[product.pk]
    )
    assert "Cordless Drill" in page
    assert "cannot be deleted: 1 stock level and 1 stock movement refer to it" in page
    assert "Archive it instead" in page and "permission" not in page.split("cannot be deleted")[1]
    assert Product.objects.filter(pk=product.pk).exists()
    changelist = admin_client.get(reverse("admin:products_product_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_admin_deletes_a_product_nothing_refers_to(admin_client):
    product = ProductFactory()

    admin_client.post(reverse("admin:products_product_delete", args=[product.pk]), {"post": "yes"})

    assert not Product.objects.filter(pk=product.pk).exists()
