"""Migrations are history: they carry their own code, and a fresh database migrates from zero.

CI runs these on SQLite, PostgreSQL and MariaDB.
"""

import ast
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.roles import ROLES
from core.totals import registered_running_totals
from products.models import Product, StockLevel, StockMovement
from products.valuation import valuation_differences
from purchases.models import PurchaseDay
from sales.models import ProductSales, SaleDay, SaleLine

PROJECT_PACKAGES = {
    "inventory_project", "core", "stores", "people", "accounts", "products", "purchases",
    "sales", "transfers", "replenishment", "audit", "jobs", "imports", "dashboard", "demo",
}  # fmt: skip

# django-tasks-db's migrations cannot run backwards (one is a data migration without a
# reverse). Its table depends on nothing of ours, so it stays while the rest goes to zero.
IRREVERSIBLE_THIRD_PARTY_APPS = {"django_tasks_database"}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_no_migration_imports_project_code():
    migrations = sorted(Path(settings.BASE_DIR).glob("*/migrations/0*.py"))
    assert migrations, "no migrations found"

    offending = {
        str(path.relative_to(settings.BASE_DIR)): sorted(
            module for module in imported_modules(path) if module.split(".")[0] in PROJECT_PACKAGES
        )
        for path in migrations
    }

    assert {path: modules for path, modules in offending.items() if modules} == {}


def migrate_to(targets) -> None:
    """Migrate to ``targets`` with a fresh executor (it reads what is applied when made)."""
    MigrationExecutor(connection).migrate(targets)


def write_history_before_the_running_totals(apps) -> None:
    """A purchase, a sale and a voided sale, written as the first migrations' models were."""
    user = apps.get_model("auth", "User").objects.create(username="history")
    store = apps.get_model("stores", "Store").objects.create(name="Main Street", code="MAIN")
    supplier = apps.get_model("people", "Supplier").objects.create(name="Acme")
    customer = apps.get_model("people", "Customer").objects.create(name="Dana")
    category = apps.get_model("products", "Category").objects.create(name="Fasteners")
    bolt = apps.get_model("products", "Product").objects.create(
        sku="BOLT", name="Bolt", category=category, supplier=supplier
    )
    purchase = apps.get_model("purchases", "Purchase").objects.create(
        supplier=supplier, store=store, date=datetime.date(2026, 3, 1), created_by=user
    )
    apps.get_model("purchases", "PurchaseLine").objects.create(
        purchase=purchase, product=bolt, quantity=10, unit_cost=Decimal("2.50")
    )
    sale_model = apps.get_model("sales", "Sale")
    sale_line_model = apps.get_model("sales", "SaleLine")
    for voided_at in (None, datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC)):
        sale = sale_model.objects.create(
            customer=customer,
            store=store,
            date=datetime.date(2026, 3, 2),
            created_by=user,
            voided_at=voided_at,
        )
        sale_line_model.objects.create(
            sale=sale,
            product=bolt,
            quantity=4,
            unit_price=Decimal("4.00"),
            unit_cost=Decimal("2.5000"),
        )


