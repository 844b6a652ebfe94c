"""Trigram indexes for the products search on PostgreSQL (a no-op on other databases).

The search is ``UPPER(column) LIKE UPPER('%word%')`` (Django's ``icontains``) on the
product's name and SKU and the supplier's name, which no B-tree index serves: a
trigram GIN index on the same expression does. ``pg_trgm`` ships with PostgreSQL but
creating an extension needs a privileged role: without it the indexes are skipped with
a note, and search still works, scanning as before (DEPLOY.md says how to add them).
"""

from django.db import migrations

INDEXES = [
    ("product_name_trgm", "products_product", "name"),
    ("product_sku_trgm", "products_product", "sku"),
    ("supplier_name_trgm", "people_supplier", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            try:
                cursor.execute("SAVEPOINT trgm")
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                cursor.execute("RELEASE SAVEPOINT trgm")
            except Exception as error:  # noqa: BLE001 - any refusal: go on without the indexes
                cursor.execute("ROLLBACK TO SAVEPOINT trgm")
                print(f"\n  pg_trgm not available ({error}); search indexes skipped.")
                return
        for name, table, column in INDEXES:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _, _ in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0016_present_state_indexes"),
        ("people", "0002_created_at_and_contact_person_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
