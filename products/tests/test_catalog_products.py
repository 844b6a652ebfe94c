"""The product pages: /products/ (list + add form) and /products/<id>/."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from people.tests.factories import SupplierFactory
from products.forms import ProductForm
from products.models import Product, StockLevel, StockMovement, Unit
from products.tests.factories import CategoryFactory, ProductFactory, stock_up
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("products:list")


def skus(response) -> list[str]:
    return [product.sku for product in response.context["object_list"]]


def product_names(response) -> list[str]:
    return [product.name for product in response.context["object_list"]]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def category():
    return CategoryFactory(name="Fasteners")


@pytest.fixture
def supplier():
    return SupplierFactory(name="Acme")


@pytest.fixture
def form_data(category, supplier):
    """What a user fills into the add form; tests override single fields."""

    def build(**overrides) -> dict:
        return {
            "sku": "bolt-m8",
            "name": "Hex bolt M8",
            "category": category.pk,
            "supplier": supplier.pk,
            "unit": "pcs",
            "cost_price": "0.40",
            "sale_price": "1.25",
            "reorder_level": "100",
            "description": "Zinc plated",
        } | overrides

    return build


# List, search, sort, filters, pagination


def test_list_shows_product_columns_and_total_count(manager_client):
    product = ProductFactory(
        sku="BOLT-1",
        name="Bolt",
        category=CategoryFactory(name="Fasteners"),
        supplier=SupplierFactory(name="Acme"),
        sale_price=Decimal("1234.50"),
        reorder_level=2,
    )
    stock_up(product, StoreFactory(), 7)

    response = manager_client.get(LIST_URL)

    assert response.status_code == 200
    [listed] = response.context["object_list"]
    assert listed.on_hand == 7
    content = response.content.decode()
    for text in ("<code>BOLT-1</code>", "Fasteners", "Acme", "$1,234.50", ">7 pcs<"):
        assert text in content
    assert 'data-testid="total-count">1 product<' in content


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("bolt", ["Hex bolt"]),  # name, any case
        ("nut-", ["Wing nut"]),  # SKU, any case
        ("SCR-9", ["Wood screw"]),
        ("washer", []),
    ],
)
def test_list_search_matches_name_and_sku(manager_client, term, expected):
    ProductFactory(name="Hex bolt", sku="HB-1")
    ProductFactory(name="Wing nut", sku="NUT-2")
    ProductFactory(name="Wood screw", sku="SCR-9")

    assert product_names(manager_client.get(LIST_URL, {"q": term})) == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("drill cordless", ["Cordless drill 18 V"]),  # the words in any order
        ("  CORDLESS   18 ", ["Cordless drill 18 V"]),
        ("drill hammer", []),  # every word must match
        ("acme", ["Cordless drill 18 V", "Hammer"]),  # the supplier's name
        ("acme hammer", ["Hammer"]),
        ("dr-7 acme", ["Cordless drill 18 V"]),  # SKU and supplier
    ],
)
def test_list_search_matches_every_word_in_name_sku_or_supplier(manager_client, term, expected):
    acme = SupplierFactory(name="Acme Tools")
    ProductFactory(name="Cordless drill 18 V", sku="DR-7", supplier=acme)
    ProductFactory(name="Hammer", sku="HM-1", supplier=acme)
    ProductFactory(name="Drill bit set", sku="BIT-3", supplier=SupplierFactory(name="Bits Ltd"))

    assert product_names(manager_client.get(LIST_URL, {"q": term})) == expected


@pytest.fixture
def three_products():
    """Three products whose order differs by every sortable column."""
    store = StoreFactory()
    a = ProductFactory(
        sku="C-1",
        name="Alpha",
        category=CategoryFactory(name="Paint"),
        supplier=SupplierFactory(name="Mid"),
        sale_price=Decimal("5.00"),
    )
    b = ProductFactory(
        sku="A-1",
        name="Bravo",
        category=CategoryFactory(name="Tools"),
        supplier=SupplierFactory(name="Zed"),
        sale_price=Decimal("100.00"),
    )
    c = ProductFactory(
        sku="B-1",
        name="Charlie",
        category=CategoryFactory(name="Glue"),
        supplier=SupplierFactory(name="Able"),
        sale_price=Decimal("20.00"),
    )
    stock_up(a, store, 30)
    stock_up(b, store, 10)
    stock_up(c, store, 20)
    stock_up(c, StoreFactory(), 15)  # 35 in all: on-hand is the total over stores
    return a, b, c


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("-name", ["Charlie", "Bravo", "Alpha"]),
        ("sku", ["Bravo", "Charlie", "Alpha"]),
        ("-sku", ["Alpha", "Charlie", "Bravo"]),
        ("category", ["Charlie", "Alpha", "Bravo"]),
        ("-category", ["Bravo", "Alpha", "Charlie"]),
        ("supplier", ["Charlie", "Alpha", "Bravo"]),
        ("-supplier", ["Bravo", "Alpha", "Charlie"]),
        ("price", ["Alpha", "Charlie", "Bravo"]),
        ("-price", ["Bravo", "Charlie", "Alpha"]),
        ("on_hand", ["Bravo", "Alpha", "Charlie"]),
        ("-on_hand", ["Charlie", "Alpha", "Bravo"]),
    ],
)
def test_list_sorts_by_column_in_both_directions(manager_client, three_products, sort, expected):
    response = manager_client.get(LIST_URL, {"sort": sort})

    assert product_names(response) == expected
    assert response.context["current_sort"] == sort


@pytest.mark.parametrize("sort", ["cost_price", "-average_cost", "--price", "unit", "-"])
def test_list_unknown_sort_falls_back_to_name(manager_client, three_products, sort):
    response = manager_client.get(LIST_URL, {"sort": sort})

    assert response.status_code == 200
    assert product_names(response) == ["Alpha", "Bravo", "Charlie"]
    assert response.context["current_sort"] == "name"


def test_list_filters_by_category_and_supplier(manager_client):
    fasteners, tools = CategoryFactory(name="Fasteners"), CategoryFactory(name="Tools")
    acme, bolt_co = SupplierFactory(name="Acme"), SupplierFactory(name="Bolt Co")
    ProductFactory(name="Bolt", category=fasteners, supplier=acme)
    ProductFactory(name="Nut", category=fasteners, supplier=bolt_co)
    ProductFactory(name="Hammer", category=tools, supplier=acme)

    by_category = manager_client.get(LIST_URL, {"category": fasteners.pk})
    by_supplier = manager_client.get(LIST_URL, {"supplier": acme.pk})
    by_both = manager_client.get(LIST_URL, {"category": fasteners.pk, "supplier": acme.pk})

    assert product_names(by_category) == ["Bolt", "Nut"]
    assert product_names(by_supplier) == ["Bolt", "Hammer"]
    assert product_names(by_both) == ["Bolt"]
    assert b"2 products" in by_category.content
    # The filter keeps its choice selected, and offers "all" as the empty choice.
    assert f'<option value="{fasteners.pk}" selected>Fasteners</option>'.encode() in (
        by_category.content
    )
    assert b'<option value="" selected>All suppliers</option>' in by_category.content


def test_list_unknown_category_filter_is_ignored_but_search_applies(manager_client):
    ProductFactory(name="Bolt")
    ProductFactory(name="Nut")

    response = manager_client.get(LIST_URL, {"category": "999999", "q": "bolt"})

    assert response.status_code == 200
    assert product_names(response) == ["Bolt"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, ["Current"]),
        ("active", ["Current"]),
        ("archived", ["Old"]),
        ("all", ["Current", "Old"]),
    ],
)
def test_list_status_filter(manager_client, status, expected):
    ProductFactory(name="Current")
    ProductFactory(name="Old").archive()

    response = manager_client.get(LIST_URL, {"status": status} if status else {})

    assert product_names(response) == expected


def test_list_below_reorder_level_filter_uses_stock_over_all_stores(manager_client):
    main, annex = StoreFactory(), StoreFactory()
    plenty = ProductFactory(name="Plenty", reorder_level=5)
    low = ProductFactory(name="Low", reorder_level=5)
    at_level = ProductFactory(name="At level", reorder_level=5)
    split = ProductFactory(name="Split", reorder_level=5)
    ProductFactory(name="Never stocked", reorder_level=5)
    ProductFactory(name="Archived low", reorder_level=5).archive()
    stock_up(plenty, main, 10)
    stock_up(low, main, 3)
    stock_up(at_level, annex, 5)
    stock_up(split, main, 3)
    stock_up(split, annex, 3)  # 6 in all: above the level although each store is below

    response = manager_client.get(LIST_URL, {"below_reorder": "on"})

    assert product_names(response) == ["At level", "Low", "Never stocked"]
    assert [product.on_hand for product in response.context["object_list"]] == [5, 3, 0]
    assert b"3 products" in response.content


def test_list_below_reorder_level_combines_with_sort_search_and_category(manager_client):
    store = StoreFactory()
    fasteners = CategoryFactory()
    for name, quantity in [("Bolt A", 4), ("Bolt B", 1), ("Bolt C", 50), ("Nut", 1)]:
        product = ProductFactory(name=name, reorder_level=5, category=fasteners)
        stock_up(product, store, quantity)
    ProductFactory(name="Bolt D", reorder_level=5)  # another category

    response = manager_client.get(
        LIST_URL,
        {"below_reorder": "on", "q": "bolt", "category": fasteners.pk, "sort": "-on_hand"},
    )

    assert product_names(response) == ["Bolt A", "Bolt B"]


def test_list_paginates_25_a_page_with_total_count(manager_client):
    category, supplier = CategoryFactory(), SupplierFactory()
    for number in range(26):
        ProductFactory(name=f"Product {number:02d}", category=category, supplier=supplier)

    first = manager_client.get(LIST_URL)
    second = manager_client.get(LIST_URL, {"page": 2})

    assert product_names(first) == [f"Product {number:02d}" for number in range(25)]
    assert product_names(second) == ["Product 25"]
    assert b"26 products" in first.content
    assert b'href="?page=2"' in first.content
    assert b"Page 2 of 2" in second.content


def test_list_pagination_keeps_filters_in_the_links(manager_client):
    category = CategoryFactory()
    ProductFactory.create_batch(26, category=category, reorder_level=5)

    response = manager_client.get(LIST_URL, {"category": category.pk, "below_reorder": "on"})

    assert f'href="?category={category.pk}&amp;below_reorder=on&amp;page=2"'.encode() in (
        response.content
    )


def test_list_runs_the_same_number_of_queries_for_1_and_25_rows(
    client, manager, django_assert_num_queries
):
    client.force_login(manager)
    stores = [StoreFactory(), StoreFactory()]

    def add_product():
        product = ProductFactory(reorder_level=5)  # its own category and supplier
        for store in stores:
            stock_up(product, store, 2)  # 4 in all: below the reorder level

    add_product()
    # session, user, permissions (group + user), count, rows (on-hand is a column), then
    # the category and supplier pickers of the filter form and of the add form, and
    # the add form's units and tax rates
    with django_assert_num_queries(12):
        assert len(client.get(LIST_URL).context["object_list"]) == 1
    for _ in range(24):
        add_product()
    with django_assert_num_queries(12):
        assert len(client.get(LIST_URL).context["object_list"]) == 25
    # Sorted or filtered by on-hand, the rows come with it (one query fewer).
    with django_assert_num_queries(12):
        assert len(client.get(LIST_URL, {"sort": "-on_hand"}).context["object_list"]) == 25
    with django_assert_num_queries(12):
        response = client.get(LIST_URL, {"below_reorder": "on", "status": "all"})
        assert len(response.context["object_list"]) == 25


# Create


def test_create_posts_to_the_list_url_and_stores_sku_upper_case(manager_client, form_data):
    response = manager_client.post(LIST_URL, form_data(), follow=True)

    product = Product.objects.get()
    assert product.sku == "BOLT-M8"
    assert (product.name, product.unit.symbol, product.reorder_level) == ("Hex bolt M8", "pcs", 100)
    assert (product.cost_price, product.sale_price) == (Decimal("0.40"), Decimal("1.25"))
    assert product.is_active
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "Hex bolt M8 (BOLT-M8) was added." in messages_of(response)


def test_create_invalid_rerenders_with_errors_and_typed_values(manager_client, form_data):
    response = manager_client.post(
        LIST_URL, form_data(name="", sale_price="abc", description="typed description")
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "sale_price"}
    content = response.content.decode()
    assert 'value="bolt-m8"' in content
    assert 'value="abc"' in content
    assert "typed description" in content
    assert "is-invalid" in content
    assert not Product.objects.exists()


@pytest.mark.parametrize("typed", ["ab-1", "AB-1", " Ab-1 "])
def test_create_sku_duplicate_in_any_case_is_refused(manager_client, form_data, typed):
    ProductFactory(sku="AB-1")

    response = manager_client.post(LIST_URL, form_data(sku=typed))

    assert response.status_code == 200
    assert response.context["form"].errors == {"sku": ["Product with this SKU already exists."]}
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("sale_price", "-0.01", "Ensure this value is greater than or equal to 0."),
        ("cost_price", "-5", "Ensure this value is greater than or equal to 0."),
        ("sale_price", "abc", "Enter a number."),
        ("cost_price", "1,50", "Enter a number."),
        ("sale_price", "NaN", "Enter a number."),
        ("sale_price", "Infinity", "Enter a number."),
        ("sale_price", "1e400", "Ensure that there are no more than 12 digits in total."),
        ("sale_price", "1000000.01", "Ensure this value is less than or equal to 1000000.00."),
        ("cost_price", "1.005", "Ensure that there are no more than 2 decimal places."),
        ("sale_price", "", "This field is required."),
        ("reorder_level", "-1", "Ensure this value is greater than or equal to 0."),
        (
            "reorder_level",
            "2.5",
            "This product is counted in whole pieces: 2.5 is not a whole number.",
        ),
        ("reorder_level", "2.0001", "Quantities have at most 3 decimal places."),
        ("reorder_level", "9" * 30, "Ensure this value is less than or equal to 2147483647."),
    ],
)
def test_create_money_and_level_validation(manager_client, form_data, field, value, error):
    response = manager_client.post(LIST_URL, form_data(**{field: value}))

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [error]}
    assert not Product.objects.exists()


def test_create_accepts_the_largest_price_and_zero(manager_client, form_data):
    manager_client.post(LIST_URL, form_data(sale_price="1000000.00", cost_price="0"))

    product = Product.objects.get()
    assert product.sale_price == Decimal("1000000.00")
    assert product.cost_price == Decimal("0")


@pytest.mark.parametrize("field", ["category", "supplier", "unit"])
def test_create_refuses_unknown_choices(manager_client, form_data, field):
    response = manager_client.post(LIST_URL, form_data(**{field: "999999"}))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert not Product.objects.exists()


def test_create_refuses_an_archived_supplier(manager_client, form_data, supplier):
    supplier.archive()

    response = manager_client.post(LIST_URL, form_data())

    assert list(response.context["form"].errors) == ["supplier"]
    assert not Product.objects.exists()


# Detail and update


@pytest.mark.parametrize("movements", [1, 30])
def test_detail_query_count_does_not_grow_with_stock_and_movements(
    client, manager, django_assert_num_queries, movements
):
    client.force_login(manager)
    product = ProductFactory()
    for _ in range(movements):
        stock_up(product, StoreFactory(), 1)

    # 12, the transfers' section (what is in transit, the store to transfer from), the
    # purchase orders' (the open order lines), the stock table's units in transit per
    # store (inventory_project/tests/test_product_page_in_transit.py counts it with transfers)
    # and the form's tax rates, and the user's profile (the stores they adjust in), and
    # the History section's entries (audit.sections; the names its entries give the
    # category, supplier and unit are those the page already selected)
    with django_assert_num_queries(19):
        response = client.get(product.get_absolute_url())

    assert len(response.context["stock_levels"]) == movements
    assert len(response.context["movements_page"]) == min(movements, 25)


def test_detail_movements_paginate(manager_client):
    product = ProductFactory()
    store = StoreFactory()
    for _ in range(27):
        stock_up(product, store, 1)

    response = manager_client.get(product.get_absolute_url(), {"page": 2})

    assert [m.balance_after for m in response.context["movements_page"]] == [2, 1]
    assert b"Page 2 of 2" in response.content


def test_update_on_the_detail_page(manager_client, form_data):
    product = ProductFactory(sku="OLD-1")

    response = manager_client.post(
        product.get_absolute_url(),
        form_data(sku="new-1", name="Renamed", sale_price="3.10"),
        follow=True,
    )

    product.refresh_from_db()
    assert (product.sku, product.name, product.sale_price) == ("NEW-1", "Renamed", Decimal("3.1"))
    assert response.redirect_chain == [(product.get_absolute_url(), 302)]
    assert "Renamed (NEW-1) was saved." in messages_of(response)


def test_update_keeping_its_own_sku_in_another_case_is_not_a_duplicate(manager_client, form_data):
    product = ProductFactory(sku="AB-1")

    response = manager_client.post(product.get_absolute_url(), form_data(sku="ab-1"))

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.sku == "AB-1"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"sku": "taken-1"}, "sku"), ({"cost_price": "-1"}, "cost_price"), ({"name": ""}, "name")],
)
def test_update_invalid_changes_nothing(manager_client, form_data, overrides, field):
    ProductFactory(sku="TAKEN-1")
    product = ProductFactory(sku="MINE-1", name="Mine", cost_price=Decimal("4.00"))

    response = manager_client.post(product.get_absolute_url(), form_data(**overrides))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    product.refresh_from_db()
    assert (product.sku, product.name, product.cost_price) == ("MINE-1", "Mine", Decimal("4.00"))


def test_update_invalid_heading_shows_the_saved_name_form_shows_the_typed_one(
    manager_client, form_data
):
    ProductFactory(sku="TAKEN-1")
    product = ProductFactory(sku="MINE-1", name="Mine")

    response = manager_client.post(
        product.get_absolute_url(), form_data(sku="taken-1", name="Typed name")
    )

    content = response.content.decode()
    assert '<h1 class="h3 mb-0">Mine (MINE-1)' in content
    assert 'value="Typed name"' in content


def test_update_racing_a_duplicate_sku_gets_a_form_error(manager_client, form_data, monkeypatch):
    ProductFactory(sku="TAKEN-1")
    product = ProductFactory(sku="MINE-1", name="Mine")
    monkeypatch.setattr(ProductForm, "validate_unique", lambda form: None)

    response = manager_client.post(product.get_absolute_url(), form_data(sku="taken-1"))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    product.refresh_from_db()
    assert (product.sku, product.name) == ("MINE-1", "Mine")


def test_update_cannot_touch_average_cost(manager_client, form_data):
    product = ProductFactory()
    stock_up(product, StoreFactory(), 2, unit_cost=Decimal("3.00"))

    manager_client.post(product.get_absolute_url(), form_data(average_cost="999"))

    product.refresh_from_db()
    assert product.average_cost == Decimal("3.00")


# Delete, archive, restore


def test_delete_asks_for_confirmation_first(manager_client):
    product = ProductFactory(name="Bolt", sku="B-1")

    response = manager_client.get(reverse("products:delete", args=[product.pk]))

    assert response.status_code == 200
    assert "Delete product “Bolt (B-1)”?".encode() in response.content
    assert Product.objects.filter(pk=product.pk).exists()


def test_delete_after_confirmation_removes_a_product_without_history(manager_client):
    product = ProductFactory(name="Bolt", sku="B-1")

    response = manager_client.post(reverse("products:delete", args=[product.pk]), follow=True)

    assert not Product.objects.filter(pk=product.pk).exists()
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "Bolt (B-1) was deleted." in messages_of(response)


def test_archive_hides_it_from_list_and_document_pickers_restore_brings_it_back(manager_client):
    product = ProductFactory(name="Discontinued bolt")
    stock_up(product, StoreFactory(), 5)

    response = manager_client.post(reverse("products:archive", args=[product.pk]), follow=True)

    product.refresh_from_db()
    assert not product.is_active
    assert response.redirect_chain == [(product.get_absolute_url(), 302)]
    assert messages_of(response)[0].startswith("Discontinued bolt (")
    assert b"Archived</span>" in response.content
    assert product_names(manager_client.get(LIST_URL)) == []
    assert product_names(manager_client.get(LIST_URL, {"status": "archived"})) == [
        "Discontinued bolt"
    ]
    # The order lines' product picker searches /products/search/.
    picker = reverse("products:search")
    assert manager_client.get(picker, {"q": "discontinued"}).json()["results"] == []
    # History keeps it: stock and movements are untouched.
    assert StockLevel.objects.get(product=product).quantity == 5

    manager_client.post(reverse("products:restore", args=[product.pk]))

    product.refresh_from_db()
    assert product.is_active
    assert product_names(manager_client.get(LIST_URL)) == ["Discontinued bolt"]
    assert manager_client.get(picker, {"q": "discontinued"}).json()["results"][0]["id"] == (
        product.pk
    )


# Unknown ids and permissions


@pytest.mark.parametrize("route", ["detail", "delete"])
def test_unknown_id_gives_404_in_the_site_layout(manager_client, route):
    response = manager_client.get(reverse(f"products:{route}", args=[999999]))

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert b'aria-label="Main navigation"' in response.content


@pytest.mark.parametrize("route", ["archive", "restore", "adjust"])
def test_unknown_id_post_routes_give_404(manager_client, route):
    assert manager_client.post(reverse(f"products:{route}", args=[999999])).status_code == 404


@pytest.mark.parametrize("route", ["list", "detail"])
def test_user_without_permission_gets_403(user_client, route):
    product = ProductFactory()
    args = [product.pk] if route == "detail" else []

    assert user_client.get(reverse(f"products:{route}", args=args)).status_code == 403


@pytest.mark.parametrize("route", ["list", "detail"])
def test_visitor_is_sent_to_login(client, route):
    product = ProductFactory()
    target = reverse(f"products:{route}", args=[product.pk] if route == "detail" else [])

    response = client.get(target)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={target}"


def test_view_permission_shows_the_fields_read_only_with_labels(client, user):
    user.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(user)
    product = ProductFactory(
        category=CategoryFactory(name="Fasteners"),
        supplier=SupplierFactory(name="Acme"),
        unit=Unit.objects.standard()["box"],
    )

    response = client.get(product.get_absolute_url())

    content = response.content.decode()
    assert "<dt>Category</dt><dd>Fasteners</dd>" in content
    assert "<dt>Supplier</dt><dd>Acme</dd>" in content
    assert "<dt>Unit of measure</dt><dd>box</dd>" in content
    assert "<dt>Description</dt><dd>—</dd>" in content
    assert 'name="sku"' not in content


def test_view_permission_alone_cannot_write_or_adjust(client, user, form_data):
    user.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(user)
    product = ProductFactory(name="Bolt")
    store = StoreFactory()

    page = client.get(product.get_absolute_url())

    assert page.status_code == 200
    assert "adjust_form" not in page.context
    assert client.post(LIST_URL, form_data()).status_code == 403
    assert client.post(product.get_absolute_url(), form_data(name="X")).status_code == 403
    adjust = {
        "adjust-store": store.pk,
        "adjust-mode": "counted",
        "adjust-quantity": "5",
        "adjust-reason": "count",
    }
    assert client.post(reverse("products:adjust", args=[product.pk]), adjust).status_code == 403
    product.refresh_from_db()
    assert product.name == "Bolt"
    assert Product.objects.count() == 1
    assert not StockLevel.objects.exists()
    assert not StockMovement.objects.exists()


def test_the_edit_form_shows_the_products_unit_so_saving_it_as_shown_keeps_it(manager_client):
    product = ProductFactory(unit=Unit.objects.standard()["m"])

    form = manager_client.get(product.get_absolute_url()).context["form"]

    assert form["unit"].value() == "m"
    assert '<option value="m" selected>' in str(form["unit"])