# Schema changes need a transaction of their own (SQLite refuses them inside one).
@pytest.mark.django_db(transaction=True)
def test_a_fresh_database_migrates_from_zero_and_totals_the_history_it_holds():
    migrated_apps = MigrationExecutor(connection).loader.migrated_apps
    try:
        # Given an empty database, migrated to just before the running totals,
        # holding history written by those first migrations' models.
        migrate_to([(label, None) for label in migrated_apps - IRREVERSIBLE_THIRD_PARTY_APPS])
        before_totals = [("purchases", "0001_initial"), ("sales", "0001_initial")]
        migrate_to(before_totals)
        loader = MigrationExecutor(connection).loader
        write_history_before_the_running_totals(loader.project_state(before_totals).apps)

        # When every migration runs from there.
        call_command("migrate", verbosity=0)

        # Then the data migrations totalled that history with their frozen code,
        # agreeing with the live code's check, and the roles exist.
        assert list(PurchaseDay.objects.values_list("date", "documents", "units", "value")) == [
            (datetime.date(2026, 3, 1), 1, 10, Decimal("25.00"))
        ]
        assert list(SaleDay.objects.values_list("date", "documents", "units", "value")) == [
            (datetime.date(2026, 3, 2), 1, 4, Decimal("16.00"))
        ]
        assert list(ProductSales.objects.values_list("units", "value")) == [(4, Decimal("16.00"))]
        assert [d for totals in registered_running_totals() for d in totals.differences()] == []
        assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
        assert (
            MigrationExecutor(connection).migration_plan(
                MigrationExecutor(connection).loader.graph.leaf_nodes()
            )
            == []
        )
    finally:
        # Content types were deleted and made again with new keys.
        ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_the_money_bounds_migration_names_the_prices_it_would_refuse():
    before_bounds = [("products", "0005_product_active_name_index")]
    try:
        # Given a database from before the bounds, with a price that is now too high.
        migrate_to([(label, None) for label in ("sales", "purchases")])
        migrate_to(before_bounds)
        old = MigrationExecutor(connection).loader.project_state(before_bounds).apps
        supplier = old.get_model("people", "Supplier").objects.create(name="Acme")
        category = old.get_model("products", "Category").objects.create(name="Jewels")
        old.get_model("products", "Product").objects.create(
            sku="CROWN", name="Crown", category=category, supplier=supplier,
            sale_price=Decimal("2000000.00"),
        )  # fmt: skip

        # When the bounds migration runs, it stops and says which product and why.
        with pytest.raises(
            RuntimeError, match=r"1 product\(s\) have a price above 1,000,000.00.*CROWN"
        ):
            migrate_to([("products", "0006_bounded_money")])

        # Once the price is corrected, it migrates.
        old.get_model("products", "Product").objects.filter(sku="CROWN").update(
            sale_price=Decimal("1000000.00")
        )
    finally:
        call_command("migrate", verbosity=0)
        ContentType.objects.clear_cache()

    assert (
        MigrationExecutor(connection).migration_plan(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
        == []
    )


def write_history_with_a_late_void(apps) -> None:
    """5 bought at $10, 10 at $100, 1 sold (costed $70), the $100 purchase voided.

    As the engine before valuation by replay wrote it: movements without
    values, and the void's clamped average of $0.
    """
    user = apps.get_model("auth", "User").objects.create(username="history")
    store = apps.get_model("stores", "Store").objects.create(name="Main Street", code="MAIN")
    supplier = apps.get_model("people", "Supplier").objects.create(name="Acme")
    customer = apps.get_model("people", "Customer").objects.create(name="Dana")
    category = apps.get_model("products", "Category").objects.create(name="Tools")
    drill = apps.get_model("products", "Product").objects.create(
        sku="DRILL", name="Drill", category=category, supplier=supplier, average_cost=0
    )
    movement = apps.get_model("products", "StockMovement").objects
    purchase_model = apps.get_model("purchases", "Purchase").objects
    purchase_line = apps.get_model("purchases", "PurchaseLine").objects
    day = datetime.date(2026, 3, 1)
    balance = 0
    for quantity, cost, voided in ((5, "10.00", False), (10, "100.00", True)):
        purchase = purchase_model.create(
            supplier=supplier, store=store, date=day, created_by=user,
            voided_at=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC) if voided else None,
        )  # fmt: skip
        purchase_line.create(
            purchase=purchase, product=drill, quantity=quantity, unit_cost=Decimal(cost)
        )
        balance += quantity
        movement.create(
            product=drill, store=store, quantity=quantity, balance_after=balance,
            kind="purchase", document_id=purchase.pk,
        )  # fmt: skip
    sale = apps.get_model("sales", "Sale").objects.create(
        customer=customer, store=store, date=day, created_by=user
    )
    apps.get_model("sales", "SaleLine").objects.create(
        sale=sale, product=drill, quantity=1, unit_price=Decimal("120.00"),
        unit_cost=Decimal("70.0000"),
    )  # fmt: skip
    movement.create(
        product=drill, store=store, quantity=-1, balance_after=14, kind="sale",
        document_id=sale.pk,
    )  # fmt: skip
    movement.create(
        product=drill, store=store, quantity=-10, balance_after=4, kind="purchase_void",
        document_id=purchase.pk,
    )  # fmt: skip
    apps.get_model("products", "StockLevel").objects.create(product=drill, store=store, quantity=4)
    apps.get_model("sales", "SaleDay").objects.create(
        date=day, documents=1, units=1, value=Decimal("120.00"), cost=Decimal("70.0000")
    )
    apps.get_model("sales", "ProductSales").objects.create(
        product=drill, units=1, value=Decimal("120.00")
    )
    apps.get_model("purchases", "PurchaseDay").objects.create(
        date=day, documents=1, units=5, value=Decimal("50.00")
    )


