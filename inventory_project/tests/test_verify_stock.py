from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from accounts.tests.factories import staff_user
from products.models import StockLevel, StockMovement
from products.services import stock_adjust
from products.tests.factories import ProductFactory
from purchases.tests.factories import receive
from sales.services import sale_void
from sales.tests.factories import make_sale
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def verify_stock() -> str:
    out = StringIO()
    call_command("verify_stock", stdout=out)
    return out.getvalue()


def verify_stock_failure() -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_stock", stdout=out)
    return out.getvalue(), str(raised.value)


@pytest.fixture
def traded_stock():
    """Two products in two stores after purchases, sales, a void and an adjustment."""
    main, harbour = StoreFactory(name="Main", code="MAIN"), StoreFactory(name="Harbour", code="HB")
    hammer = ProductFactory(sku="HAM-1", name="Claw Hammer")
    tape = ProductFactory(sku="TAPE-8", name="Tape Measure")
    receive(hammer, main, 10)
    receive(tape, main, 4)
    receive(hammer, harbour, 3)
    make_sale(store=main, lines=[(hammer, 4), (tape, 1)])
    sale = make_sale(store=harbour, lines=[(hammer, 3)])
    sale_void(sale=sale, user=staff_user(), reason="Returned")
    stock_adjust(product=tape, store=main, user=staff_user(), reason="Stocktake", counted=2)
    return {"main": main, "harbour": harbour, "hammer": hammer, "tape": tape}


def test_verify_stock_empty_database_is_ok():
    assert verify_stock().startswith("OK: all 0 stock levels match the ledger")


def test_verify_stock_after_purchases_and_sales_is_ok(traded_stock):
    output = verify_stock()

    assert "OK: all 3 stock levels match the ledger (8 movements), every average cost" in output


def test_verify_stock_corrupted_level_is_reported_and_fails(traded_stock):
    StockLevel.objects.filter(product=traded_stock["hammer"], store=traded_stock["main"]).update(
        quantity=F("quantity") + 2
    )

    output, error = verify_stock_failure()

    assert "HAM-1 Claw Hammer at MAIN Main: on hand 8, ledger 6 (off by +2)" in output
    assert "TAPE-8" not in output
    assert "1 stock level(s) differ from the ledger" in error


def test_verify_stock_level_without_movements_is_reported(traded_stock):
    StockLevel.objects.create(
        product=traded_stock["tape"], store=traded_stock["harbour"], quantity=5
    )

    output, error = verify_stock_failure()

    assert "TAPE-8 Tape Measure at HB Harbour: on hand 5, ledger 0 (off by +5)" in output
    assert "1 stock level(s)" in error


def test_verify_stock_movements_without_level_are_reported(traded_stock):
    StockLevel.objects.filter(product=traded_stock["tape"], store=traded_stock["main"]).delete()

    output, error = verify_stock_failure()

    assert "TAPE-8 Tape Measure at MAIN Main: no stock level row, ledger 2" in output
    assert "1 stock level(s)" in error


def test_verify_stock_reports_every_difference(traded_stock):
    StockLevel.objects.update(quantity=F("quantity") + 1)
    StockMovement.objects.create(
        product=traded_stock["tape"],
        store=traded_stock["harbour"],
        quantity=7,
        balance_after=7,
        kind=StockMovement.Kind.ADJUSTMENT,
    )

    output, error = verify_stock_failure()

    assert output.count("off by +1") == 3
    assert "TAPE-8 Tape Measure at HB Harbour: no stock level row, ledger 7" in output
    assert "4 stock level(s)" in error


def test_verify_stock_query_count_does_not_grow_with_rows(django_assert_num_queries):
    store = StoreFactory()
    for _ in range(5):
        receive(ProductFactory(), store, 3)

    # Valuation: the average costs and the whole ledger, streamed (2). One query
    # for the stock differences, two counts for the summary line, and for the
    # running totals the recomputed and the stored rows of purchase days, sale
    # days and product sales (6), the sale lines whose copy of their sale's date or
    # state differs (1), the sale lines costed unlike the ledger (1), and
    # what is in transit by the transfers and by the ledger, and the transfer lines
    # costed unlike their departure (3); purchase orders' received quantities by their
    # receipts and as stored, and on order by the open orders and as stored (4); the
    # products' kept totals as stored and by their stock rows, the stores' kept totals
    # (their parts) as stored and by their stock rows, the stock rows whose kept rule,
    # value or listing is stale (7). Customer returns: the recomputed (2) and
    # stored return days, the restocked lines and their movements (2), the over-returned
    # sale lines and those with more money back than paid, the returned units per product,
    # the return lines costed unlike their sale lines (9). Returns to suppliers: the
    # recomputed and stored return days (2), the returned lines and their movements (2),
    # the over-returned purchase lines, and those with more tax sent back than charged (6).
    with django_assert_num_queries(42):
        verify_stock()


def test_verify_stock_query_count_with_differences_is_constant(
    traded_stock, django_assert_num_queries
):
    StockLevel.objects.update(quantity=F("quantity") + 1)

    # Valuation's 2, the running totals' 31 (transfers in transit, purchase orders' on
    # order, the stores' kept totals, both kinds of returns and the sale lines' copies of
    # their sales included), the stock differences, then the products and stores they name.
    with django_assert_num_queries(42):
        verify_stock_failure()
