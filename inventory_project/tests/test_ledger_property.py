"""Property: whatever sequence of purchases, sales, voids and adjustments happens,
on-hand is never negative and always equals the ledger, a refused operation
changes nothing, and valuation is what replaying history without the voided
documents gives.

Hypothesis generates the sequences over 2 products × 2 stores; a plain dict of
expected quantities is the model the database is checked against after every
step, including *which* operations must be refused and which products they
must name. For valuation the model keeps each product's history and values it
from scratch at every step (a second, deliberately simple implementation of
the moving average): every average cost, every sale line's cost, and which
purchase voids must be refused because later movements took their units.
"""

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from core.exceptions import AlreadyVoided
from people.tests.factories import CustomerFactory, SupplierFactory
from products.models import Product, StockLevel, Unit
from products.services import InsufficientStock, stock_adjust
from products.tests.factories import ProductFactory
from products.tests.stock_checks import assert_ledger_consistent, stock_snapshot
from products.valuation import ValuationRefused
from purchases.services import PurchaseLineInput, purchase_record, purchase_void
from sales.models import SaleLine
from sales.services import SaleLineInput, sale_confirm, sale_void
from stores.tests.factories import StoreFactory
from transfers.services import (
    TransferLineInput,
    transfer_cancel,
    transfer_create,
    transfer_dispatch,
    transfer_receive,
)

pytestmark = pytest.mark.django_db

PRODUCTS = 2
STORES = 2

product_index = st.integers(0, PRODUCTS - 1)
store_index = st.integers(0, STORES - 1)
# A whole part and a fraction: product 0 is counted in pieces (the fraction is
# dropped), product 1 in metres, to three places.
FRACTIONS = [Decimal(f) for f in ("0", "0", "0.5", "0.25", "0.1", "0.001", "0.999")]
quantity = st.tuples(st.integers(1, 15), st.sampled_from(FRACTIONS))
unit_cost = st.decimals(min_value=0, max_value=20, places=2)
document_index = st.integers(0, 50)

operations = st.one_of(
    st.tuples(
        st.just("purchase"),
        store_index,
        st.lists(st.tuples(product_index, quantity, unit_cost), min_size=1, max_size=3),
    ),
    st.tuples(
        st.just("sale"),
        store_index,
        st.lists(st.tuples(product_index, quantity), min_size=1, max_size=3),
    ),
    st.tuples(
        st.just("transfer"),
        store_index,
        product_index,
        st.tuples(st.integers(1, 3), st.sampled_from(FRACTIONS)),  # small: it often fits
        st.sampled_from(["receive", "receive short", "cancel", "leave in transit"]),
    ),
    st.tuples(st.just("void_purchase"), document_index),
    st.tuples(st.just("void_sale"), document_index),
    st.tuples(
        st.just("count"),
        product_index,
        store_index,
        st.tuples(st.integers(-2, 30), st.sampled_from(FRACTIONS)),
    ),
    st.tuples(
        st.just("change"),
        product_index,
        store_index,
        st.tuples(st.integers(-15, 15), st.sampled_from(FRACTIONS)),
    ),
)


@pytest.fixture
def world(django_user_model):
    return {
        "products": [
            ProductFactory(name="Product 0", unit=Unit.objects.standard()["pcs"]),
            ProductFactory(name="Product 1", unit=Unit.objects.standard()["m"]),
        ],
        "stores": [StoreFactory(name=f"Store {i}") for i in range(STORES)],
        "user": django_user_model.objects.create_user("clerk"),
        "supplier": SupplierFactory(),
        "customer": CustomerFactory(),
    }


