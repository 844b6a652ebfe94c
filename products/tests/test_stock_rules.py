"""Replenishment rules per product and store (/products/<id>/replenishment/), what is on order
on the product page, and the products list's on-order column and filter."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import CLERK
from products.models import Product, StockLevel, StockRule, Unit
from products.services import change_on_order
from products.tests.factories import ProductFactory, stock_up
from stores.tests.factories import StoreFactory

# Not ledger_stays_consistent: on-order is set here through change_on_order directly, without
# the purchase orders (an app above this one) that verify_stock checks it against.
pytestmark = pytest.mark.django_db

D = Decimal
LIST_URL = reverse("products:list")


def rules_url(product) -> str:
    return reverse("products:replenishment", args=[product.pk])


def rule_of(product, store) -> tuple:
    level = StockLevel.objects.get(product=product, store=store)
    return (level.reorder_point, level.order_up_to, level.order_multiple)


def rule_data(*rows) -> dict:
    """The edit form's POST: (store, minimum, maximum, multiple) per row."""
    data = {}
    for store, minimum, maximum, multiple in rows:
        data |= {
            f"store-{store.pk}-minimum": minimum,
            f"store-{store.pk}-maximum": maximum,
            f"store-{store.pk}-multiple": multiple,
        }
    return data


@pytest.fixture
def clerk_client(client, django_user_model):
    user = django_user_model.objects.create_user("counter-clerk")
    user.groups.add(Group.objects.get(name=CLERK))
    client.force_login(user)
    return client


@pytest.fixture
def bolt(store, other_store):
    """A bolt at both stores: 12 and 3 on hand, 20 on order at Main Street."""
    product = ProductFactory(name="Bolt", reorder_level=5, pack_size=D("10"))
    stock_up(product, store, 12)
    stock_up(product, other_store, 3)
    change_on_order(store=store, changes={product.pk: D("20")})
    return product


# The product page ---------------------------------------------------------------------------


def test_product_page_shows_on_order_and_the_rule_in_force_per_store(
    manager_client, bolt, store, other_store
):
    StockLevel.objects.set_rules([StockRule(bolt.pk, store.pk, minimum=D("8"), maximum=D("30"))])
    store_code, other_code = store.code, other_store.code

    html = unescape(manager_client.get(bolt.get_absolute_url()).content.decode())

    def cell(testid):
        return re.search(rf'data-testid="{testid}">(.*?)</td>', html)[1]

    assert cell(f"on-order-{store_code}") == "20 pcs"
    assert cell(f"on-order-{other_code}") == "0 pcs"
    assert cell("on-order-total") == "20 pcs"
    assert cell(f"minimum-{store_code}") == "8"
    assert cell(f"maximum-{store_code}") == "30"
    assert (
        "default" in cell(f"multiple-{store_code}") and cell(f"multiple-{store_code}")[:2] == "10"
    )
    assert cell(f"minimum-{other_code}").startswith("5 ") and "default" in cell(
        f"minimum-{other_code}"
    )
    assert cell(f"maximum-{other_code}").startswith("10 ")
    assert f'href="{rules_url(bolt)}"' in html


def test_the_maximum_in_force_is_never_below_the_minimum(manager_client, bolt, store):
    # A maximum of 12 set for the store, then the reorder level (its minimum there) raised.
    StockLevel.objects.set_rules([StockRule(bolt.pk, store.pk, maximum=D("12"))])
    bolt.reorder_level = D("25")
    bolt.save()

    level = StockLevel.objects.with_rule().get(product=bolt, store=store)
    html = unescape(manager_client.get(bolt.get_absolute_url()).content.decode())

    assert (level.minimum, level.maximum, level.order_up_to) == (25, 25, 12)
    maximum = re.search(rf'data-testid="maximum-{store.code}">(.*?)</td>', html)[1]
    assert maximum.startswith("25 ") and "The maximum set here (12) is below the minimum" in maximum


def test_product_page_hides_the_rules_link_from_clerks(clerk_client, bolt):
    html = clerk_client.get(bolt.get_absolute_url()).content.decode()

    assert 'data-testid="stock-per-store"' in html
    assert rules_url(bolt) not in html


