"""The stock engine: the one way stock changes.

Purchases, sales, voids and adjustments all call :func:`move_stock`, which
locks, checks every line, and only then writes stock levels and the ledger,
inside one transaction.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Round
from django.utils.translation import gettext

from core.exceptions import OperationRefused
from core.models import QUANTITY_PLACES
from core.quantities import format_quantity, plain_quantity
from products.models import (
    MOVEMENT_BALANCE_AFTER_GTE_0,
    STOCK_LEVEL_QUANTITY_GTE_0,
    VOIDED_KIND,
    Product,
    StockLevel,
    StockMovement,
    StoreStock,
    Unit,
    add_store_stock_changes,
)
from products.valuation import (
    AVERAGE_COST_PLACES,
    ValuationRefused,
    moving_average,
    revalue,
)


@dataclass(frozen=True)
class StockChange:
    """One line of a stock operation.

    ``unit_cost`` is the value each unit carries in or out (a purchase's cost);
    ``None`` moves units at the product's current average cost, as a sale does.
    A void's lines need none: it takes back what its document's movements carried.
    """

    product_id: int
    quantity: Decimal
    unit_cost: Decimal | None = None


@dataclass(frozen=True)
class Shortfall:
    product: Product
    store_name: str
    available: Decimal
    requested: Decimal

    def __str__(self):
        unit = self.product.unit
        return gettext(
            "Only %(available)s of %(product)s in %(store)s, %(requested)s requested"
        ) % {
            "available": format_quantity(self.available, unit),
            "product": self.product.name,
            "store": self.store_name,
            "requested": format_quantity(self.requested, unit),
        }


class InsufficientStock(OperationRefused):
    """Some lines ask for more than the store holds; nothing was written."""

    def __init__(self, shortfalls: list[Shortfall]):
        self.shortfalls = shortfalls
        super().__init__("; ".join(str(shortfall) for shortfall in shortfalls))

    def for_product(self, product_id: int) -> Shortfall | None:
        return next((s for s in self.shortfalls if s.product.pk == product_id), None)


class QuantityRefused(OperationRefused):
    """A quantity finer than its product's unit allows (2.5 drills); nothing was written."""


# The CHECK constraints that refuse negative stock: if one fires, a race got
# past the locks, and the user is told of a shortfall as usual.
NEGATIVE_STOCK_CONSTRAINTS = (STOCK_LEVEL_QUANTITY_GTE_0, MOVEMENT_BALANCE_AFTER_GTE_0)


@dataclass
class _LockedStock:
    """What :func:`move_stock` holds locked: the products and their stock rows at one store."""

    products: dict[int, Product]
    levels: dict[int, StockLevel]


def move_stock(
    *,
    store,
    changes: list[StockChange],
    kind: str,
    user=None,
    document_id: int | None = None,
    note: str = "",
) -> list[StockMovement]:
    """Apply ``changes`` at ``store`` atomically and write one ledger row per product.

    Raises :class:`InsufficientStock`, listing every short product, when any
    product would go below zero; then nothing at all is written. The steps:
    lock, check, apply; a race that still reaches the database's constraints
    is reported as a shortfall too.

    A void (``kind`` in ``VOIDED_KIND``, with its document's id) takes back
    what the document's movements carried, and the products are revalued from
    the document's place in the ledger (see :mod:`products.valuation`), which
    may raise :class:`~products.valuation.ValuationRefused`.
    """
    net_quantity: dict[int, Decimal] = defaultdict(Decimal)
    valued: dict[int, list[StockChange]] = defaultdict(list)
    for change in changes:
        net_quantity[change.product_id] += change.quantity
        valued[change.product_id].append(change)
    product_ids = sorted(pid for pid, quantity in net_quantity.items() if quantity != 0)
    if not product_ids:
        return []

    try:
        with transaction.atomic():
            locked = _lock(store, product_ids)
            if kind not in VOIDED_KIND:  # a void takes back exactly what was moved
                _check_units(locked.products, valued)
            _check(locked, store, net_quantity)
            return _apply(
                locked,
                store,
                net_quantity,
                valued,
                kind=kind,
                user=user,
                document_id=document_id,
                note=note,
            )
    except IntegrityError as error:
        if not any(name in str(error) for name in NEGATIVE_STOCK_CONSTRAINTS):
            raise
        raise _race_shortfall(store, net_quantity) from error


def _lock(store, product_ids: list[int]) -> _LockedStock:
    """Lock the products, then their stock rows at ``store``, each by primary key.

    Locks are always taken in the same order (products by primary key, then
    their stock rows by primary key), so two operations touching the same
    products in opposite line order wait for each other instead of
    deadlocking. The product lock also guards the moving-average cost and the
    creation of missing stock rows.
    """
    products = {
        product.pk: product
        for product in Product.objects.select_for_update().filter(pk__in=product_ids).order_by("pk")
    }
    if len(products) != len(product_ids):
        missing = sorted(set(product_ids) - set(products))
        raise Product.DoesNotExist(f"No product with id {', '.join(map(str, missing))}.")
    levels = {
        level.product_id: level
        for level in StockLevel.objects.select_for_update()
        .filter(store=store, product_id__in=product_ids)
        .order_by("pk")
    }
    return _LockedStock(products, levels)


def check_line_units(lines) -> None:
    """Raise :class:`QuantityRefused` naming every line finer than its product's unit allows.

    ``lines``: a document's lines before they are written (each with a
    ``product``, its unit at hand, and a ``quantity``), so a draft of 2.5
    drills is refused as the engine would refuse moving them.
    """
    refusals = [
        gettext("%(product)s is %(refusal)s") % {"product": line.product.name, "refusal": refusal}
        for line in lines
        if (refusal := line.product.unit.refusal(Decimal(line.quantity)))
    ]
    if refusals:
        raise QuantityRefused("; ".join(refusals))


def change_on_order(*, store, changes: dict[int, Decimal]) -> None:
    """Add each signed quantity of ``changes`` (product id -> units) to its on-order at ``store``.

    Only purchase orders call this (placing, receiving, cancelling, voiding a
    receipt), inside their own transaction. Locks as :func:`move_stock` does,
    products then stock rows by primary key, so it queues behind a sale of
    the same products instead of deadlocking with it.
    """
    product_ids = sorted(pid for pid, quantity in changes.items() if quantity)
    if not product_ids:
        return
    with transaction.atomic():
        locked = _lock(store, product_ids)
        missing = [pid for pid in product_ids if pid not in locked.levels]
        # Safe without ignore_conflicts: the product locks keep anyone else out.
        StockLevel.objects.bulk_create(
            [StockLevel.empty(locked.products[pid], store.pk) for pid in missing]
        )
        if missing:
            StockLevel.objects.filter(store=store, product_id__in=missing).refresh_listing()
        for pid in product_ids:
            on_order = Round(F("on_order") + changes[pid], QUANTITY_PLACES)
            StockLevel.objects.filter(store=store, product_id=pid).update(on_order=on_order)
            # The product's total over all stores, under the same lock.
            Product.objects.filter(pk=pid).update(on_order=on_order)


def _check_units(products: dict[int, Product], valued: dict[int, list[StockChange]]) -> None:
    """Raise :class:`QuantityRefused` for each quantity finer than its product's unit allows.

    Forms say so first, on the line; this keeps every other caller (a script,
    an import) from recording 2.5 drills.
    """
    units = Unit.objects.in_bulk({product.unit_id for product in products.values()})
    refusals = [
        gettext("%(product)s is %(refusal)s") % {"product": products[pid].name, "refusal": refusal}
        for pid in sorted(products)
        for change in valued[pid]
        if (refusal := units[products[pid].unit_id].refusal(abs(Decimal(change.quantity))))
    ]
    if refusals:
        raise QuantityRefused("; ".join(refusals))


def _check(locked: _LockedStock, store, net_quantity: dict[int, Decimal]) -> None:
    """Raise :class:`InsufficientStock` naming every product that would go below zero."""
    available = {
        pid: locked.levels[pid].quantity if pid in locked.levels else 0 for pid in locked.products
    }
    shortfalls = _find_shortfalls(locked.products, store, available, net_quantity)
    if shortfalls:
        _attach_units([shortfall.product for shortfall in shortfalls])
        raise InsufficientStock(shortfalls)


def _attach_units(products: list[Product]) -> None:
    """Give each product its unit (the messages name it) in one query, not one per product.

    The lock query reads products without joins (see _lock), so without it
    each shortfall's message would read its unit on its own.
    """
    units = Unit.objects.in_bulk({product.unit_id for product in products})
    for product in products:
        product.unit = units[product.unit_id]


def _apply(
    locked: _LockedStock, store, net_quantity, valued, *, kind, user, document_id, note
) -> list[StockMovement]:
    """Write average costs, stock levels and one ledger row per product (all checked)."""
    products, levels = locked.products, locked.levels
    product_ids = sorted(products)
    averages_before = {pid: product.average_cost for pid, product in products.items()}
    if kind in VOIDED_KIND:
        valuations, originals = _reversed_valuations(products, VOIDED_KIND[kind], document_id)
    else:
        valuations, originals = _valuations(products, net_quantity, valued), {}

    revalued = {pid for pid in product_ids if products[pid].average_cost != averages_before[pid]}
    missing = [pid for pid in product_ids if pid not in levels]
    if missing:
        # Safe without ignore_conflicts: the product locks keep anyone else
        # from creating the same rows meanwhile.
        for level in StockLevel.objects.bulk_create(
            [StockLevel.empty(products[pid], store.pk) for pid in missing]
        ):
            levels[level.product_id] = level
        StockLevel.objects.filter(store=store, product_id__in=missing).refresh_listing()

    # The stock rows of the products whose average moves, at every store, in one query:
    # all are revalued below (product id -> [(store id, quantity after, value before)]).
    revalued_rows = defaultdict(list)
    for pid, store_id, quantity, value in (
        StockLevel.objects.filter(product_id__in=sorted(revalued)).values_list(
            "product_id", "store_id", "quantity", "stock_value"
        )
        if revalued
        else []
    ):
        if store_id == store.pk:
            quantity += net_quantity[pid]
        revalued_rows[pid].append((store_id, quantity, value))
    movements = []
    # What each store's totals change by ((store id, stripe) -> amounts), added at
    # the end in one statement, parts in key order (see StoreStock).
    store_stock: dict[tuple[int, int], dict[str, Decimal]] = {}
    for pid in product_ids:
        level = levels[pid]
        # Rounded to the quantity's places: SQLite adds decimals as floating
        # point, and 0.3 - 0.1 - 0.2 would leave -0.00000000000000003, which
        # the CHECK (quantity >= 0) refuses. Exact already elsewhere.
        quantity = Round(F("quantity") + net_quantity[pid], QUANTITY_PLACES)
        average = products[pid].average_cost  # after this operation (see _valuations)
        if pid in revalued:
            StockLevel.objects.filter(pk=level.pk).update(quantity=quantity)
            # Every store's units of the product are now worth the new average.
            value_changes = StockLevel.objects.filter(product_id=pid).revalue_at(
                average, revalued_rows[pid]
            )
        else:
            new_quantity = level.quantity + net_quantity[pid]
            StockLevel.objects.filter(pk=level.pk).update(
                quantity=quantity, stock_value=Value(new_quantity * average)
            )
            value_changes = {store.pk: new_quantity * average - level.stock_value}
        holds_units = level.quantity + net_quantity[pid] > 0
        add_store_stock_changes(
            store_stock,
            pid,
            units={store.pk: net_quantity[pid]},
            values=value_changes,
            rows={store.pk: int(holds_units) - int(level.quantity > 0)},
        )
        # The product's total over all stores (a column, so lists and reports read
        # it), under the product lock already held: no other lock, no row that
        # sales of other products also update.
        Product.objects.filter(pk=pid).update(
            on_hand=Round(F("on_hand") + net_quantity[pid], QUANTITY_PLACES)
        )
        # We hold the row lock, so the new balance is known without re-reading.
        level.quantity += net_quantity[pid]
        movements.append(
            StockMovement(
                product=products[pid],
                store=store,
                quantity=net_quantity[pid],
                balance_after=level.quantity,
                kind=kind,
                document_id=document_id,
                note=note[:255],
                created_by=user,
                **valuations[pid],
            )
        )
    StockMovement.objects.bulk_create(movements)
    StoreStock.objects.add(store_stock)
    if originals:
        revalue([products[pid] for pid in originals], since=originals)
    return movements


def _valuations(products, net_quantity, valued) -> dict[int, dict]:
    """What each product's movement is worth, and its new average cost (saved on the product).

    Lines at average leave the average as it is; lines with a cost of their
    own move it (see :func:`~products.valuation.moving_average`).
    """
    carrying_cost = [
        pid for pid in sorted(products) if any(c.unit_cost is not None for c in valued[pid])
    ]
    # Read with the product lock (see _lock), before this operation moved anything.
    on_hand = {pid: products[pid].on_hand for pid in carrying_cost}
    valuations = {}
    for pid, product in products.items():
        average, quantity = product.average_cost, net_quantity[pid]
        if pid not in carrying_cost:
            valuations[pid] = {
                "at_average_cost": True,
                "unit_cost": average,
                "value": quantity * average,
                "average_cost_after": average,
            }
            continue
        value = sum(
            (c.quantity * (average if c.unit_cost is None else c.unit_cost) for c in valued[pid]),
            Decimal("0"),
        )
        try:
            new_average = moving_average(average, on_hand.get(pid, 0), quantity, value)
        except ValueError:
            raise ValuationRefused(
                gettext(
                    "taking %(quantity)s × %(product)s out at that cost would leave the rest "
                    "worth less than nothing"
                )
                % {"quantity": plain_quantity(-quantity), "product": product.name}
            ) from None
        if new_average != average:
            Product.objects.filter(pk=pid).update(average_cost=new_average)
            product.average_cost = new_average
        valuations[pid] = {
            "at_average_cost": False,
            "unit_cost": abs(value / quantity).quantize(AVERAGE_COST_PLACES, ROUND_HALF_UP),
            "value": value,
            "average_cost_after": new_average,
        }
    return valuations


def _reversed_valuations(products, kind: str, document_id: int) -> tuple[dict, dict[int, int]]:
    """A void's valuation: minus what the movements of document ``(kind, document_id)`` carried.

    Also returns, per product, the movement it reverses, from where the
    product is revalued. Read under the product locks, so a revaluation that
    changed a sale's cost meanwhile is seen.
    """
    originals = {
        row["product_id"]: row
        for row in StockMovement.objects.filter(
            kind=kind, document_id=document_id, product_id__in=list(products)
        ).values("pk", "product_id", "unit_cost", "value")
    }
    missing = sorted(set(products) - set(originals))
    if missing:
        raise ValueError(f"{kind} #{document_id} moved no stock of product {missing[0]}.")
    valuations = {
        pid: {
            "at_average_cost": False,
            "unit_cost": row["unit_cost"],
            "value": -row["value"],
            # Provisional: the revaluation that follows writes the replay's.
            "average_cost_after": products[pid].average_cost,
        }
        for pid, row in originals.items()
    }
    return valuations, {pid: row["pk"] for pid, row in originals.items()}


def _race_shortfall(store, net_quantity: dict[int, Decimal]) -> InsufficientStock:
    """The shortfall to report when a negative-stock constraint fired.

    Everything the operation wrote was rolled back; the message says what the
    store holds now, as a normal shortfall would, never a 500.
    """
    product_ids = sorted(pid for pid, quantity in net_quantity.items() if quantity != 0)
    products = Product.objects.select_related("unit").in_bulk(product_ids)
    available = dict(
        StockLevel.objects.filter(store=store, product_id__in=product_ids).values_list(
            "product_id", "quantity"
        )
    )
    shortfalls = _find_shortfalls(
        products, store, {pid: available.get(pid, 0) for pid in product_ids}, net_quantity
    ) or [
        Shortfall(products[pid], store.name, available.get(pid, 0), -net_quantity[pid])
        for pid in product_ids
        if net_quantity[pid] < 0
    ]
    return InsufficientStock(shortfalls)


def _find_shortfalls(products, store, available, net_quantity) -> list[Shortfall]:
    """One :class:`Shortfall` for every product that would go below zero, in product order."""
    return [
        Shortfall(
            product=products[pid],
            store_name=store.name,
            available=available[pid],
            requested=-net_quantity[pid],
        )
        for pid in sorted(available)
        if available[pid] + net_quantity[pid] < 0
    ]


def stock_adjust(
    *,
    product: Product,
    store,
    user,
    reason: str,
    counted: Decimal | None = None,
    change: Decimal | None = None,
) -> StockMovement | None:
    """Correct a product's stock at a store to a counted quantity, or by a signed change.

    Returns the movement written, or ``None`` when the count matches the books.
    """
    if (counted is None) == (change is None):
        raise ValueError("Give exactly one of counted or change.")
    with transaction.atomic():
        if counted is not None:
            # Lock in the engine's order before reading, so the difference we
            # compute is still true when it is applied.
            Product.objects.select_for_update().filter(pk=product.pk).get()
            # No joins in a locking query: MariaDB/MySQL's FOR UPDATE locks
            # every joined table's rows too, which deadlocks with anyone whose
            # foreign-key check holds a shared lock on the store.
            current = (
                StockLevel.objects.select_for_update()
                .filter(product=product, store=store)
                .order_by("pk")
                .values_list("quantity", flat=True)
                .first()
            ) or Decimal("0")
            change = counted - current
        if change == 0:
            return None
        movements = move_stock(
            store=store,
            changes=[StockChange(product.pk, change)],
            kind=StockMovement.Kind.ADJUSTMENT,
            user=user,
            note=reason,
        )
    return movements[0]