class Replay:
    """Applies one generated operation to the database and to the model of expected stock."""

    def __init__(self, world):
        self.world = world
        self.expected: dict[tuple[int, int], int] = defaultdict(int)
        self.purchases: list = []  # (document, {product_id: quantity}, store_id)
        self.sales: list = []
        self.voided: set[tuple[str, int]] = set()
        # Per product, in order: (document key or None, quantity, value or None at average,
        # or ("carry", key): at the unit cost the movement ``key`` moved at, as a
        # transfer's arrival carries its departure's cost).
        self.history: dict[int, list] = defaultdict(list)

    def valued(self, product_id: int, leave_out=None):
        """Replay one product's history without the voided documents (and ``leave_out``).

        Returns (average, {sale key: unit cost}), or None if the quantity would
        go below zero: the books would show units leaving before they came.
        """
        on_hand, average, sale_costs, costs = 0, Decimal("0"), {}, {}
        for key, quantity, value in self.history[product_id]:
            if key is not None and (key in self.voided or key == leave_out):
                continue
            if on_hand + quantity < 0:
                return None
            if isinstance(value, tuple):  # ("carry", the departure's key)
                value = quantity * costs[value[1]]
            if value is None:
                if key is not None:
                    costs[key] = average
                    if key[0] == "sale":
                        sale_costs[key] = average
            elif on_hand + quantity > 0:
                average = ((average * on_hand + value) / (on_hand + quantity)).quantize(
                    Decimal("0.0001"), rounding=ROUND_HALF_UP
                )
            on_hand += quantity
        return average, sale_costs

    def refused_by_valuation(self, key, product_ids) -> bool:
        return any(self.valued(pid, leave_out=key) is None for pid in product_ids)

    def short_products(self, store_id, needed: Counter) -> set[int]:
        return {pid for pid, qty in needed.items() if self.expected[pid, store_id] < qty}

    def amount(self, product_i: int, generated: tuple[int, Decimal]) -> Decimal:
        """The generated (whole, fraction) as a quantity product ``product_i``'s unit allows."""
        whole, fraction = generated
        if self.world["products"][product_i].unit.decimal_places == 0:
            fraction = Decimal("0")
        return whole + fraction if whole >= 0 else whole - fraction

    def apply(self, operation) -> None:
        getattr(self, operation[0])(*operation[1:])

    def expect_refusal(self, call, short: set[int]) -> None:
        event("refused: insufficient stock")
        before = stock_snapshot()
        with pytest.raises(InsufficientStock) as caught:
            call()
        assert {s.product.pk for s in caught.value.shortfalls} == short
        assert stock_snapshot() == before

    def purchase(self, store_i, lines):
        store = self.world["stores"][store_i]
        products = self.world["products"]
        lines = [(p, self.amount(p, qty), cost) for p, qty, cost in lines]
        document = purchase_record(
            supplier=self.world["supplier"],
            store=store,
            user=self.world["user"],
            lines=[PurchaseLineInput(products[p], qty, cost) for p, qty, cost in lines],
        )
        received, value = Counter(), defaultdict(Decimal)
        for p, qty, cost in lines:
            received[products[p].pk] += qty
            value[products[p].pk] += qty * cost
        for pid, qty in received.items():
            self.expected[pid, store.pk] += qty
            self.history[pid].append((("purchase", document.pk), qty, value[pid]))
        self.purchases.append((document, received, store.pk))

    def sale(self, store_i, lines):
        store = self.world["stores"][store_i]
        products = self.world["products"]
        lines = [(p, self.amount(p, qty)) for p, qty in lines]
        needed = Counter()
        for p, qty in lines:
            needed[products[p].pk] += qty

        def confirm():
            return sale_confirm(
                customer=self.world["customer"],
                store=store,
                user=self.world["user"],
                lines=[SaleLineInput(products[p], qty, Decimal("9.99")) for p, qty in lines],
            )

        short = self.short_products(store.pk, needed)
        if short:
            self.expect_refusal(confirm, short)
            return
        document = confirm()
        for pid, qty in needed.items():
            self.expected[pid, store.pk] -= qty
            self.history[pid].append((("sale", document.pk), -qty, None))
        self.sales.append((document, needed, store.pk))

    def transfer(self, from_i, product_i, generated, fate):
        source = self.world["stores"][from_i]
        destination = self.world["stores"][1 - from_i]
        product = self.world["products"][product_i]
        quantity = self.amount(product_i, generated)
        user = self.world["user"]
        document = transfer_create(
            from_store=source,
            to_store=destination,
            lines=[TransferLineInput(product, quantity)],
            user=user,
        )
        if self.expected[product.pk, source.pk] < quantity:
            self.expect_refusal(
                lambda: transfer_dispatch(transfer=document, user=user), {product.pk}
            )
            return
        transfer_dispatch(transfer=document, user=user)
        event(f"transfer: {fate}")
        out = ("transfer_out", document.pk)
        self.expected[product.pk, source.pk] -= quantity
        self.history[product.pk].append((out, -quantity, None))
        if fate == "cancel":
            transfer_cancel(transfer=document, user=user, reason="test")
            self.voided.add(out)
            self.expected[product.pk, source.pk] += quantity
        elif fate.startswith("receive"):
            # Short by a unit (or by what there is, if less).
            got = max(quantity - 1, Decimal("0")) if fate == "receive short" else quantity
            line = document.lines.get()
            transfer_receive(transfer=document, user=user, received={line.pk: got}, reason="short")
            self.history[product.pk].append(
                (("transfer_in", document.pk), quantity, ("carry", out))
            )
            if got != quantity:
                self.history[product.pk].append(
                    (("transit_variance", document.pk), got - quantity, ("carry", out))
                )
            self.expected[product.pk, destination.pk] += got

    def void_purchase(self, index):
        if not self.purchases:
            return
        document, received, store_id = self.purchases[index % len(self.purchases)]

        def void():
            return purchase_void(purchase=document, user=self.world["user"], reason="test")

        if ("purchase", document.pk) in self.voided:
            event("refused: already voided")
            before = stock_snapshot()
            with pytest.raises(AlreadyVoided):
                void()
            assert stock_snapshot() == before
            return
        short = self.short_products(store_id, received)
        if short:
            self.expect_refusal(void, short)
            return
        if self.refused_by_valuation(("purchase", document.pk), received):
            event("refused: later movements took its units")
            before = stock_snapshot()
            with pytest.raises(ValuationRefused):
                void()
            assert stock_snapshot() == before
            return
        void()
        self.voided.add(("purchase", document.pk))
        for pid, qty in received.items():
            self.expected[pid, store_id] -= qty

    def void_sale(self, index):
        if not self.sales:
            return
        document, sold, store_id = self.sales[index % len(self.sales)]
        if ("sale", document.pk) in self.voided:
            event("refused: already voided")
            before = stock_snapshot()
            with pytest.raises(AlreadyVoided):
                sale_void(sale=document, user=self.world["user"], reason="test")
            assert stock_snapshot() == before
            return
        sale_void(sale=document, user=self.world["user"], reason="test")
        self.voided.add(("sale", document.pk))
        for pid, qty in sold.items():
            self.expected[pid, store_id] += qty

    def count(self, product_i, store_i, counted):
        self._adjust(product_i, store_i, counted=self.amount(product_i, counted))

    def change(self, product_i, store_i, change):
        self._adjust(product_i, store_i, change=self.amount(product_i, change))

    def _adjust(self, product_i, store_i, **mode):
        product = self.world["products"][product_i]
        store = self.world["stores"][store_i]
        current = self.expected[product.pk, store.pk]
        delta = mode["counted"] - current if "counted" in mode else mode["change"]

        def adjust():
            return stock_adjust(
                product=product, store=store, user=self.world["user"], reason="test", **mode
            )

        if current + delta < 0:
            self.expect_refusal(adjust, {product.pk})
            return
        if delta == 0:
            before = stock_snapshot()
            assert adjust() is None
            assert stock_snapshot() == before
            return
        movement = adjust()
        assert (movement.quantity, movement.balance_after) == (delta, current + delta)
        self.expected[product.pk, store.pk] += delta
        self.history[product.pk].append((None, delta, None))

    def check(self) -> None:
        on_hand = {
            (product_id, store_id): quantity
            for product_id, store_id, quantity in StockLevel.objects.values_list(
                "product_id", "store_id", "quantity"
            )
        }
        assert all(quantity >= 0 for quantity in on_hand.values())
        assert {key: qty for key, qty in on_hand.items() if qty} == {
            key: qty for key, qty in self.expected.items() if qty
        }
        assert_ledger_consistent()
        assert not Product.objects.filter(average_cost__lt=0).exists()
        line_costs = {
            (("sale", sale_id), product_id): unit_cost
            for sale_id, product_id, unit_cost in SaleLine.objects.filter(
                sale__voided_at__isnull=True
            ).values_list("sale_id", "product_id", "unit_cost")
        }
        expected_costs = {}
        for product in self.world["products"]:
            average, sale_costs = self.valued(product.pk)
            assert Product.objects.get(pk=product.pk).average_cost == average
            expected_costs |= {(key, product.pk): cost for key, cost in sale_costs.items()}
        assert line_costs == expected_costs


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operations, min_size=1, max_size=25))
# Transfers of every fate between purchases, sales and voids of the same products: random
# sequences reach them less often (they need stock first).
@example(
    steps=[
        (
            "purchase",
            0,
            [(0, (9, Decimal("0")), Decimal("4.00")), (1, (7, Decimal("0.5")), Decimal("1.10"))],
        ),
        ("transfer", 0, 0, (3, Decimal("0")), "receive short"),
        ("transfer", 0, 1, (2, Decimal("0.25")), "receive"),
        ("purchase", 1, [(0, (2, Decimal("0")), Decimal("9.00"))]),
        ("sale", 1, [(0, (3, Decimal("0"))), (1, (1, Decimal("0.5")))]),
        ("transfer", 0, 0, (1, Decimal("0")), "cancel"),
        ("transfer", 1, 1, (1, Decimal("0")), "leave in transit"),
        ("void_purchase", 0),
        ("void_sale", 0),
        ("void_purchase", 0),
        ("change", 1, 1, (-1, Decimal("0.001"))),
    ]
)
def test_random_stock_operations_keep_on_hand_equal_to_the_ledger(world, steps):
    # The fixture's rows are shared by every example; each example's own
    # writes are rolled back so the next one starts from empty stock.
    with transaction.atomic():
        replay = Replay(world)
        for step in steps:
            replay.apply(step)
            replay.check()
        call_command("verify_stock", stdout=StringIO())  # raises CommandError on a difference
        transaction.set_rollback(True)