@pytest.mark.django_db(transaction=True)
def test_the_valuation_migration_replays_history_written_before_it():
    before_valuation = [
        ("products", "0006_bounded_money"),
        ("purchases", "0003_bounded_money"),
        ("sales", "0003_bounded_money"),
    ]
    try:
        migrate_to(before_valuation)
        old = MigrationExecutor(connection).loader.project_state(before_valuation).apps
        write_history_with_a_late_void(old)

        call_command("migrate", verbosity=0)

        drill = Product.objects.get(sku="DRILL")
        assert drill.average_cost == Decimal("10.0000")
        assert list(SaleLine.objects.values_list("unit_cost", flat=True)) == [Decimal("10.0000")]
        assert list(SaleDay.objects.values_list("cost", flat=True)) == [Decimal("10.0000")]
        assert list(
            StockMovement.objects.order_by("pk").values_list(
                "kind", "at_average_cost", "unit_cost", "value", "average_cost_after"
            )
        ) == [
            ("purchase", False, Decimal("10.0000"), Decimal("50.0000"), Decimal("10.0000")),
            ("purchase", False, Decimal("100.0000"), Decimal("1000.0000"), Decimal("10.0000")),
            ("sale", True, Decimal("10.0000"), Decimal("-10.0000"), Decimal("10.0000")),
            (
                "purchase_void",
                False,
                Decimal("100.0000"),
                Decimal("-1000.0000"),
                Decimal("10.0000"),
            ),
        ]
        # The live code's checks agree with the frozen migration's replay.
        assert valuation_differences() == {}
        assert [d for totals in registered_running_totals() for d in totals.differences()] == []
    finally:
        call_command("migrate", verbosity=0)
        ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_the_units_migration_converts_integer_quantities_and_unit_codes_exactly():
    before_units = [
        ("products", "0008_value_the_ledger"),
        ("purchases", "0003_bounded_money"),
        ("sales", "0003_bounded_money"),
    ]
    try:
        migrate_to(before_units)
        old = MigrationExecutor(connection).loader.project_state(before_units).apps
        write_history_with_a_late_void(old)
        products = old.get_model("products", "Product").objects
        products.filter(sku="DRILL").update(unit="box", reorder_level=2_147_483_647)
        cable = products.create(
            sku="CABLE", name="Cable", unit="m", category_id=products.get().category_id,
            supplier_id=products.get().supplier_id,
        )  # fmt: skip
        products.create(
            sku="ODD", name="Odd", unit="bag", category_id=cable.category_id,
            supplier_id=cable.supplier_id,
        )  # fmt: skip
        # The most the new column holds (15 digits before the point).
        old.get_model("products", "StockLevel").objects.update(quantity=999_999_999_999_999)

        call_command("migrate", verbosity=0)

        units = dict(Product.objects.values_list("sku", "unit__symbol"))
        assert units == {"DRILL": "box", "CABLE": "m", "ODD": "bag"}
        assert Product.objects.get(sku="CABLE").unit.decimal_places == 3
        assert Product.objects.get(sku="ODD").unit.decimal_places == 0
        assert Product.objects.get(sku="DRILL").reorder_level == Decimal("2147483647")
        assert StockLevel.objects.get().quantity == Decimal("999999999999999")
        assert list(
            StockMovement.objects.order_by("pk").values_list("quantity", "balance_after")
        ) == [(5, 5), (10, 15), (-1, 14), (-10, 4)]
        assert list(SaleLine.objects.values_list("quantity", flat=True)) == [Decimal("1.000")]
        assert SaleDay.objects.get().units == 1
        assert ProductSales.objects.get().units == 1
        assert PurchaseDay.objects.get().units == 5
    finally:
        call_command("migrate", verbosity=0)
        ContentType.objects.clear_cache()
