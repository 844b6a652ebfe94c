"""The stock engine under real concurrency: real threads, one database connection each.

PostgreSQL and MariaDB serialise stock changes with ``SELECT … FOR UPDATE``
taken in primary-key order. SQLite has no row locks; the project opens every
transaction with ``BEGIN IMMEDIATE`` so writers queue for the database lock
(see settings). pytest-django's SQLite test database lives in memory with a
shared cache, where a blocked writer fails at once with "database table is
locked" instead of waiting, which is not how the app runs. So on SQLite the
``threaded_database`` fixture copies the test database into a file and points
every connection of the test at it, giving the same WAL + IMMEDIATE setup the
app uses in production.

Each test prints its figures (threads, attempts, successes, seconds) and the
module prints them all again at the end of the run.
"""

import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum
from django.utils import timezone

from core.exceptions import AlreadyVoided, OperationRefused
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import Product, StockLevel, StockMovement, Unit
from products.services import InsufficientStock, stock_adjust
from products.tests.factories import ProductFactory
from products.tests.stock_checks import assert_ledger_consistent, on_hand
from purchases.models import (
    Purchase,
    PurchaseOrder,
    PurchaseReturn,
    PurchaseReturnDay,
    PurchaseReturnLine,
)
from purchases.orders import (
    OrderRefused,
    OverReceipt,
    ReceiptLineInput,
    order_cancel,
    order_place,
    order_receive,
)
from purchases.returns import PurchaseReturnLineInput, PurchaseReturnRefused, purchase_return
from purchases.services import PurchaseLineInput, purchase_record, purchase_void
from purchases.tests.factories import make_order
from sales.models import ReturnDay, Sale, SaleDay, SaleLine, SaleReturn, SaleReturnLine
from sales.returns import ReturnLineInput, ReturnRefused, sale_return
from sales.services import SaleLineInput, sale_confirm, sale_void
from stores.models import DocumentCounter
from transfers.models import Transfer
from transfers.services import (
    TransferLineInput,
    TransferRefused,
    transfer_create,
    transfer_dispatch,
    transfer_receive,
)

# Every test runs on the threaded database, set up before any other fixture
# writes (so the shared store fixture's row is where the threads look).
pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("threaded_database"),
]

JOIN_TIMEOUT_SECONDS = 120
OrderStatus = PurchaseOrder.Status


@dataclass
class Figures:
    test: str
    database: str
    threads: int
    attempts: int
    successes: int
    seconds: float

    def __str__(self):
        return (
            f"{self.database:<10} {self.test:<48} threads={self.threads:<3} "
            f"attempts={self.attempts:<4} successes={self.successes:<4} "
            f"seconds={self.seconds:.2f}"
        )


_all_figures: list[Figures] = []


@pytest.fixture(scope="module", autouse=True)
def report_figures(request):
    """At the end of the module, print every test's figures in one block."""
    yield
    if not _all_figures:
        return
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = [str(figures) for figures in _all_figures]
    if reporter is None:
        print("\n".join(lines))
        return
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        reporter.ensure_newline()
        reporter.section("stock engine concurrency figures", sep="-")
        for line in lines:
            reporter.write_line(line)
    _all_figures.clear()


@pytest.fixture
def record_figures(request, threaded_database):
    def record(*, threads, attempts, successes, seconds):
        figures = Figures(
            request.node.name, threaded_database, threads, attempts, successes, seconds
        )
        _all_figures.append(figures)
        print(figures)
        return figures

    return record


@pytest.fixture
def threaded_database(transactional_db, tmp_path):
    """The database every thread of the test connects to; yields the vendor's name.

    On SQLite, a file copy of the in-memory test database (see the module docstring).
    """
    if connection.vendor != "sqlite":
        yield connection.vendor
        return
    memory_database = connections["default"]
    settings_dict = memory_database.settings_dict
    memory_name = settings_dict["NAME"]
    file_name = str(tmp_path / "threads.sqlite3")
    memory_database.ensure_connection()
    with sqlite3.connect(file_name) as file_copy:
        memory_database.connection.backup(file_copy)
    file_copy.close()
    # Thread connections are made from this settings dict; the main thread's
    # in-memory connection is set aside (closing it would destroy the test
    # database) and restored afterwards.
    settings_dict["NAME"] = file_name
    connections["default"] = connections.create_connection("default")
    assert not connections["default"].is_in_memory_db()
    try:
        yield "sqlite"
    finally:
        connections["default"].close()
        connections["default"] = memory_database
        settings_dict["NAME"] = memory_name


def run_together(thread_count: int, work) -> tuple[list, float]:
    """Run ``work(index)`` in ``thread_count`` threads released together by a barrier.

    Returns each thread's result (or the exception it raised) and the seconds
    from release to the last thread's end. Each thread opens its own
    connection before the barrier and closes it when done.
    """
    barrier = threading.Barrier(thread_count + 1)
    results: list = [None] * thread_count

    def target(index):
        try:
            connection.ensure_connection()
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:  # reported to the test, never lost in the thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(thread_count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_SECONDS)
    elapsed = time.perf_counter() - started
    assert not any(thread.is_alive() for thread in threads), "threads still running: a hang"
    return results, elapsed


def unexpected_errors(results, allowed=(InsufficientStock,)) -> list[BaseException]:
    """Errors other than the domain's own (deadlocks, lock timeouts, integrity errors…)."""
    errors = []
    for result in results:
        items = result if isinstance(result, list) else [result]
        errors += [
            item
            for item in items
            if isinstance(item, BaseException) and not isinstance(item, allowed)
        ]
    return errors


def receive(store, user, *lines):
    return purchase_record(
        supplier=SupplierFactory(),
        store=store,
        user=user,
        lines=[
            PurchaseLineInput(product, quantity, Decimal("3.00")) for product, quantity in lines
        ],
    )


