"""Tax rates: master data managers keep at /tax-rates/, and the rate each product is taxed at.

A category says which rate its new products start with; a product's form may
choose another, and a blank there is the category's rate.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.roles import CLERK
from products.models import Category, Product, TaxRate
from products.tests.factories import CategoryFactory, ProductFactory, TaxRateFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("tax_rates:list")


@pytest.fixture
def clerk_client(client, django_user_model):
    user = django_user_model.objects.create_user("counter-clerk")
    user.groups.add(Group.objects.get(name=CLERK))
    client.force_login(user)
    return client


@pytest.fixture
def vat():
    return TaxRateFactory(name="VAT 20 %", percent=Decimal("20"))


@pytest.fixture
def reduced():
    return TaxRateFactory(name="Reduced 5 %", percent=Decimal("5"))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def names(response) -> list[str]:
    return [rate.name for rate in response.context["object_list"]]


# List


def test_list_shows_name_rate_and_products_using_each(manager_client, vat, reduced):
    ProductFactory.create_batch(2, tax_rate=vat)
    ProductFactory(tax_rate=vat).archive()  # still taxed at it: it still counts

    response = manager_client.get(LIST_URL)

    assert response.status_code == 200
    assert names(response) == ["Reduced 5 %", "VAT 20 %"]  # by rate
    html = response.content.decode()
    assert f'data-testid="rate-{vat.pk}">20 %<' in html
    assert f'data-testid="rate-{reduced.pk}">5 %<' in html
    assert f'data-testid="products-{vat.pk}">3<' in html
    assert f'data-testid="products-{reduced.pk}">0<' in html


def test_list_hides_archived_rates_unless_asked(manager_client, vat, reduced):
    reduced.archive()

    assert names(manager_client.get(LIST_URL)) == ["VAT 20 %"]
    assert names(manager_client.get(LIST_URL, {"status": "archived"})) == ["Reduced 5 %"]
    assert names(manager_client.get(LIST_URL, {"status": "all"})) == ["Reduced 5 %", "VAT 20 %"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Reduced 5 %", "VAT 20 %", "Zero"]),
        ("-rate", ["VAT 20 %", "Reduced 5 %", "Zero"]),
        ("products", ["Reduced 5 %", "Zero", "VAT 20 %"]),
    ],
)
def test_list_sorts_by_column(manager_client, vat, reduced, sort, expected):
    TaxRateFactory(name="Zero", percent=Decimal("0"))
    ProductFactory(tax_rate=vat)

    assert names(manager_client.get(LIST_URL, {"sort": sort})) == expected


def test_list_runs_the_same_number_of_queries_for_1_and_several_rates(
    client, manager, django_assert_num_queries
):
    client.force_login(manager)
    rate = TaxRateFactory()
    ProductFactory(tax_rate=rate)
    # session, user, permissions (group + user), count, rows with their product counts
    with django_assert_num_queries(6):
        assert len(client.get(LIST_URL).context["object_list"]) == 1
    for _ in range(5):
        ProductFactory.create_batch(3, tax_rate=TaxRateFactory())
    with django_assert_num_queries(6):
        assert len(client.get(LIST_URL).context["object_list"]) == 6


# Create, update and who may


def test_manager_adds_a_rate(manager_client):
    response = manager_client.post(LIST_URL, {"name": "Reduced 5 %", "percent": "5"}, follow=True)

    rate = TaxRate.objects.get()
    assert (rate.name, rate.percent, rate.is_active) == ("Reduced 5 %", Decimal("5.00"), True)
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "Reduced 5 % was added." in messages_of(response)


def test_manager_changes_a_rate_on_its_page(manager_client, vat):
    response = manager_client.post(
        vat.get_absolute_url(), {"name": "VAT 21 %", "percent": "21"}, follow=True
    )

    vat.refresh_from_db()
    assert (vat.name, vat.percent) == ("VAT 21 %", Decimal("21.00"))
    assert "VAT 21 % was saved." in messages_of(response)


def test_clerk_sees_the_rates_but_may_not_add_or_change_them(clerk_client, vat):
    listing = clerk_client.get(LIST_URL)
    page = clerk_client.get(vat.get_absolute_url())

    assert listing.status_code == page.status_code == 200
    assert not listing.context["can_add"] and not page.context["can_change"]
    assert clerk_client.post(LIST_URL, {"name": "Zero", "percent": "0"}).status_code == 403
    assert (
        clerk_client.post(vat.get_absolute_url(), {"name": "VAT", "percent": "1"}).status_code
        == 403
    )
    for action in ("delete", "archive"):
        assert clerk_client.post(reverse(f"tax_rates:{action}", args=[vat.pk])).status_code == 403
    vat.refresh_from_db()
    assert (TaxRate.objects.count(), vat.name, vat.percent, vat.is_active) == (
        1,
        "VAT 20 %",
        Decimal("20.00"),
        True,
    )


def test_user_without_a_role_may_not_see_the_rates(user_client, vat):
    assert user_client.get(LIST_URL).status_code == 403
    assert user_client.get(vat.get_absolute_url()).status_code == 403


def test_nav_links_tax_rates_for_clerks_but_not_users_without_a_role(clerk_client, user):
    no_role = Client()
    no_role.force_login(user)

    clerk_page = clerk_client.get(reverse("products:list")).content.decode()
    no_role_page = no_role.get(reverse("password_change")).content.decode()

    assert f'href="{LIST_URL}">Tax rates<' in clerk_page
    assert "Tax rates" not in no_role_page


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"percent": "-1"}, "percent", "Ensure this value is greater than or equal to 0."),
        ({"percent": "101"}, "percent", "Ensure this value is less than or equal to 100."),
        ({"percent": "abc"}, "percent", "Enter a number."),
        ({"percent": ""}, "percent", "This field is required."),
        ({"percent": "5.125"}, "percent", "Ensure that there are no more than 2 decimal places."),
        (
            {"percent": "1000"},
            "percent",
            "Ensure that there are no more than 3 digits before the decimal point.",
        ),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "vat 20 %"}, "name", "Tax rate with this Name already exists."),
        ({"name": "VAT 20 %"}, "name", "Tax rate with this Name already exists."),
        ({"name": "x" * 61}, "name", "Ensure this value has at most 60 characters (it has 61)."),
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(manager_client, vat, data, field, error):
    before = list(TaxRate.objects.values())

    added = manager_client.post(LIST_URL, {"name": "Zero", "percent": "0", **data})

    assert added.status_code == 200
    assert added.context["form"].errors == {field: [error]}
    assert list(TaxRate.objects.values()) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [({"percent": "-1"}, "percent"), ({"percent": "abc"}, "percent"), ({"name": ""}, "name")],
)
def test_bad_input_on_the_rate_page_keeps_the_rate(manager_client, vat, reduced, data, field):
    response = manager_client.post(
        reduced.get_absolute_url(), {"name": "Reduced", "percent": "6", **data}
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    reduced.refresh_from_db()
    assert (reduced.name, reduced.percent) == ("Reduced 5 %", Decimal("5.00"))


def test_renaming_a_rate_to_another_in_other_case_is_refused(manager_client, vat, reduced):
    response = manager_client.post(reduced.get_absolute_url(), {"name": "VAT 20 %", "percent": "5"})

    assert response.context["form"].errors == {"name": ["Tax rate with this Name already exists."]}


# Delete, archive, restore


def test_rate_a_product_uses_is_not_deleted_and_archiving_is_offered(manager_client, vat):
    ProductFactory(tax_rate=vat)

    confirm = manager_client.get(reverse("tax_rates:delete", args=[vat.pk]))
    response = manager_client.post(reverse("tax_rates:delete", args=[vat.pk]), follow=True)

    assert "1 product refers to it" in confirm.content.decode()
    assert TaxRate.objects.filter(pk=vat.pk).exists()
    assert response.redirect_chain == [(vat.get_absolute_url(), 302)]
    assert messages_of(response) == [
        "VAT 20 % cannot be deleted: 1 product refers to it. "
        "Archive it instead: it leaves lists and pickers but stays in history."
    ]


def test_rate_a_category_starts_products_at_is_not_deleted(manager_client, vat):
    CategoryFactory(tax_rate=vat)

    response = manager_client.post(reverse("tax_rates:delete", args=[vat.pk]), follow=True)

    assert TaxRate.objects.filter(pk=vat.pk).exists()
    assert "1 category refers to it" in messages_of(response)[0]


def test_unused_rate_is_deleted(manager_client, vat):
    response = manager_client.post(reverse("tax_rates:delete", args=[vat.pk]), follow=True)

    assert not TaxRate.objects.exists()
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "VAT 20 % was deleted." in messages_of(response)


def test_archived_rate_leaves_the_pickers_and_comes_back_on_restore(manager_client, vat, reduced):
    product = ProductFactory(tax_rate=vat)

    response = manager_client.post(reverse("tax_rates:archive", args=[vat.pk]), follow=True)

    vat.refresh_from_db()
    assert not vat.is_active
    assert "VAT 20 % was archived." in messages_of(response)[0]
    new_product = manager_client.get(reverse("products:list")).context["form"]
    assert list(new_product.fields["tax_rate"].queryset) == [reduced]
    # The product taxed at it keeps it, and its form still offers it.
    own_form = manager_client.get(product.get_absolute_url()).context["form"]
    assert set(own_form.fields["tax_rate"].queryset) == {reduced, vat}

    manager_client.post(reverse("tax_rates:restore", args=[vat.pk]))

    vat.refresh_from_db()
    assert vat.is_active


def test_rate_page_lists_its_products_and_categories(manager_client, vat):
    ProductFactory(name="Hammer", tax_rate=vat)
    ProductFactory(name="Bread")  # untaxed
    CategoryFactory(name="Tools", tax_rate=vat)

    response = manager_client.get(vat.get_absolute_url())

    assert [product.name for product in response.context["products"]] == ["Hammer"]
    assert response.context["product_count"] == 1
    assert [category.name for category in response.context["categories"]] == ["Tools"]


# Categories


def category_data(**changes):
    return {"name": "Tools", "description": "", "tax_rate": "", **changes}


def test_category_takes_a_rate_and_shows_it(manager_client, vat):
    response = manager_client.post(
        reverse("categories:list"), category_data(tax_rate=vat.pk), follow=True
    )

    category = Category.objects.get()
    assert response.status_code == 200
    assert category.tax_rate == vat
    page = manager_client.get(category.get_absolute_url()).content.decode()
    assert "Tax rate of new products:" in page
    assert f'<a href="{vat.get_absolute_url()}">VAT 20 %</a> (20 %)' in page


def test_category_picker_offers_active_rates_only(manager_client, vat, reduced):
    reduced.archive()

    form = manager_client.get(reverse("categories:list")).context["form"]
    refused = manager_client.post(reverse("categories:list"), category_data(tax_rate=reduced.pk))

    assert list(form.fields["tax_rate"].queryset) == [vat]
    assert "VAT 20 % (20 %)" in str(form["tax_rate"])
    assert "tax_rate" in refused.context["form"].errors
    assert not Category.objects.exists()


def test_category_keeps_its_archived_rate_when_saved(manager_client, vat):
    category = CategoryFactory(name="Tools", tax_rate=vat)
    vat.archive()

    response = manager_client.post(
        category.get_absolute_url(), category_data(name="Hand tools", tax_rate=vat.pk)
    )

    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.tax_rate) == ("Hand tools", vat)


# Products


def product_data(category, **changes):
    return {
        "sku": "HAM-1",
        "name": "Hammer",
        "category": category.pk,
        "supplier": ProductFactory().supplier_id,
        "unit": "pcs",
        "cost_price": "4.00",
        "sale_price": "10.00",
        "tax_rate": "",
        "reorder_level": "0",
        "description": "",
        **changes,
    }


def test_new_product_with_blank_rate_takes_its_categorys(manager_client, vat):
    tools = CategoryFactory(tax_rate=vat)

    response = manager_client.post(reverse("products:list"), product_data(tools))

    assert response.status_code == 302
    product = Product.objects.get(sku="HAM-1")
    assert product.tax_rate == vat
    assert product.tax_percent == Decimal("20.00")


def test_new_product_keeps_the_rate_chosen(manager_client, vat, reduced):
    tools = CategoryFactory(tax_rate=vat)

    manager_client.post(reverse("products:list"), product_data(tools, tax_rate=reduced.pk))

    assert Product.objects.get(sku="HAM-1").tax_rate == reduced


def test_new_product_of_an_untaxed_category_is_untaxed(manager_client):
    manager_client.post(reverse("products:list"), product_data(CategoryFactory()))

    product = Product.objects.get(sku="HAM-1")
    assert product.tax_rate is None
    assert product.tax_percent == Decimal("0")


def test_product_update_keeps_the_rate_chosen_and_blank_is_the_categorys(
    manager_client, vat, reduced
):
    tools = CategoryFactory(tax_rate=vat)
    product = ProductFactory(category=tools, tax_rate=reduced)
    data = product_data(tools, sku=product.sku, name=product.name)

    manager_client.post(product.get_absolute_url(), {**data, "tax_rate": reduced.pk})
    product.refresh_from_db()
    assert product.tax_rate == reduced

    manager_client.post(product.get_absolute_url(), data)
    product.refresh_from_db()
    assert product.tax_rate == vat


def test_product_form_refuses_an_archived_or_unknown_rate(manager_client, vat, reduced):
    reduced.archive()
    tools = CategoryFactory(tax_rate=vat)

    for value in (reduced.pk, 0, "abc"):
        response = manager_client.post(
            reverse("products:list"), product_data(tools, tax_rate=value)
        )

        assert response.status_code == 200
        assert "tax_rate" in response.context["form"].errors
    assert not Product.objects.filter(sku="HAM-1").exists()


def test_product_page_shows_its_rate(manager_client, clerk_client, vat):
    product = ProductFactory(tax_rate=vat)
    untaxed = ProductFactory()

    for client in (manager_client, clerk_client):
        page = client.get(product.get_absolute_url()).content.decode()
        assert f'<a href="{vat.get_absolute_url()}">VAT 20 %</a> (20 %)' in page
    assert "Tax none (untaxed)" in manager_client.get(untaxed.get_absolute_url()).content.decode()


def test_admin_lists_and_changes_tax_rates(client, django_user_model, vat):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-123"))

    listed = client.get("/admin/products/taxrate/")
    duplicate = client.post("/admin/products/taxrate/add/", {"name": "vat 20 %", "percent": "20"})

    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 1
    assert client.get(f"/admin/products/taxrate/{vat.pk}/change/").status_code == 200
    assert duplicate.status_code == 200
    assert TaxRate.objects.count() == 1
