"""Opening stock: through the stock engine at its cost, so the ledger and average cost are right."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from imports.models import ImportRun
from imports.services import import_apply, import_validate
from imports.tests.factories import csv_text, make_import
from products.models import Product, StockLevel, StockMovement, Unit
from products.tests.factories import ProductFactory, stock_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_stays_consistent")]

HEADER = ["SKU", "Store", "Qty", "Unit cost"]


def opening(manager, *rows, **options) -> ImportRun:
    run = make_import(
        user=manager, kind="opening_stock", content=csv_text([HEADER, *rows]), **options
    )
    import_validate(run=run)
    return run


def test_opening_stock_enters_the_ledger_as_opening_balance_at_its_cost(
    manager, store, other_store
):
    bolt = ProductFactory(sku="BOLT-1", cost_price=Decimal("9"))
    run = opening(
        manager,
        ["bolt-1", store.name, "100", "0.50"],
        ["BOLT-1", other_store.code, "50", ""],  # by the store's code; blank cost: cost price
    )
    assert (run.to_create, run.error_count) == (2, 0)
    assert not StockMovement.objects.exists()

    import_apply(run=run)

    movements = StockMovement.objects.filter(product=bolt).order_by("store__name")
    assert [(m.store, m.quantity, m.kind, m.document_id, m.unit_cost) for m in movements] == [
        (other_store, Decimal("50"), "opening", run.pk, Decimal("9")),
        (store, Decimal("100"), "opening", run.pk, Decimal("0.5")),
    ]
    bolt.refresh_from_db()
    assert bolt.on_hand == 150
    # (100 × 0.50 + 50 × 9) / 150
    assert bolt.average_cost == Decimal("3.3333")


def test_average_cost_after_an_opening_import_followed_by_a_receipt_at_cost(manager, store):
    bolt = ProductFactory(sku="BOLT-1")
    import_apply(run=opening(manager, ["BOLT-1", store.name, "10", "2.00"]))

    # What a purchase does: units in at their cost, through the engine.
    stock_up(bolt, store, Decimal("30"), unit_cost=Decimal("4.00"))

    bolt.refresh_from_db()
    assert bolt.average_cost == Decimal("3.5000")  # (10 × 2 + 30 × 4) / 40
    assert StockLevel.objects.get(product=bolt, store=store).stock_value == Decimal("140")


def test_verify_stock_is_clean_after_an_opening_import(manager, store, other_store, capsys):
    ProductFactory(sku="A-1")
    ProductFactory(sku="A-2")
    import_apply(
        run=opening(
            manager,
            ["A-1", store.name, "5", "1.10"],
            ["A-2", store.name, "7", "2.20"],
            ["A-1", other_store.name, "3", "1.30"],
        )
    )

    call_command("verify_stock")

    assert "OK:" in capsys.readouterr().out


def test_stock_already_held_is_added_to_at_cost_like_a_receipt(manager, store):
    bolt = ProductFactory(sku="BOLT-1")
    stock_up(bolt, store, Decimal("10"), unit_cost=Decimal("1.00"))

    run = opening(manager, ["BOLT-1", store.name, "10", "3.00"])
    assert (run.to_create, run.to_update) == (0, 1)
    import_apply(run=run)

    bolt.refresh_from_db()
    assert (bolt.on_hand, bolt.average_cost) == (Decimal("20"), Decimal("2.0000"))


def test_bad_opening_rows_are_reported_and_nothing_of_them_moves(manager, store):
    ProductFactory(sku="PCS-1", name="Drill")
    ProductFactory(sku="M-1", unit=Unit.objects.standard()["m"])
    run = opening(
        manager,
        ["PCS-1", store.name, "2.5", "1"],  # pieces are whole
        ["M-1", store.name, "2.5", "1"],  # metres are not: fine
        ["NOPE", store.name, "1", "1"],
        ["PCS-1", "Nowhere", "1", "1"],
        ["PCS-1", store.name, "-3", "1"],
        ["PCS-1", store.name, "1", "-1"],
        ["M-1", store.name, "1", "1"],  # M-1 at this store twice
    )

    assert (run.to_create, run.error_count) == (1, 6)
    messages = [error[3] for error in run.errors]
    assert "Drill is counted in whole pieces: 2.5 is not a whole number" in messages
    assert any("no product has SKU NOPE" in message for message in messages)
    assert any("Nowhere" in message for message in messages)
    assert any("earlier row" in message for message in messages)

    import_apply(run=run)

    assert list(StockMovement.objects.values_list("product__sku", "quantity")) == [
        ("M-1", Decimal("2.5"))
    ]


def test_all_or_nothing_opening_stock_with_a_bad_row_moves_nothing(manager, store):
    ProductFactory(sku="A-1")
    run = opening(
        manager, ["A-1", store.name, "5", "1"], ["A-1", "Nowhere", "1", "1"], all_or_nothing=True
    )

    import_apply(run=run)

    assert run.status == ImportRun.Status.REFUSED
    assert not StockMovement.objects.exists()
    assert Product.objects.get().on_hand == 0


def test_an_opening_balance_is_entered_once_so_a_second_import_counts_nothing_twice(
    manager, store, other_store
):
    ProductFactory(sku="BOLT-1")
    first = opening(manager, ["BOLT-1", store.name, "10", "2.00"])
    import_apply(run=first)

    # The same file again (or a run re-started after it failed half-way), plus a new row.
    again = opening(
        manager, ["BOLT-1", store.name, "10", "2.00"], ["BOLT-1", other_store.name, "4", "2.00"]
    )
    import_apply(run=again)

    assert (again.to_create, again.error_count) == (1, 1)
    assert (
        f"has an opening balance at {store.name} already (import #{first.pk})"
        in (again.errors[0][3])
    )
    levels = dict(StockLevel.objects.values_list("store_id", "quantity"))
    assert levels == {store.pk: Decimal("10"), other_store.pk: Decimal("4")}


def test_opening_quantities_and_costs_keep_a_document_lines_bounds(manager, store):
    ProductFactory(sku="BOLT-1")
    run = opening(
        manager,
        ["BOLT-1", store.name, "1000001", "1"],
        ["BOLT-1", store.name, "1", "1000000.01"],
    )

    assert run.error_count == 2
    assert [error[1] for error in run.errors] == ["Qty", "Unit cost"]