def test_thirty_threads_selling_the_last_ten_units_sell_exactly_ten(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    receive(store, clerk, (widget, 10))
    customer = CustomerFactory()
    thread_count = 30

    def sell_one(index):
        return sale_confirm(
            customer=customer,
            store=store,
            user=clerk,
            lines=[SaleLineInput(widget, 1, Decimal("9.00"))],
        )

    results, seconds = run_together(thread_count, sell_one)

    assert unexpected_errors(results) == []
    sales = [result for result in results if isinstance(result, Sale)]
    refusals = [result for result in results if isinstance(result, InsufficientStock)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(sales), seconds=seconds
    )
    assert len(sales) == 10
    assert len(refusals) == 20
    assert Sale.objects.count() == 10
    assert on_hand(widget, store) == 0
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SALE).count() == 10
    assert_ledger_consistent()


def test_threads_cutting_the_last_metres_of_a_reel_never_cut_more_than_it_holds(
    store, clerk, record_figures
):
    # 7.5 m, and 24 cuts of 0.35 m or 0.4 m (9.0 m asked in all): exact decimals, so
    # the cuts that fit leave the exact remainder, never a negative speck of cable.
    cable = ProductFactory(name="Copper cable", unit=Unit.objects.standard()["m"])
    receive(store, clerk, (cable, Decimal("7.5")))
    customer = CustomerFactory()
    thread_count = 24
    lengths = [Decimal("0.35") if index % 2 else Decimal("0.4") for index in range(thread_count)]

    def cut(index):
        return sale_confirm(
            customer=customer,
            store=store,
            user=clerk,
            lines=[SaleLineInput(cable, lengths[index], Decimal("1.99"))],
        )

    results, seconds = run_together(thread_count, cut)

    assert unexpected_errors(results) == []
    sold = sum((line.quantity for line in SaleLine.objects.filter(product=cable)), Decimal("0"))
    record_figures(
        threads=thread_count,
        attempts=thread_count,
        successes=sum(isinstance(result, Sale) for result in results),
        seconds=seconds,
    )
    assert on_hand(cable, store) == Decimal("7.5") - sold >= 0
    # A refusal only when the last cut did not fit: less than 0.4 m is left.
    refused = [result for result in results if isinstance(result, InsufficientStock)]
    assert refused and on_hand(cable, store) < Decimal("0.4")
    assert_ledger_consistent()


