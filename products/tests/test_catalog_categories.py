"""The category pages: /categories/ (list + add form) and /categories/<id>/."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from products.models import Category, Product
from products.tests.factories import CategoryFactory, ProductFactory, stock_up
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("categories:list")


def names(response) -> list[str]:
    return [category.name for category in response.context["object_list"]]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# List, search, sort, filter, pagination


def test_list_shows_active_categories_with_total_count(manager_client):
    CategoryFactory(name="Tools", description="Hand and power tools")
    CategoryFactory(name="Fasteners")

    response = manager_client.get(LIST_URL)

    assert response.status_code == 200
    assert names(response) == ["Fasteners", "Tools"]
    assert b'data-testid="total-count">2 categories<' in response.content
    assert b"Hand and power tools" in response.content


def test_list_total_count_is_singular_for_one(manager_client):
    CategoryFactory()

    assert b'data-testid="total-count">1 category<' in manager_client.get(LIST_URL).content


def test_list_search_matches_name_case_insensitively(manager_client):
    CategoryFactory(name="Fasteners")
    CategoryFactory(name="Paint")

    assert names(manager_client.get(LIST_URL, {"q": "FAST"})) == ["Fasteners"]
    assert names(manager_client.get(LIST_URL, {"q": "  paint  "})) == ["Paint"]
    assert names(manager_client.get(LIST_URL, {"q": "zzz"})) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("-name", ["Charlie", "Bravo", "Alpha"]),
        ("created", ["Charlie", "Alpha", "Bravo"]),
        ("-created", ["Bravo", "Alpha", "Charlie"]),
    ],
)
def test_list_sorts_by_column_in_both_directions(manager_client, sort, expected):
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for days, name in enumerate(["Charlie", "Alpha", "Bravo"]):
        category = CategoryFactory(name=name)
        Category.objects.filter(pk=category.pk).update(
            created_at=start + datetime.timedelta(days=days)
        )

    response = manager_client.get(LIST_URL, {"sort": sort})

    assert names(response) == expected


@pytest.mark.parametrize("sort", ["description", "-is_active", "--name", "pk"])
def test_list_unknown_sort_falls_back_to_name(manager_client, sort):
    CategoryFactory(name="Bravo", description="a")
    CategoryFactory(name="Alpha", description="b")

    response = manager_client.get(LIST_URL, {"sort": sort})

    assert response.status_code == 200
    assert names(response) == ["Alpha", "Bravo"]
    assert response.context["current_sort"] == "name"


@pytest.mark.parametrize(
    ("status", "expected"),
    [(None, ["Tools"]), ("active", ["Tools"]), ("archived", ["Old"]), ("all", ["Old", "Tools"])],
)
def test_list_status_filter(manager_client, status, expected):
    CategoryFactory(name="Tools")
    CategoryFactory(name="Old").archive()

    response = manager_client.get(LIST_URL, {"status": status} if status else {})

    assert names(response) == expected


def test_list_paginates_25_a_page_with_total_count(manager_client):
    for number in range(51):
        CategoryFactory(name=f"Category {number:02d}")

    first = manager_client.get(LIST_URL)
    second = manager_client.get(LIST_URL, {"page": 2})
    third = manager_client.get(LIST_URL, {"page": 3})

    assert names(first) == [f"Category {number:02d}" for number in range(25)]
    assert names(second) == [f"Category {number:02d}" for number in range(25, 50)]
    assert names(third) == ["Category 50"]
    assert b"51 categories" in second.content
    assert b'href="?page=3"' in first.content
    assert b"Page 2 of 3" in second.content


def test_list_runs_the_same_number_of_queries_for_1_and_25_rows(
    client, manager, django_assert_num_queries
):
    client.force_login(manager)
    CategoryFactory()
    # session, user, permissions (group + user), count, rows, the add form's tax rates
    with django_assert_num_queries(7):
        assert len(client.get(LIST_URL).context["object_list"]) == 1
    CategoryFactory.create_batch(24)
    with django_assert_num_queries(7):
        assert len(client.get(LIST_URL).context["object_list"]) == 25


# Create


def test_create_posts_to_the_list_url(manager_client):
    response = manager_client.post(
        LIST_URL, {"name": "Fasteners", "description": "Screws, bolts"}, follow=True
    )

    category = Category.objects.get()
    assert (category.name, category.description, category.is_active) == (
        "Fasteners",
        "Screws, bolts",
        True,
    )
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "Fasteners was added." in messages_of(response)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "This field is required."),
        ("x" * 121, "Ensure this value has at most 120 characters (it has 121)."),
        ("Fasteners", "Category with this Name already exists."),
        ("FASTENERS", "Category with this Name already exists."),
        ("fasteners", "Category with this Name already exists."),
    ],
)
def test_create_invalid_rerenders_with_errors_and_typed_values(manager_client, name, error):
    CategoryFactory(name="Fasteners")

    response = manager_client.post(LIST_URL, {"name": name, "description": "typed text"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [error]}
    assert b"typed text" in response.content
    assert Category.objects.count() == 1


# Detail and update


def test_detail_shows_its_products_with_stock(manager_client):
    category = CategoryFactory(name="Fasteners")
    bolt = ProductFactory(name="Bolt", category=category)
    ProductFactory(name="Anchor", category=category).archive()
    ProductFactory(name="Hammer")  # another category's
    stock_up(bolt, StoreFactory(), 7)
    stock_up(bolt, StoreFactory(), 5)

    response = manager_client.get(category.get_absolute_url())

    assert response.status_code == 200
    products = list(response.context["products"])
    assert [(product.name, product.on_hand) for product in products] == [
        ("Anchor", 0),
        ("Bolt", 12),
    ]
    assert b"Hammer" not in response.content


@pytest.mark.parametrize("count", [1, 25])
def test_detail_query_count_does_not_grow_with_products(
    client, manager, django_assert_num_queries, count
):
    client.force_login(manager)
    category = CategoryFactory()
    ProductFactory.create_batch(count, category=category)

    # session, user, permissions (group + user), the category with its tax rate, its
    # products, the form's tax rates, the History section's entries (audit.sections)
    with django_assert_num_queries(8):
        response = client.get(category.get_absolute_url())

    assert len(response.context["products"]) == count


def test_update_on_the_detail_page(manager_client):
    category = CategoryFactory(name="Fastener")

    response = manager_client.post(
        category.get_absolute_url(), {"name": "Fasteners", "description": "new"}, follow=True
    )

    category.refresh_from_db()
    assert (category.name, category.description) == ("Fasteners", "new")
    assert response.redirect_chain == [(category.get_absolute_url(), 302)]
    assert "Fasteners was saved." in messages_of(response)


def test_update_may_change_the_case_of_its_own_name(manager_client):
    category = CategoryFactory(name="fasteners")

    response = manager_client.post(category.get_absolute_url(), {"name": "Fasteners"})

    assert response.status_code == 302
    category.refresh_from_db()
    assert category.name == "Fasteners"


def test_update_to_another_categorys_name_is_refused(manager_client):
    CategoryFactory(name="Tools")
    category = CategoryFactory(name="Fasteners")

    response = manager_client.post(category.get_absolute_url(), {"name": "tools"})

    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    category.refresh_from_db()
    assert category.name == "Fasteners"


# Delete, archive, restore


def test_delete_asks_for_confirmation_first(manager_client):
    category = CategoryFactory(name="Paint")

    response = manager_client.get(reverse("categories:delete", args=[category.pk]))

    assert response.status_code == 200
    assert "Delete category “Paint”?".encode() in response.content
    assert Category.objects.filter(pk=category.pk).exists()


def test_delete_after_confirmation_removes_an_empty_category(manager_client):
    category = CategoryFactory(name="Paint")

    response = manager_client.post(reverse("categories:delete", args=[category.pk]), follow=True)

    assert not Category.objects.filter(pk=category.pk).exists()
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "Paint was deleted." in messages_of(response)


def test_delete_refused_while_products_refer_to_it(manager_client):
    category = CategoryFactory(name="Paint")
    ProductFactory(category=category)

    response = manager_client.post(reverse("categories:delete", args=[category.pk]), follow=True)

    assert Category.objects.filter(pk=category.pk).exists()
    assert response.redirect_chain == [(category.get_absolute_url(), 302)]
    assert messages_of(response) == [
        "Paint cannot be deleted: 1 product refers to it. "
        "Archive it instead: it leaves lists and pickers but stays in history."
    ]
    assert b'class="alert alert-danger' in response.content
    assert reverse("categories:archive", args=[category.pk]).encode() in response.content


def test_delete_confirmation_says_up_front_when_products_refer_to_it(manager_client):
    category = CategoryFactory(name="Paint")
    ProductFactory.create_batch(3, category=category)

    response = manager_client.get(reverse("categories:delete", args=[category.pk]))

    assert response.context["blocked_by"] == "3 products refer to it"
    assert "Category “Paint” cannot be deleted".encode() in response.content
    assert b"Yes, delete" not in response.content


def test_archive_hides_it_from_list_and_pickers_and_restore_brings_it_back(manager_client):
    category = CategoryFactory(name="Seasonal")
    product = ProductFactory(category=category)

    response = manager_client.post(reverse("categories:archive", args=[category.pk]), follow=True)

    category.refresh_from_db()
    assert not category.is_active
    assert response.redirect_chain == [(category.get_absolute_url(), 302)]
    assert names(manager_client.get(LIST_URL)) == []
    assert names(manager_client.get(LIST_URL, {"status": "archived"})) == ["Seasonal"]
    products_page = manager_client.get(reverse("products:list"))
    assert category not in products_page.context["form"].fields["category"].queryset
    assert category not in products_page.context["filter_form"].fields["category"].queryset
    # A product already in it keeps it: its edit form still offers it.
    product_form = manager_client.get(product.get_absolute_url()).context["form"]
    assert category in product_form.fields["category"].queryset

    response = manager_client.post(reverse("categories:restore", args=[category.pk]), follow=True)

    category.refresh_from_db()
    assert category.is_active
    assert "Seasonal was restored." in messages_of(response)
    products_page = manager_client.get(reverse("products:list"))
    assert category in products_page.context["form"].fields["category"].queryset


def test_creating_a_product_in_an_archived_category_is_refused(manager_client):
    category = CategoryFactory()
    category.archive()

    response = manager_client.post(
        reverse("products:list"),
        {
            "sku": "NEW-1",
            "name": "New",
            "category": category.pk,
            "supplier": ProductFactory().supplier.pk,
            "unit": "pcs",
            "cost_price": "1.00",
            "sale_price": "2.00",
            "reorder_level": "0",
        },
    )

    assert response.status_code == 200
    assert "category" in response.context["form"].errors
    assert not Product.objects.filter(sku="NEW-1").exists()


# Unknown ids and permissions


@pytest.mark.parametrize("route", ["detail", "delete"])
def test_unknown_id_gives_404_in_the_site_layout(manager_client, route):
    response = manager_client.get(reverse(f"categories:{route}", args=[999999]))

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert b'aria-label="Main navigation"' in response.content


@pytest.mark.parametrize("route", ["archive", "restore"])
def test_unknown_id_archive_and_restore_give_404(manager_client, route):
    assert manager_client.post(reverse(f"categories:{route}", args=[999999])).status_code == 404


@pytest.mark.parametrize("route", ["list", "detail"])
def test_user_without_permission_gets_403(user_client, route):
    category = CategoryFactory()
    args = [category.pk] if route == "detail" else []

    assert user_client.get(reverse(f"categories:{route}", args=args)).status_code == 403


@pytest.mark.parametrize("route", ["list", "detail"])
def test_visitor_is_sent_to_login(client, route):
    category = CategoryFactory()
    target = reverse(f"categories:{route}", args=[category.pk] if route == "detail" else [])

    response = client.get(target)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={target}"


def test_view_permission_alone_cannot_write(client, user):
    user.user_permissions.add(Permission.objects.get(codename="view_category"))
    client.force_login(user)
    category = CategoryFactory(name="Paint")

    assert client.post(LIST_URL, {"name": "New"}).status_code == 403
    assert client.post(category.get_absolute_url(), {"name": "Renamed"}).status_code == 403
    assert client.post(reverse("categories:archive", args=[category.pk])).status_code == 403
    category.refresh_from_db()
    assert (category.name, category.is_active) == ("Paint", True)
    assert Category.objects.count() == 1