# Editing the rules --------------------------------------------------------------------------


def test_rules_page_has_one_row_per_active_store(manager_client, bolt, store, other_store):
    closed = StoreFactory(name="Closed")
    closed.archive()

    response = manager_client.get(rules_url(bolt))

    assert response.status_code == 200
    assert [row["store"] for row in response.context["rows"]] == [other_store, store]


def test_saving_rules_writes_only_the_rule_fields(manager_client, bolt, store, other_store):
    third = StoreFactory(name="Zed")  # no stock row yet

    response = manager_client.post(
        rules_url(bolt),
        rule_data((store, "8", "40", "10"), (other_store, "", "12", ""), (third, "2", "", "")),
    )

    assert response.status_code == 302
    assert response["Location"] == bolt.get_absolute_url()
    assert rule_of(bolt, store) == (8, 40, 10)
    assert rule_of(bolt, other_store) == (None, 12, None)
    assert rule_of(bolt, third) == (2, None, None)
    levels = {level.store_id: level for level in StockLevel.objects.filter(product=bolt)}
    assert (levels[store.pk].quantity, levels[store.pk].on_order) == (12, 20)
    assert (levels[third.pk].quantity, levels[third.pk].on_order) == (0, 0)


def test_blank_values_go_back_to_the_defaults(manager_client, bolt, store, other_store):
    StockLevel.objects.set_rules([StockRule(bolt.pk, store.pk, D("8"), D("40"), D("10"))])

    manager_client.post(rules_url(bolt), rule_data((store, "", "", ""), (other_store, "", "", "")))

    assert rule_of(bolt, store) == (None, None, None)


def test_all_blank_for_a_store_without_stock_creates_no_row(manager_client, bolt, store):
    third = StoreFactory()

    manager_client.post(rules_url(bolt), rule_data((third, "", "", "")))

    assert not StockLevel.objects.filter(product=bolt, store=third).exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (("-1", "", ""), "minimum", "Cannot be negative."),
        (("", "-3", ""), "maximum", "Cannot be negative."),
        (("", "", "0"), "multiple", "An order multiple must be above zero."),
        (("10", "4", ""), "maximum", "The maximum (4) is below the minimum (10)."),
        (("", "4", ""), "maximum", "below the minimum (5, the product's reorder level)"),
        (("2.5", "", ""), "minimum", "counted in whole pieces: 2.5 is not a whole number"),
        (("lots", "", ""), "minimum", "Enter a number."),
        (("1e400", "", ""), "minimum", "less than or equal to 2147483647"),
        (("", "99999999999", ""), "maximum", "less than or equal to 2147483647"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_saved(
    manager_client, bolt, store, other_store, values, field, message
):
    response = manager_client.post(
        rules_url(bolt), rule_data((other_store, "1", "2", "1"), (store, *values))
    )

    assert response.status_code == 200
    [row] = [row for row in response.context["rows"] if row["store"] == store]
    assert message in " ".join(row["form"].errors[field])
    assert rule_of(bolt, other_store) == (None, None, None)  # the valid row was not saved
    assert "Nothing was saved" in response.content.decode()


def test_parts_of_a_metre_are_allowed_for_cable(manager_client, store):
    cable = ProductFactory(unit=Unit.objects.standard()["m"])

    manager_client.post(rules_url(cable), rule_data((store, "0.5", "2.25", "0.25")))

    assert rule_of(cable, store) == (D("0.5"), D("2.25"), D("0.25"))


def test_rules_page_is_for_managers(clerk_client, user_client, bolt, store):
    for client in (clerk_client, user_client):
        assert client.get(rules_url(bolt)).status_code == 403
        assert client.post(rules_url(bolt), rule_data((store, "1", "2", "1"))).status_code == 403
    assert rule_of(bolt, store) == (None, None, None)


def test_rules_page_of_an_unknown_product_is_not_found(manager_client):
    assert manager_client.get(reverse("products:replenishment", args=[999999])).status_code == 404


def test_set_rules_creates_missing_rows_and_counts_changes(bolt, store):
    third = StoreFactory()
    rules = [
        StockRule(bolt.pk, store.pk, D("1"), D("2"), None),
        StockRule(bolt.pk, third.pk, None, None, D("5")),
    ]

    assert StockLevel.objects.set_rules(rules) == 2
    assert StockLevel.objects.set_rules(rules) == 0  # unchanged: nothing written
    assert rule_of(bolt, third) == (None, None, 5)


# The products list --------------------------------------------------------------------------


def test_products_list_shows_what_is_on_order(manager_client, bolt, store, other_store):
    change_on_order(store=other_store, changes={bolt.pk: D("5")})
    ProductFactory(name="Nut")

    response = manager_client.get(LIST_URL)

    on_order = {product.name: product.on_order for product in response.context["object_list"]}
    assert on_order == {"Bolt": 25, "Nut": 0}
    assert 'data-testid="on-order">25 pcs<' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"on_order": "yes"}, ["Bolt"]),
        ({"on_order": "no"}, ["Nut"]),
        ({"on_order": ""}, ["Bolt", "Nut"]),
        ({"on_order": "maybe"}, ["Bolt", "Nut"]),
    ],
)
def test_products_list_filters_by_on_order(manager_client, bolt, query, names):
    ProductFactory(name="Nut")

    response = manager_client.get(LIST_URL, query)

    assert [product.name for product in response.context["object_list"]] == names


