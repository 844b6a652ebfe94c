"""Purchase orders in every state, and a few replenishment rules, for the demo.

The orders go through the services (:mod:`purchases.orders`), so what is on
order, what was received and the receipts' stock are what the pages would
have made. They are placed with the stock the trading history left, on
products comfortably in stock, so the dashboard keeps its own warnings. The
rules are set afterwards on stock rows that exist, so that ``/replenishment/``
has something to suggest and to explain: an order, a rounding to a case, a
transfer from a store holding more than its maximum, and a product it leaves
alone because enough is already on order.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F

from demo.catalogue import money
from products.models import StockLevel
from purchases.models import PurchaseOrder, PurchaseOrderLine
from purchases.orders import (
    OrderLineInput,
    ReceiptLineInput,
    order_cancel,
    order_close_short,
    order_create,
    order_place,
    order_receive,
)
from purchases.services import purchase_void
from transfers.models import Transfer, TransferLine


@dataclass(frozen=True)
class PlannedOrder:
    fate: str
    store_number: int  # of the catalogue's stores, modulo their count
    ordered_days_ago: int
    expected_in_days: int  # negative: expected before today, so late while still open


# What becomes of each demo order, in the order they are made.
PLAN = [
    PlannedOrder("draft", 0, 1, 14),
    PlannedOrder("ordered", 1, 3, 9),
    PlannedOrder("ordered", 0, 21, -6),  # late
    PlannedOrder("partially received", 0, 18, -4),  # late, the rest still to come
    PlannedOrder("partially received", 1, 9, 5),
    PlannedOrder("received", 1, 34, -26),  # with a price change on one line
    PlannedOrder("over-received", 0, 27, -20),
    PlannedOrder("voided receipt", 1, 16, -9),
    PlannedOrder("cancelled", 0, 13, -2),
    PlannedOrder("closed short", 1, 45, -35),
]
# Where a line is ordered in whole packs, how many.
PACKS_ORDERED = (2, 3, 4, 6)
# Candidate stock rows read per store (the large demo has 20,000 products).
CANDIDATES = 600


def seed_purchase_orders(stores: list, user, rng: random.Random, today: date) -> int:
    """Purchase orders of every state in the first two stores (or the one there is).

    Returns how many were made.
    """
    if not stores:
        return 0
    stores = stores[:2]
    candidates = {store.pk: _candidates(store) for store in stores}
    made = 0
    for number, plan in enumerate(PLAN, start=1):
        store = stores[plan.store_number % len(stores)]
        products = _take_products(candidates[store.pk], rng)
        if not products:
            continue
        when = today - timedelta(days=plan.ordered_days_ago)
        order = order_create(
            supplier=products[0].supplier,
            store=store,
            user=user,
            date=when,
            expected_date=today + timedelta(days=plan.expected_in_days),
            reference=f"Q-{when:%y%m}-{number:03d}",
            lines=[_line(product, rng) for product in products],
        )
        made += 1
        if plan.fate != "draft":
            order_place(order=order, user=user)
            _carry_out(order, plan, user, when, today)
    return made


def _carry_out(order: PurchaseOrder, plan: PlannedOrder, user, when: date, today: date) -> None:
    """Receive, void, cancel or close ``order`` as its plan says (it is placed)."""
    lines = list(order.lines.select_related("product"))
    # Deliveries come a few days after the order, and never after today.
    first_delivery = min(when + timedelta(days=4), today)
    second_delivery = min(when + timedelta(days=9), today)
    fate = plan.fate
    if fate == "cancelled":
        order_cancel(order=order, user=user, reason="Supplier discontinued the line")
    elif fate in ("partially received", "closed short", "voided receipt"):
        _receive(order, user, first_delivery, {line: _half(line) for line in lines})
        if fate == "closed short":
            order_close_short(
                order=order, user=user, reason="Supplier out of stock until next season"
            )
        elif fate == "voided receipt":
            # The rest arrives, is recorded against this order by mistake, and is voided.
            second = _receive(
                order, user, second_delivery, {line: line.quantity - _half(line) for line in lines}
            )
            purchase_void(purchase=second, user=user, reason="Recorded against the wrong order")
    elif fate == "received":
        # The supplier raised the price of the first line by 5% since the order.
        costs = {lines[0]: money(lines[0].unit_cost * Decimal("1.05"))}
        _receive(order, user, first_delivery, {line: line.quantity for line in lines}, costs)
    elif fate == "over-received":
        extra = lines[0].pack_size or Decimal("2")
        received = {line: line.quantity for line in lines} | {lines[0]: lines[0].quantity + extra}
        _receive(order, user, first_delivery, received, allow_over=True)


def _receive(order, user, when: date, quantities: dict, costs=None, *, allow_over=False):
    costs = costs or {}
    return order_receive(
        order=order,
        user=user,
        date=when,
        reference=f"DN-{order.reference[2:]}",
        lines=[
            ReceiptLineInput(line, quantity, costs.get(line))
            for line, quantity in quantities.items()
            if quantity
        ],
        allow_over=allow_over,
    )


def _half(line) -> Decimal:
    """About half of the line: whole packs, or whole units."""
    if line.pack_size:
        return (line.packs // 2) * line.pack_size
    return line.quantity // 2


def _candidates(store) -> dict[int, list]:
    """Per supplier, the products well stocked at ``store``: above their reorder level,
    not in transit between stores (so transfers and orders tell separate stories)."""
    in_transit = Transfer.objects.in_transit().values("lines__product_id")
    levels = (
        StockLevel.objects.filter(
            store=store,
            product__is_active=True,
            quantity__gt=F("product__reorder_level"),
            product__reorder_level__gt=0,
        )
        .exclude(product_id__in=in_transit)
        .select_related("product__supplier")
        .order_by("pk")[:CANDIDATES]
    )
    by_supplier = defaultdict(list)
    for level in levels:
        by_supplier[level.product.supplier_id].append(level.product)
    return by_supplier


def _take_products(by_supplier: dict[int, list], rng: random.Random) -> list:
    """One to three products of one supplier, taken out of the candidates."""
    suppliers = sorted(supplier for supplier, products in by_supplier.items() if products)
    if not suppliers:
        return []
    products = by_supplier[rng.choice(suppliers)]
    chosen = rng.sample(products, min(len(products), rng.choice((1, 2, 2, 3))))
    for product in chosen:
        products.remove(product)
    return sorted(chosen, key=lambda product: product.pk)


def _line(product, rng: random.Random) -> OrderLineInput:
    if product.pack_size:
        packs = Decimal(rng.choice(PACKS_ORDERED))
        return OrderLineInput(
            product=product,
            quantity=packs * product.pack_size,
            unit_cost=product.cost_price,
            packs=packs,
            pack_size=product.pack_size,
        )
    quantity = Decimal(max(product.reorder_level, 4) * rng.randint(1, 3))
    return OrderLineInput(product=product, quantity=quantity, unit_cost=product.cost_price)


def seed_replenishment_rules(stores: list, rng: random.Random) -> int:
    """Per-store minimum, maximum and multiple on a handful of stock rows of the first two
    stores. Returns how many rows were given a rule (none with fewer than two stores)."""
    if len(stores) < 2:
        return 0
    first, second = stores[:2]
    # Products whose projected stock is what the rows hold: on no transfer and
    # no purchase order, drafts included (the one chosen for that apart, below).
    busy = set(TransferLine.objects.values_list("product_id", flat=True).distinct())
    busy |= set(PurchaseOrderLine.objects.values_list("product_id", flat=True).distinct())
    levels = {
        store.pk: {
            level.product_id: level
            for level in StockLevel.objects.filter(store=store, product__is_active=True)
            .exclude(product_id__in=busy)
            .order_by("pk")[:CANDIDATES]
        }
        for store in (first, second)
    }
    both = sorted(levels[first.pk].keys() & levels[second.pk].keys())
    rules: list[tuple[StockLevel, int, int, int | None]] = []

    # Low at the first store, plenty at the second: the second holds more than
    # its maximum, so moving it is suggested instead of buying.
    plenty = [pid for pid in both if levels[second.pk][pid].quantity >= 12]
    if plenty:
        pid = rng.choice(plenty)
        here, there = levels[first.pk][pid].quantity, levels[second.pk][pid].quantity
        rules.append((levels[first.pk][pid], here + 2, here + 12, None))
        rules.append((levels[second.pk][pid], 2, there // 2, None))
        both.remove(pid)
    # Below the minimum: ordered up to the maximum, rounded up to a case of 12 (or 6).
    for store, multiple in ((first, 12), (second, 6)):
        if both:
            pid = both.pop(rng.randrange(len(both)))
            held = levels[store.pk][pid].quantity
            rules.append((levels[store.pk][pid], held + 5, held + 5 + 2 * multiple, multiple))
    # At the minimum counting on-hand only, above it counting what is on order:
    # the page suggests nothing, since the goods are coming.
    coming = (
        StockLevel.objects.filter(store__in=[first, second], on_order__gte=2)
        .exclude(product_id__in=[level.product_id for level, *_ in rules])
        .order_by("pk")
        .first()
    )
    if coming:
        minimum = coming.quantity + coming.on_order // 2
        rules.append((coming, minimum, 2 * minimum, None))

    for level, minimum, maximum, multiple in rules:
        StockLevel.objects.filter(pk=level.pk).update(
            reorder_point=minimum, order_up_to=maximum, order_multiple=multiple
        )
    # The rule in force, which the replenishment list reads (see StockLevel.minimum).
    StockLevel.objects.filter(pk__in=[level.pk for level, *_ in rules]).refresh_rules()
    return len(rules)
