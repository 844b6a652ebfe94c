"""The products search's index on SQLite (products.search): the same products as the
pattern search, kept current by triggers, rebuilt after a table rebuild dropped them.

On PostgreSQL the words go through the trigram indexes (as a union); on MariaDB the
search is the pattern search, which these tests then check against itself.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.crud import matching_every_word
from people.tests.factories import SupplierFactory
from products.models import Product
from products.search import SEARCH_FIELDS, ensure_search_index, has_search_index, matching
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

TERMS = [
    "drill",
    "DRILL",
    "drill cordless",
    "cordless   drill 18",
    "acme",
    "acme hammer",
    "dr-7",
    "dr-7 acme",
    "18",  # short words: the pattern, on SQLite too
    "v",
    "ill",
    "rdle",
    "100%",  # LIKE's wildcards are text here
    "a_b",
    'say "cheese"',
    "zzz",
    "Ölfilter",
    "",
]


@pytest.fixture
def catalogue():
    acme = SupplierFactory(name="Acme Tools")
    ProductFactory(name="Cordless drill 18 V", sku="DR-7", supplier=acme)
    ProductFactory(name="Hammer", sku="HM-1", supplier=acme)
    ProductFactory(name="Drill bit set", sku="BIT-3", supplier=SupplierFactory(name="Bits Ltd"))
    ProductFactory(name="Cleaner 100% pure", sku="A_B-1")
    ProductFactory(name='The "cheese" grater', sku="CH-1")
    ProductFactory(name="Ölfilter", sku="OF-1")
    ProductFactory(name="Axb wrench", sku="AXB-1")


def found(text: str) -> set[str]:
    return set(matching(Product.objects.all(), text).values_list("name", flat=True))


def by_pattern(text: str) -> set[str]:
    return set(
        matching_every_word(Product.objects.all(), text, SEARCH_FIELDS).values_list(
            "name", flat=True
        )
    )


@pytest.mark.parametrize("text", TERMS)
def test_the_index_finds_what_the_pattern_finds(catalogue, text):
    assert found(text) == by_pattern(text)


def test_it_finds_the_words_in_any_order_in_name_sku_or_supplier(catalogue):
    assert found("drill cordless") == {"Cordless drill 18 V"}
    assert found("acme") == {"Cordless drill 18 V", "Hammer"}
    assert found("bit-3") == {"Drill bit set"}
    assert found("a_b") == {"Cleaner 100% pure"}  # not "Axb wrench"


def test_the_indexes_are_used_on_sqlite_and_postgresql(catalogue):
    with CaptureQueriesContext(connection) as queries:
        found("cordless")

    sql = queries.captured_queries[-1]["sql"]
    assert ("product_search MATCH" in sql) == (connection.vendor == "sqlite")
    # On PostgreSQL as a union, each side through its trigram indexes.
    assert ("UNION ALL" in sql) == (connection.vendor == "postgresql")
    assert has_search_index(connection) == (connection.vendor == "sqlite")


def test_the_index_follows_new_renamed_and_deleted_products_and_suppliers(catalogue):
    product = ProductFactory(name="Angle grinder", sku="AG-1")
    assert found("grinder") == {"Angle grinder"}

    product.name = "Bench grinder"
    product.save()
    assert found("angle") == set()
    assert found("bench grinder") == {"Bench grinder"}

    supplier = product.supplier
    supplier.name = "Grindwell"
    supplier.save()
    assert found("grindwell") == {"Bench grinder"}

    product.delete()
    assert found("grinder") == set()


def test_stock_moving_leaves_the_index_alone(catalogue):
    # The engine updates on-hand columns only: the update trigger watches name and SKU.
    product = Product.objects.get(sku="HM-1")
    Product.objects.filter(pk=product.pk).update(on_order=5)

    assert found("hammer") == {"Hammer"}


def test_after_a_table_rebuild_the_next_migrate_rebuilds_the_index(catalogue):
    if connection.vendor != "sqlite":
        assert ensure_search_index() is False
        return
    # Rebuilding a table to alter it (Django on SQLite) drops its triggers: changes made
    # until the next migrate are not indexed.
    with connection.cursor() as cursor:
        for event in ("insert", "delete", "update"):
            cursor.execute(f"DROP TRIGGER product_search_{event}")
    Product.objects.filter(sku="HM-1").update(name="Claw hammer")
    assert found("claw") == set()

    assert ensure_search_index() is True

    assert found("claw") == {"Claw hammer"}
    assert found("hammer") == {"Claw hammer"}