@pytest.mark.parametrize("sort", ["on_order", "-on_order"])
def test_products_list_sorts_by_on_order(manager_client, bolt, store, sort):
    nut = ProductFactory(name="Nut")
    change_on_order(store=store, changes={nut.pk: D("3")})
    ProductFactory(name="Washer")

    response = manager_client.get(LIST_URL, {"sort": sort})

    names = [product.name for product in response.context["object_list"]]
    assert names == (["Washer", "Nut", "Bolt"] if sort == "on_order" else ["Bolt", "Nut", "Washer"])


def test_products_list_needs_reordering_counts_what_is_on_order(
    manager_client, bolt, store, other_store
):
    # Bolt: 15 on hand, 20 on order at Main Street (reorder level 5).
    bolt.reorder_level = D("34")
    bolt.save()
    nut = ProductFactory(name="Nut", reorder_level=5)  # nothing held, nothing coming
    stock_up(ProductFactory(name="Washer", reorder_level=5), store, 6)
    archived_supplier = ProductFactory(name="Rivet", reorder_level=5)
    archived_supplier.supplier.archive()

    def listed():
        response = manager_client.get(LIST_URL, {"needs_reorder": "on"})
        return [product.name for product in response.context["object_list"]]

    assert listed() == ["Nut"]  # Bolt projects 35 > 34; Rivet cannot be ordered
    change_on_order(store=store, changes={bolt.pk: D("-1")})
    assert listed() == ["Bolt", "Nut"]  # 34: at its reorder level
    projected = Product.objects.with_projected().get(pk=bolt.pk).projected
    assert projected == 34
    assert nut in Product.objects.needing_reorder()


def test_product_on_order_sums_every_store(bolt, store, other_store):
    change_on_order(store=other_store, changes={bolt.pk: D("4")})

    assert Product.objects.get(pk=bolt.pk).on_order == 24
    assert list(Product.objects.on_order()) == [bolt]


def test_products_list_query_count_with_the_on_order_filter_and_sort(
    client, manager, django_assert_num_queries, store
):
    client.force_login(manager)

    def add_product():
        product = ProductFactory(reorder_level=5)
        stock_up(product, store, 2)
        change_on_order(store=store, changes={product.pk: D("1")})

    add_product()
    client.get(LIST_URL)
    counts = {}
    queries = ({"on_order": "yes"}, {"sort": "-on_order"}, {"below_reorder": "on"})
    queries += ({"needs_reorder": "on"},)
    for query in queries:
        # On hand and on order are product columns: no query of their own.
        with django_assert_num_queries(12) as captured:
            client.get(LIST_URL, query)
        counts[str(query)] = len(captured)
    for _ in range(24):
        add_product()
    for query in queries:
        with django_assert_num_queries(counts[str(query)]):
            response = client.get(LIST_URL, query)
        assert len(response.context["object_list"]) == 25
        assert {product.on_order for product in response.context["object_list"]} == {1}