def test_interleaved_purchases_and_sales_add_up(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    gadget = ProductFactory(name="Red Gadget")
    start = 20
    receive(store, clerk, (widget, start), (gadget, start))
    customer = CustomerFactory()
    supplier = SupplierFactory()
    thread_count = 16
    rounds = 6

    def buy_or_sell(index):
        """Even threads buy 3 of each product, odd threads sell 2 (or 5) of each."""
        outcomes = []
        for round_number in range(rounds):
            # Alternate the line order so locks are requested in both orders.
            products = [widget, gadget] if (index + round_number) % 2 else [gadget, widget]
            try:
                if index % 2 == 0:
                    outcomes.append(
                        purchase_record(
                            supplier=supplier,
                            store=store,
                            user=clerk,
                            lines=[PurchaseLineInput(p, 3, Decimal("4.00")) for p in products],
                        )
                    )
                else:
                    quantity = 5 if round_number % 3 == 0 else 2
                    outcomes.append(
                        sale_confirm(
                            customer=customer,
                            store=store,
                            user=clerk,
                            lines=[SaleLineInput(p, quantity, Decimal("9.00")) for p in products],
                        )
                    )
            except Exception as error:
                outcomes.append(error)
        return outcomes

    results, seconds = run_together(thread_count, buy_or_sell)

    assert unexpected_errors(results) == []
    outcomes = [outcome for result in results for outcome in result]
    successes = [o for o in outcomes if isinstance(o, Purchase | Sale)]
    record_figures(
        threads=thread_count,
        attempts=len(outcomes),
        successes=len(successes),
        seconds=seconds,
    )
    received = Counter()
    sold = Counter()
    for document in successes:
        for line in document.lines.all():
            (received if isinstance(document, Purchase) else sold)[line.product_id] += line.quantity
    assert Purchase.objects.count() == 1 + sum(isinstance(o, Purchase) for o in outcomes)
    assert Sale.objects.count() == sum(isinstance(o, Sale) for o in outcomes)
    for product in (widget, gadget):
        assert on_hand(product, store) == start + received[product.pk] - sold[product.pk]
    assert_ledger_consistent()


@pytest.mark.parametrize("operation", ["sale", "purchase"])
def test_opposite_line_orders_never_deadlock(store, clerk, record_figures, operation):
    widget = ProductFactory(name="Blue Widget")
    gadget = ProductFactory(name="Red Gadget")
    rounds = 25
    receive(store, clerk, (widget, 2 * rounds), (gadget, 2 * rounds))
    customer = CustomerFactory()
    supplier = SupplierFactory()
    line_orders = [[widget, gadget], [gadget, widget]]
    round_barrier = threading.Barrier(len(line_orders))

    def record_repeatedly(index):
        outcomes = []
        for _ in range(rounds):
            round_barrier.wait()  # both documents start each round together
            try:
                if operation == "sale":
                    outcomes.append(
                        sale_confirm(
                            customer=customer,
                            store=store,
                            user=clerk,
                            lines=[
                                SaleLineInput(p, 1, Decimal("9.00")) for p in line_orders[index]
                            ],
                        )
                    )
                else:
                    outcomes.append(
                        purchase_record(
                            supplier=supplier,
                            store=store,
                            user=clerk,
                            lines=[
                                PurchaseLineInput(p, 1, Decimal("4.00")) for p in line_orders[index]
                            ],
                        )
                    )
            except Exception as error:
                outcomes.append(error)
        return outcomes

    results, seconds = run_together(len(line_orders), record_repeatedly)

    assert unexpected_errors(results, allowed=()) == []
    attempts = len(line_orders) * rounds
    record_figures(threads=len(line_orders), attempts=attempts, successes=attempts, seconds=seconds)
    expected = 2 * rounds + (attempts if operation == "purchase" else -attempts)
    assert on_hand(widget, store) == expected
    assert on_hand(gadget, store) == expected
    assert_ledger_consistent()


def test_concurrent_voids_of_one_document_reverse_it_once(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    receive(store, clerk, (widget, 30))
    sale = sale_confirm(
        customer=CustomerFactory(),
        store=store,
        user=clerk,
        lines=[SaleLineInput(widget, 10, Decimal("9.00"))],
    )
    purchase = receive(store, clerk, (widget, 10))
    thread_count = 10

    def void_both(index):
        outcomes = []
        for void in (
            lambda: sale_void(sale=sale, user=clerk, reason=f"thread {index}"),
            lambda: purchase_void(purchase=purchase, user=clerk, reason=f"thread {index}"),
        ):
            try:
                outcomes.append(void())
            except Exception as error:
                outcomes.append(error)
        return outcomes

    results, seconds = run_together(thread_count, void_both)

    assert unexpected_errors(results, allowed=(AlreadyVoided,)) == []
    outcomes = [outcome for result in results for outcome in result]
    successes = [o for o in outcomes if not isinstance(o, BaseException)]
    record_figures(
        threads=thread_count, attempts=len(outcomes), successes=len(successes), seconds=seconds
    )
    assert len(successes) == 2
    # 30 received, 10 sold and returned, 10 received and voided.
    assert on_hand(widget, store) == 30
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SALE_VOID).count() == 1
    assert StockMovement.objects.filter(kind=StockMovement.Kind.PURCHASE_VOID).count() == 1
    assert_ledger_consistent()


def test_concurrent_stocktakes_and_sales_keep_the_ledger(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    receive(store, clerk, (widget, 50))
    customer = CustomerFactory()
    thread_count = 12
    rounds = 5

    def count_or_sell(index):
        outcomes = []
        for round_number in range(rounds):
            try:
                if index % 3 == 0:
                    outcomes.append(
                        stock_adjust(
                            product=widget,
                            store=store,
                            user=clerk,
                            reason="Stocktake",
                            counted=20 + round_number,
                        )
                    )
                elif index % 3 == 1:
                    outcomes.append(
                        stock_adjust(
                            product=widget, store=store, user=clerk, reason="Found", change=2
                        )
                    )
                else:
                    outcomes.append(
                        sale_confirm(
                            customer=customer,
                            store=store,
                            user=clerk,
                            lines=[SaleLineInput(widget, 3, Decimal("9.00"))],
                        )
                    )
            except Exception as error:
                outcomes.append(error)
        return outcomes

    results, seconds = run_together(thread_count, count_or_sell)

    assert unexpected_errors(results) == []
    outcomes = [outcome for result in results for outcome in result]
    record_figures(
        threads=thread_count,
        attempts=len(outcomes),
        successes=sum(not isinstance(o, BaseException) for o in outcomes),
        seconds=seconds,
    )
    assert on_hand(widget, store) >= 0
    assert_ledger_consistent()


def test_a_purchase_void_racing_sales_and_sale_voids_of_its_product_values_right(
    store, clerk, record_figures
):
    widget = ProductFactory(name="Blue Widget")
    receive(store, clerk, (widget, 20))  # at $3.00
    expensive = purchase_record(
        supplier=SupplierFactory(),
        store=store,
        user=clerk,
        lines=[PurchaseLineInput(widget, 20, Decimal("9.00"))],
    )
    customer = CustomerFactory()
    early = sale_confirm(
        customer=customer, store=store, user=clerk, lines=[SaleLineInput(widget, 4, Decimal("12"))]
    )
    thread_count = 11

    def work(index):
        if index == 0:
            return purchase_void(purchase=expensive, user=clerk, reason="Entered twice")
        if index in (1, 2):
            return sale_void(sale=early, user=clerk, reason=f"thread {index}")
        return sale_confirm(
            customer=customer,
            store=store,
            user=clerk,
            lines=[SaleLineInput(widget, 2, Decimal("12.00"))],
        )

    results, seconds = run_together(thread_count, work)

    assert unexpected_errors(results, allowed=(AlreadyVoided,)) == []
    successes = [result for result in results if not isinstance(result, BaseException)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(successes), seconds=seconds
    )
    # The void, one of the two sale voids, and all 8 sales of 2 (16 ≤ the 20 at $3).
    assert len(successes) == 10
    # 40 in, 4 sold and returned, 20 voided, 16 sold.
    assert on_hand(widget, store) == 4
    # Without the $9 purchase every unit was a $3 unit, whatever order the threads ran in.
    widget.refresh_from_db()
    assert widget.average_cost == Decimal("3.0000")
    live_lines = SaleLine.objects.filter(sale__voided_at__isnull=True)
    assert set(live_lines.values_list("unit_cost", flat=True)) == {Decimal("3.0000")}
    assert SaleDay.objects.get().cost == Decimal("48.0000")
    assert_ledger_consistent()


def test_transfers_dispatching_the_last_units_while_sales_sell_them_never_oversell(
    store, other_store, clerk, record_figures
):
    widget = ProductFactory(name="Blue Widget")
    receive(store, clerk, (widget, 10))
    customer = CustomerFactory()
    drafts = [
        transfer_create(
            from_store=store,
            to_store=other_store,
            lines=[TransferLineInput(widget, Decimal("2"))],
            user=clerk,
        )
        for _ in range(4)
    ]
    thread_count = 12

    def work(index):
        if index < len(drafts):
            return transfer_dispatch(transfer=drafts[index], user=clerk)
        return sale_confirm(
            customer=customer,
            store=store,
            user=clerk,
            lines=[SaleLineInput(widget, 1, Decimal("9.00"))],
        )

    results, seconds = run_together(thread_count, work)

    assert unexpected_errors(results) == []
    dispatched = Transfer.objects.filter(status=Transfer.Status.DISPATCHED).count()
    sold = Sale.objects.count()
    record_figures(
        threads=thread_count, attempts=thread_count, successes=dispatched + sold, seconds=seconds
    )
    assert 2 * dispatched + sold <= 10
    assert on_hand(widget, store) == 10 - 2 * dispatched - sold >= 0
    # Every refusal was for want of stock: nothing else went wrong.
    assert all(isinstance(result, (Sale, Transfer, InsufficientStock)) for result in results)
    assert 10 - 2 * dispatched - sold < 2  # what was refused did not fit
    assert_ledger_consistent()


def test_two_receives_of_one_transfer_receive_it_once(store, other_store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    receive(store, clerk, (widget, 10))
    transfer = transfer_create(
        from_store=store,
        to_store=other_store,
        lines=[TransferLineInput(widget, Decimal("4"))],
        user=clerk,
    )
    transfer_dispatch(transfer=transfer, user=clerk)
    thread_count = 4

    results, seconds = run_together(
        thread_count, lambda index: transfer_receive(transfer=transfer, user=clerk)
    )

    assert unexpected_errors(results, allowed=(TransferRefused,)) == []
    received = [result for result in results if isinstance(result, Transfer)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(received), seconds=seconds
    )
    assert len(received) == 1
    assert on_hand(widget, other_store) == 4
    assert StockMovement.objects.filter(kind=StockMovement.Kind.TRANSFER_IN).count() == 1
    assert_ledger_consistent()


# Purchase orders: each step locks the order's row, then the engine's products
# and stock rows; voiding a receipt locks the receipt, then its order, then the
# products. Receipts and voids of one order queue on the order; receipts and
# sales of one product on the product.


def on_order(product, store) -> Decimal:
    return StockLevel.objects.filter(product=product, store=store).values_list(
        "on_order", flat=True
    ).first() or Decimal("0")


def deadlock_retries(caplog) -> list[str]:
    """The units of work the database chose as a deadlock's victim (and that ran again).

    The retry keeps a deadlock from reaching the user; none at all shows the
    lock order itself keeps the cycle from forming.
    """
    return [record.getMessage() for record in caplog.records if record.name == "core.transactions"]


def receive_against(order, user, *quantities):
    """Receive ``quantities`` against the order's lines, in line order (0: not this line)."""
    return order_receive(
        order=order,
        user=user,
        lines=[
            ReceiptLineInput(order_line=line, quantity=Decimal(quantity))
            for line, quantity in zip(order.lines.all(), quantities, strict=False)
            if quantity
        ],
    )


@pytest.mark.parametrize(
    ("other_line", "refusal"),
    [(Decimal("5"), OverReceipt), (None, OrderRefused)],
    ids=["another-line-still-open", "the-order-is-then-received"],
)
def test_receipts_of_the_last_outstanding_units_receive_them_once(
    store, clerk, record_figures, other_line, refusal
):
    widget = ProductFactory(name="Blue Widget")
    gadget = ProductFactory(name="Red Gadget")
    lines = [(widget, 10, Decimal("3.00"))] + ([(gadget, other_line)] if other_line else [])
    order = make_order(store=store, lines=lines, user=clerk, place=True)
    receive_against(order, clerk, 6)
    thread_count = 6

    results, seconds = run_together(thread_count, lambda index: receive_against(order, clerk, 4))

    assert unexpected_errors(results, allowed=(refusal,)) == []
    receipts = [result for result in results if isinstance(result, Purchase)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(receipts), seconds=seconds
    )
    assert len(receipts) == 1
    assert all(isinstance(result, Purchase | refusal) for result in results)
    assert on_hand(widget, store) == 10
    assert on_order(widget, store) == 0
    assert on_order(gadget, store) == (other_line or 0)
    assert order.lines.get(product=widget).received_quantity == 10
    order.refresh_from_db()
    assert order.status == (OrderStatus.PARTIAL if other_line else OrderStatus.RECEIVED)
    assert Purchase.objects.filter(order=order).count() == 2
    assert StockMovement.objects.filter(kind=StockMovement.Kind.PURCHASE).count() == 2
    assert_ledger_consistent()


def test_receipts_racing_sales_of_the_same_products_never_deadlock(
    store, clerk, record_figures, caplog
):
    widget = ProductFactory(name="Blue Widget")
    gadget = ProductFactory(name="Red Gadget")
    receive(store, clerk, (widget, 20), (gadget, 20))
    order = make_order(
        store=store, lines=[(widget, 40, Decimal("3.00")), (gadget, 40)], user=clerk, place=True
    )
    widget_line, gadget_line = order.lines.all()
    customer = CustomerFactory()
    thread_count = 8
    rounds = 5

    def receive_or_sell(index):
        """Even threads receive 2 of each (40 in all), odd threads sell 1 of each (20)."""
        outcomes = []
        for round_number in range(rounds):
            # Alternate the line order so locks are requested in both orders.
            first_widget = (index + round_number) % 2
            try:
                if index % 2 == 0:
                    lines = [ReceiptLineInput(widget_line, 2), ReceiptLineInput(gadget_line, 2)]
                    outcomes.append(
                        order_receive(
                            order=order, user=clerk, lines=lines if first_widget else lines[::-1]
                        )
                    )
                else:
                    products = [widget, gadget] if first_widget else [gadget, widget]
                    outcomes.append(
                        sale_confirm(
                            customer=customer,
                            store=store,
                            user=clerk,
                            lines=[SaleLineInput(p, 1, Decimal("9.00")) for p in products],
                        )
                    )
            except Exception as error:
                outcomes.append(error)
        return outcomes

    results, seconds = run_together(thread_count, receive_or_sell)

    assert unexpected_errors(results, allowed=()) == []
    assert deadlock_retries(caplog) == []
    attempts = thread_count * rounds
    record_figures(threads=thread_count, attempts=attempts, successes=attempts, seconds=seconds)
    for product in (widget, gadget):
        assert on_hand(product, store) == 20 + 40 - 20
        assert on_order(product, store) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert_ledger_consistent()


def test_receipt_voids_racing_new_receipts_of_one_order_keep_it_counted(
    store, clerk, record_figures, caplog
):
    widget = ProductFactory(name="Blue Widget")
    gadget = ProductFactory(name="Red Gadget")
    order = make_order(
        store=store, lines=[(widget, 20, Decimal("3.00")), (gadget, 20)], user=clerk, place=True
    )
    earlier = [receive_against(order, clerk, 2, 1) for _ in range(4)]  # 8 and 4 received
    voiders = len(earlier)
    thread_count = voiders + 4

    def void_or_receive(index):
        """The first threads void an earlier receipt each; the others receive twice
        (1 and 1 of each) and void their first receipt: one unit of each stays."""
        if index < voiders:
            return [purchase_void(purchase=earlier[index], user=clerk, reason="wrong delivery")]
        outcomes = []
        try:
            first = receive_against(order, clerk, 1, 1)
            outcomes.append(first)
            outcomes.append(receive_against(order, clerk, 1, 1))
            outcomes.append(purchase_void(purchase=first, user=clerk, reason="entered twice"))
        except Exception as error:
            outcomes.append(error)
        return outcomes

    results, seconds = run_together(thread_count, void_or_receive)

    assert unexpected_errors(results, allowed=()) == []
    assert deadlock_retries(caplog) == []
    outcomes = [outcome for result in results for outcome in result]
    record_figures(
        threads=thread_count, attempts=len(outcomes), successes=len(outcomes), seconds=seconds
    )
    receivers = thread_count - voiders
    for product in (widget, gadget):
        assert on_hand(product, store) == receivers
        assert on_order(product, store) == 20 - receivers
        assert order.lines.get(product=product).received_quantity == receivers
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIAL
    assert Purchase.objects.filter(order=order, voided_at__isnull=True).count() == receivers
    assert_ledger_consistent()


def test_placements_of_one_draft_place_it_once(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    gadget = ProductFactory(name="Red Gadget")
    draft = make_order(store=store, lines=[(widget, 10), (gadget, 5)], user=clerk)
    thread_count = 4

    results, seconds = run_together(
        thread_count, lambda index: order_place(order=draft, user=clerk)
    )

    assert unexpected_errors(results, allowed=(OrderRefused,)) == []
    placed = [result for result in results if isinstance(result, PurchaseOrder)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(placed), seconds=seconds
    )
    assert len(placed) == 1
    assert (on_order(widget, store), on_order(gadget, store)) == (10, 5)
    draft.refresh_from_db()
    assert draft.status == OrderStatus.ORDERED
    assert not StockMovement.objects.exists()
    assert_ledger_consistent()


def test_a_cancel_racing_a_receipt_lets_one_of_them_through(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    order = make_order(store=store, lines=[(widget, 10, Decimal("3.00"))], user=clerk, place=True)

    def cancel_or_receive(index):
        if index == 0:
            return order_cancel(order=order, user=clerk, reason="supplier out of stock")
        return receive_against(order, clerk, 4)

    results, seconds = run_together(2, cancel_or_receive)

    assert unexpected_errors(results, allowed=(OrderRefused,)) == []
    through = [result for result in results if not isinstance(result, BaseException)]
    record_figures(threads=2, attempts=2, successes=len(through), seconds=seconds)
    assert len(through) == 1
    order.refresh_from_db()
    if isinstance(through[0], Purchase):
        assert (order.status, on_hand(widget, store), on_order(widget, store)) == (
            OrderStatus.PARTIAL,
            4,
            6,
        )
    else:
        assert (order.status, on_hand(widget, store), on_order(widget, store)) == (
            OrderStatus.CANCELLED,
            0,
            0,
        )
    assert_ledger_consistent()


def test_returns_of_the_last_returnable_unit_take_it_back_once(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    receive(store, clerk, (widget, 10))
    sale = sale_confirm(
        customer=CustomerFactory(),
        store=store,
        user=clerk,
        lines=[SaleLineInput(widget, 5, Decimal("9.00"))],
    )
    line = sale.lines.get()
    sale_return(sale=sale, lines=[ReturnLineInput(line, Decimal("4"))], user=clerk)
    thread_count = 8

    def return_one(index):
        # Half restock, half write off: both kinds count against the same line.
        return sale_return(
            sale=sale, lines=[ReturnLineInput(line, Decimal("1"), index % 2 == 0)], user=clerk
        )

    results, seconds = run_together(thread_count, return_one)

    assert unexpected_errors(results, allowed=(ReturnRefused,)) == []
    successes = [result for result in results if not isinstance(result, BaseException)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(successes), seconds=seconds
    )
    assert len(successes) == 1
    assert SaleReturnLine.objects.aggregate(total=Sum("quantity"))["total"] == 5
    restocked = 4 + (1 if successes[0].lines.get().restock else 0)
    assert on_hand(widget, store) == 5 + restocked
    assert ReturnDay.objects.get().units == 5
    assert_ledger_consistent()


def test_a_void_racing_returns_of_one_sale_lets_one_side_through(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    receive(store, clerk, (widget, 10))
    sale = sale_confirm(
        customer=CustomerFactory(),
        store=store,
        user=clerk,
        lines=[SaleLineInput(widget, 6, Decimal("9.00"))],
    )
    line = sale.lines.get()
    thread_count = 6

    def void_or_return(index):
        if index == 0:
            return sale_void(sale=sale, user=clerk, reason="racing")
        return sale_return(sale=sale, lines=[ReturnLineInput(line, Decimal("1"))], user=clerk)

    results, seconds = run_together(thread_count, void_or_return)

    assert unexpected_errors(results, allowed=(ReturnRefused, OperationRefused)) == []
    successes = [result for result in results if not isinstance(result, BaseException)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(successes), seconds=seconds
    )
    sale.refresh_from_db()
    returned = SaleReturnLine.objects.aggregate(total=Sum("quantity"))["total"] or 0
    if sale.is_voided:  # the void came first: no return got through after it
        assert returned == 0 and len(successes) == 1
        assert on_hand(widget, store) == 10
    else:  # a return came first: the void was refused, every return got through
        assert returned == thread_count - 1 and len(successes) == thread_count - 1
        assert on_hand(widget, store) == 4 + returned
    assert_ledger_consistent()


def test_returns_racing_sales_of_the_same_products_never_deadlock(store, clerk, record_figures):
    widget, gadget = ProductFactory(name="Blue Widget"), ProductFactory(name="Red Gadget")
    receive(store, clerk, (widget, 100), (gadget, 100))
    sales = [
        sale_confirm(
            customer=CustomerFactory(),
            store=store,
            user=clerk,
            lines=[SaleLineInput(widget, 2, Decimal("9.00")), SaleLineInput(gadget, 2, 5)],
        )
        for _ in range(5)
    ]
    thread_count = 10

    def return_or_sell(index):
        if index % 2:
            sale = sales[index // 2]
            # Lines in reverse product order: the engine still locks by primary key.
            return sale_return(
                sale=sale,
                lines=[ReturnLineInput(line, Decimal("2")) for line in reversed(sale.lines.all())],
                user=clerk,
            )
        return sale_confirm(
            customer=CustomerFactory(),
            store=store,
            user=clerk,
            lines=[SaleLineInput(gadget, 1, 5), SaleLineInput(widget, 1, Decimal("9.00"))],
        )

    results, seconds = run_together(thread_count, return_or_sell)

    assert unexpected_errors(results) == []
    record_figures(threads=thread_count, attempts=thread_count, successes=10, seconds=seconds)
    # 100 in, 10 sold first and returned, 5 more sold.
    assert on_hand(widget, store) == on_hand(gadget, store) == 95
    assert_ledger_consistent()


def test_sales_at_once_take_every_number_once_without_gaps(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    receive(store, clerk, (widget, 100))
    thread_count = 12

    def sell_or_fail(index):
        lines = [SaleLineInput(widget, 1, Decimal("9.00"))]
        if index % 4 == 3:  # refused after taking no number: asks for more than there is
            lines = [SaleLineInput(widget, 1000, Decimal("9.00"))]
        return sale_confirm(customer=CustomerFactory(), store=store, user=clerk, lines=lines)

    results, seconds = run_together(thread_count, sell_or_fail)

    assert unexpected_errors(results) == []
    successes = [result for result in results if not isinstance(result, BaseException)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(successes), seconds=seconds
    )
    assert len(successes) == 9
    year = successes[0].date.year
    numbers = sorted(Sale.objects.values_list("number", flat=True))
    assert numbers == [f"{store.code}-{year}-{n:06d}" for n in range(1, 10)]


# Every numbered document takes its number last in its transaction (stores.numbering).
# The tests below race documents of one store that lock little else in common, with
# attempts refused in the same race that must give no number away.


def assert_numbered_without_gaps(documents, numbered, *, series, stem):
    """``documents`` (what the threads got back) hold ``stem`` 000001 … n, each once.

    ``numbered`` is every document of the series saved with a number, so a
    refused attempt that kept one shows. The counter row of the series ends at n.
    """
    expected = [f"{stem}{n:06d}" for n in range(1, len(documents) + 1)]
    assert sorted(numbered.values_list("number", flat=True)) == expected, "numbers saved"
    assert sorted(document.number for document in documents) == expected, "numbers returned"
    counter = DocumentCounter.objects.get(key=f"{series}:{stem.upper()}")
    assert counter.last_number == len(documents), "the counter row"


def days_of_one_year(count):
    """``count`` days up to today (or to the end of last year, early in January), all
    in one year. Returns dated each on its own day add to different day-totals rows,
    so nothing queues them before the store's counter does."""
    today = timezone.localdate()
    last = today if today.timetuple().tm_yday >= count else date(today.year - 1, 12, 31)
    return [last - timedelta(days=count - 1 - index) for index in range(count)]


def test_customer_returns_at_once_take_every_credit_note_number_once_without_gaps(
    store, clerk, record_figures
):
    # 3 sales of 3 products each, every product its own: each of the 9 lines comes
    # back once, on a day of its own, so the returns of different sales share no lock
    # but the counter.
    days = days_of_one_year(9)
    products = [ProductFactory() for _ in range(9)]
    purchase_record(
        supplier=SupplierFactory(),
        store=store,
        user=clerk,
        date=days[0],
        lines=[PurchaseLineInput(product, 10, Decimal("3.00")) for product in products],
    )
    customer = CustomerFactory()

    def sell(products):
        return sale_confirm(
            customer=customer,
            store=store,
            user=clerk,
            date=days[0],
            lines=[SaleLineInput(product, 5, Decimal("9.00")) for product in products],
        )

    sales = [sell(products[first : first + 3]) for first in (0, 3, 6)]
    lines = [line for sale in sales for line in sale.lines.all()]
    voided = sell(products[:1])
    sale_void(sale=voided, user=clerk, reason="entered twice")

    def give_back(line, quantity, *, day, restock=True):
        return lambda: sale_return(
            sale=line.sale,
            lines=[ReturnLineInput(line, Decimal(quantity), restock)],
            user=clerk,
            date=day,
        )

    attempts = [
        *(
            give_back(line, 1, day=day, restock=index % 2 == 0)
            for index, (line, day) in enumerate(zip(lines, days, strict=True))
        ),
        # Refused, and must take no number: more than was sold; a voided sale.
        give_back(lines[0], 6, day=days[-1]),
        give_back(voided.lines.get(), 1, day=days[-1]),
    ]
    thread_count = len(attempts)

    results, seconds = run_together(thread_count, lambda index: attempts[index]())

    assert unexpected_errors(results, allowed=(ReturnRefused,)) == []
    returns = [result for result in results if isinstance(result, SaleReturn)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(returns), seconds=seconds
    )
    assert len(returns) == 9
    assert [type(result) for result in results[-2:]] == [ReturnRefused, ReturnRefused]
    assert_numbered_without_gaps(
        returns,
        SaleReturn.objects.all(),
        series="return",
        stem=f"CN-{store.code}-{days[0].year}-",
    )
    assert sorted(ReturnDay.objects.values_list("date", flat=True)) == days
    assert_ledger_consistent()


def test_orders_placed_at_once_take_every_order_number_once_without_gaps(
    store, clerk, record_figures
):
    # A product of its own per order: the placements share only the store's counter.
    drafts = [
        make_order(store=store, lines=[(ProductFactory(), 10, Decimal("3.00"))], user=clerk)
        for _ in range(9)
    ]
    archived = make_order(store=store, lines=[(ProductFactory(), 10)], user=clerk)
    Product.objects.filter(pk=archived.lines.get().product_id).update(is_active=False)
    # Refused, and must take no number: the second placing of two drafts (whichever
    # of its two threads comes second), and a draft of an archived product.
    attempts = [*drafts, drafts[0], drafts[1], archived]
    thread_count = len(attempts)

    results, seconds = run_together(
        thread_count, lambda index: order_place(order=attempts[index], user=clerk)
    )

    assert unexpected_errors(results, allowed=(OrderRefused,)) == []
    placed = [result for result in results if isinstance(result, PurchaseOrder)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(placed), seconds=seconds
    )
    assert sorted(order.pk for order in placed) == sorted(draft.pk for draft in drafts)
    assert_numbered_without_gaps(
        placed,
        PurchaseOrder.objects.exclude(number=None),
        series="purchase_order",
        stem=f"PO-{store.code}-{timezone.localdate(placed[0].ordered_at).year}-",
    )
    archived.refresh_from_db()
    assert (archived.status, archived.number) == (OrderStatus.DRAFT, None)
    assert_ledger_consistent()


def test_transfers_dispatched_at_once_take_every_transfer_number_once_without_gaps(
    store, other_store, clerk, record_figures
):
    # A product of its own per transfer: the dispatches share only the store's counter.
    products = [ProductFactory() for _ in range(9)]
    receive(store, clerk, *((product, 5) for product in products))

    def draft(product, quantity):
        return transfer_create(
            from_store=store,
            to_store=other_store,
            lines=[TransferLineInput(product, Decimal(quantity))],
            user=clerk,
        )

    drafts = [draft(product, 2) for product in products]
    too_many = draft(ProductFactory(), 1)  # none of it in the store
    # Refused, and must take no number: the second dispatch of two drafts (whichever
    # of its two threads comes second), and a draft of more than the store holds.
    attempts = [*drafts, drafts[0], drafts[1], too_many]
    thread_count = len(attempts)

    results, seconds = run_together(
        thread_count, lambda index: transfer_dispatch(transfer=attempts[index], user=clerk)
    )

    assert unexpected_errors(results, allowed=(InsufficientStock, TransferRefused)) == []
    dispatched = [result for result in results if isinstance(result, Transfer)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(dispatched), seconds=seconds
    )
    assert sorted(transfer.pk for transfer in dispatched) == sorted(draft.pk for draft in drafts)
    assert isinstance(results[-1], InsufficientStock)
    assert_numbered_without_gaps(
        dispatched,
        Transfer.objects.exclude(number=None),
        series="transfer",
        stem=f"TR-{store.code}-{timezone.localdate(dispatched[0].dispatched_at).year}-",
    )
    too_many.refresh_from_db()
    assert (too_many.status, too_many.number) == (Transfer.Status.DRAFT, None)
    assert_ledger_consistent()


def test_returns_to_suppliers_at_once_take_every_debit_note_number_once_without_gaps(
    store, clerk, record_figures
):
    # 3 purchases of 3 products each, every product its own: one unit of each of the
    # 9 lines goes back, on a day of its own, so the returns of different purchases
    # share no lock but the counter.
    days = days_of_one_year(9)
    products = [ProductFactory() for _ in range(9)]

    def buy(products, quantity=5):
        return purchase_record(
            supplier=SupplierFactory(),
            store=store,
            user=clerk,
            date=days[0],
            lines=[PurchaseLineInput(product, quantity, Decimal("3.00")) for product in products],
        )

    purchases = [buy(products[first : first + 3]) for first in (0, 3, 6)]
    lines = [line for purchase in purchases for line in purchase.lines.all()]
    voided = buy(products[:1])
    purchase_void(purchase=voided, user=clerk, reason="entered twice")
    # Returnable, but the store no longer holds it: refused by the stock engine,
    # after the debit note's row was written (and rolled back with it).
    sold_out = buy([ProductFactory(name="Brass Bolt")], quantity=2)
    stock_adjust(
        product=sold_out.lines.get().product, store=store, user=clerk, reason="Sold", change=-2
    )

    def send_back(line, quantity, *, day):
        return lambda: purchase_return(
            purchase=line.purchase,
            lines=[PurchaseReturnLineInput(line, Decimal(quantity))],
            user=clerk,
            date=day,
        )

    attempts = [
        *(send_back(line, 1, day=day) for line, day in zip(lines, days, strict=True)),
        # Refused, and must take no number: more than was bought; a voided purchase;
        # more than the store holds.
        send_back(lines[0], 6, day=days[-1]),
        send_back(voided.lines.get(), 1, day=days[-1]),
        send_back(sold_out.lines.get(), 1, day=days[-1]),
    ]
    thread_count = len(attempts)

    results, seconds = run_together(thread_count, lambda index: attempts[index]())

    assert unexpected_errors(results, allowed=(InsufficientStock, PurchaseReturnRefused)) == []
    returns = [result for result in results if isinstance(result, PurchaseReturn)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(returns), seconds=seconds
    )
    assert len(returns) == 9
    assert [type(result) for result in results[-3:]] == [
        PurchaseReturnRefused,
        PurchaseReturnRefused,
        InsufficientStock,
    ]
    assert_numbered_without_gaps(
        returns,
        PurchaseReturn.objects.all(),
        series="debit_note",
        stem=f"DN-{store.code}-{days[0].year}-",
    )
    assert sorted(PurchaseReturnDay.objects.values_list("date", flat=True)) == days
    assert_ledger_consistent()


def sent_back_to_suppliers() -> Decimal:
    return PurchaseReturnLine.objects.aggregate(total=Sum("quantity"))["total"] or 0


def test_returns_to_the_supplier_of_the_last_returnable_unit_send_it_back_once(
    store, clerk, record_figures
):
    widget = ProductFactory(name="Blue Widget")
    purchase = receive(store, clerk, (widget, 5))
    line = purchase.lines.get()
    purchase_return(
        purchase=purchase, lines=[PurchaseReturnLineInput(line, Decimal("4"))], user=clerk
    )
    thread_count = 8

    def return_one(index):
        return purchase_return(
            purchase=purchase, lines=[PurchaseReturnLineInput(line, Decimal("1"))], user=clerk
        )

    results, seconds = run_together(thread_count, return_one)

    assert unexpected_errors(results, allowed=(PurchaseReturnRefused,)) == []
    successes = [result for result in results if not isinstance(result, BaseException)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(successes), seconds=seconds
    )
    assert len(successes) == 1
    assert successes[0].number == f"DN-{store.code}-{successes[0].date.year}-000002"
    assert sent_back_to_suppliers() == 5
    assert on_hand(widget, store) == 0
    assert PurchaseReturnDay.objects.get().units == 5
    assert_ledger_consistent()


def test_returns_to_suppliers_of_the_stores_last_unit_send_it_back_once(
    store, clerk, record_figures
):
    """Two purchases could each still send units back, but the store holds only one."""
    widget = ProductFactory(name="Blue Widget")
    purchases = [receive(store, clerk, (widget, 5)), receive(store, clerk, (widget, 5))]
    stock_adjust(product=widget, store=store, user=clerk, reason="Sold", change=Decimal("-9"))
    thread_count = 8

    def return_one(index):
        purchase = purchases[index % 2]
        return purchase_return(
            purchase=purchase,
            lines=[PurchaseReturnLineInput(purchase.lines.get(), Decimal("1"))],
            user=clerk,
        )

    results, seconds = run_together(thread_count, return_one)

    assert unexpected_errors(results) == []  # the others: InsufficientStock
    successes = [result for result in results if not isinstance(result, BaseException)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(successes), seconds=seconds
    )
    assert len(successes) == 1
    assert sent_back_to_suppliers() == 1
    assert on_hand(widget, store) == 0
    assert_ledger_consistent()


def test_a_void_racing_returns_to_the_supplier_lets_one_side_through(store, clerk, record_figures):
    widget = ProductFactory(name="Blue Widget")
    purchase = receive(store, clerk, (widget, 6))
    line = purchase.lines.get()
    thread_count = 6

    def void_or_return(index):
        if index == 0:
            return purchase_void(purchase=purchase, user=clerk, reason="racing")
        return purchase_return(
            purchase=purchase, lines=[PurchaseReturnLineInput(line, Decimal("1"))], user=clerk
        )

    results, seconds = run_together(thread_count, void_or_return)

    assert unexpected_errors(results, allowed=(OperationRefused,)) == []
    successes = [result for result in results if not isinstance(result, BaseException)]
    record_figures(
        threads=thread_count, attempts=thread_count, successes=len(successes), seconds=seconds
    )
    purchase.refresh_from_db()
    if purchase.is_voided:  # the void came first: no return got through after it
        assert sent_back_to_suppliers() == 0 and len(successes) == 1
    else:  # a return came first: the void was refused, every return got through
        assert sent_back_to_suppliers() == thread_count - 1
        assert len(successes) == thread_count - 1
    assert on_hand(widget, store) == (0 if purchase.is_voided else 1)
    assert_ledger_consistent()


def test_returns_racing_a_revaluing_void_of_their_product_keep_costs_in_step(
    store, clerk, record_figures
):
    """A purchase void re-costs a sale and its returns while more of the sale comes back."""
    widget = ProductFactory(name="Blue Widget")
    purchase_record(
        supplier=SupplierFactory(),
        store=store,
        user=clerk,
        lines=[PurchaseLineInput(widget, 10, Decimal("2.00"))],
    )
    dear = purchase_record(
        supplier=SupplierFactory(),
        store=store,
        user=clerk,
        lines=[PurchaseLineInput(widget, 10, Decimal("8.00"))],
    )
    sales = [
        sale_confirm(
            customer=CustomerFactory(),
            store=store,
            user=clerk,
            lines=[SaleLineInput(widget, 2, Decimal("9.00"))],
        )
        for _ in range(4)
    ]
    # Each sale already has a return line, which the void must re-cost: the lock
    # order (sale, products, then its return lines) must not cross the void's.
    for sale in sales:
        sale_return(sale=sale, lines=[ReturnLineInput(sale.lines.get(), Decimal("1"))], user=clerk)
    thread_count = 5

    def return_or_void(index):
        if index == 0:
            return purchase_void(purchase=dear, user=clerk, reason="entered twice")
        sale = sales[index - 1]
        return sale_return(
            sale=sale, lines=[ReturnLineInput(sale.lines.get(), Decimal("1"))], user=clerk
        )

    results, seconds = run_together(thread_count, return_or_void)

    assert unexpected_errors(results) == []
    record_figures(threads=thread_count, attempts=thread_count, successes=5, seconds=seconds)
    # 20 in, 10 voided, 8 sold and all 8 back: 10 at 2.00.
    assert on_hand(widget, store) == 10
    widget.refresh_from_db()
    assert widget.average_cost == Decimal("2.0000")
    assert set(SaleReturnLine.objects.values_list("unit_cost", flat=True)) == {Decimal("2.0000")}
    assert_ledger_consistent()
