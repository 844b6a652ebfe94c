"""Valuation by replay: what every movement of a product was worth, recomputed in order.

The stock engine values each movement as it happens (moving-average cost).
A void lands later than the document it takes back, so valuing it "as it
happens" gets later figures wrong: the average of the units still on hand,
and the cost of every sale in between. Instead, a void and the movement it
reverses are left out as a pair, as if the document had never existed, and
the product's movements from that point on are replayed:

- a movement *at average* (a sale, most adjustments) moves its units at the
  running average, which it leaves unchanged;
- a movement with *a cost of its own* (a purchase) moves the average by the
  value it carries: ``(average × on hand + value) / (on hand + quantity)``;
- when nothing is left on hand the last average is kept for the next units.

The replay changes only valuation fields (``StockMovement.VALUATION_FIELDS``),
the product's average cost, and, through the hooks the document apps register,
the recorded cost of their lines (a sale line's unit cost and its day's cost
total). If the replay would ever hold fewer than zero units or a negative
value, the correction is refused: it would mean some later movement took
units that, without the corrected document, were never there.

Everything runs inside the caller's transaction, with the product rows locked
by the engine, and reads only that product's movements.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import batched

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext

from core.exceptions import OperationRefused
from core.quantities import exact_quantity, plain_quantity
from products.models import (
    CARRIES_COST_OF,
    VOIDED_KIND,
    Product,
    StockLevel,
    StockMovement,
    StoreStock,
    add_store_stock_changes,
)

AVERAGE_COST_PLACES = Decimal("0.0001")
ZERO = Decimal("0")

MOVEMENT_FIELDS = (
    "pk",
    "kind",
    "document_id",
    "quantity",
    "at_average_cost",
    "unit_cost",
    "value",
    "average_cost_after",
)


@dataclass(frozen=True)
class Movement:
    """A ledger row as the replay reads and rewrites it."""

    pk: int
    kind: str
    document_id: int | None
    quantity: Decimal
    at_average_cost: bool
    unit_cost: Decimal
    value: Decimal
    average_cost_after: Decimal

    @property
    def label(self) -> str:
        name = StockMovement.Kind(self.kind).label
        if not self.document_id:
            return str(name)
        return gettext("%(kind)s #%(number)s") % {"kind": name, "number": self.document_id}

    def valuation(self) -> tuple[Decimal, Decimal, Decimal]:
        return (self.unit_cost, self.value, self.average_cost_after)


@dataclass(frozen=True)
class CostChange:
    """A movement at average whose unit cost the replay changed (a sale, typically)."""

    kind: str
    document_id: int | None
    product_id: int
    quantity: Decimal
    old_unit_cost: Decimal
    new_unit_cost: Decimal

    @property
    def value_change(self) -> Decimal:
        """How much more (or less, negative) the units that moved are worth now."""
        return abs(self.quantity) * (self.new_unit_cost - self.old_unit_cost)


@dataclass
class Revaluation:
    """What replaying one product's movements changes."""

    product: Product
    old_average: Decimal
    new_average: Decimal
    changed: list[Movement]
    cost_changes: list[CostChange]

    def cost_changes_of(self, kind: str) -> list[CostChange]:
        return [change for change in self.cost_changes if change.kind == kind]


class ValuationRefused(OperationRefused):
    """A correction would leave a product's books with negative units or value."""


def moving_average(
    average: Decimal, on_hand: Decimal, quantity: Decimal, value: Decimal
) -> Decimal:
    """The average after ``quantity`` units worth ``value`` move into (or out of) ``on_hand``.

    Raises :class:`ValueError` when what would remain is worth less than nothing.
    """
    remaining = on_hand + quantity
    if remaining <= 0:
        return average
    remaining_value = average * on_hand + value
    # The average is rounded to four places, so what the units on hand are
    # worth is known to within half of 0.0001 each: a remainder that small
    # below zero is nothing, not a refusal (1 unit at 1.00 and 2 at 0.00
    # average 0.3333; taking the first out again leaves -0.0001).
    if -on_hand * AVERAGE_COST_PLACES / 2 <= remaining_value < 0:
        remaining_value = ZERO
    if remaining_value < 0:
        raise ValueError("negative stock value")
    return (remaining_value / remaining).quantize(AVERAGE_COST_PLACES, rounding=ROUND_HALF_UP)


def replay(
    product: Product,
    movements: list[Movement],
    *,
    on_hand: Decimal = 0,
    average: Decimal = ZERO,
    leave_out: frozenset[tuple[str, int]] = frozenset(),
    lenient: bool = False,
) -> Revaluation:
    """Value ``movements`` (one product's, in ledger order) from the state before the first.

    ``on_hand`` and ``average`` are the product's quantity and average cost,
    all stores together, just before the first movement, as the replay counts
    them (voided pairs left out). ``leave_out`` names more documents, as
    ``(kind, document_id)``, to treat as voided: what a void would change.

    ``lenient`` values a history the engine would have refused instead of
    refusing it (data written before valuation by replay, where a purchase
    was voided after its units were sold): the quantity may dip below zero,
    units arriving then bring the average to their own cost, and a value
    that would go negative keeps the average.
    """
    voided = set(leave_out) | {
        (VOIDED_KIND[m.kind], m.document_id) for m in movements if m.kind in VOIDED_KIND
    }
    changed: list[Movement] = []
    cost_changes: list[CostChange] = []
    left_out: dict[tuple[str, int | None], Movement] = {}
    # The unit cost each movement of this replay moved at, for those that
    # carry another's cost (CARRIES_COST_OF): a transfer's arrival costs what
    # its departure cost, as replayed.
    costs: dict[tuple[str, int | None], Decimal] = {}
    for stored in movements:
        movement = stored
        if movement.kind in CARRIES_COST_OF:
            carried = costs.get((CARRIES_COST_OF[movement.kind], movement.document_id))
            if carried is not None and carried != movement.unit_cost:
                movement = replace(movement, unit_cost=carried, value=movement.quantity * carried)
        if movement.kind in VOIDED_KIND:
            # Left out with its document's movement; it takes back what that carried.
            original = left_out.get((VOIDED_KIND[movement.kind], movement.document_id), movement)
            new = replace(
                movement,
                unit_cost=original.unit_cost,
                value=movement.value if original is movement else -original.value,
                average_cost_after=average,
            )
        elif (movement.kind, movement.document_id) in voided:
            # Left out; it shows the average of its place in the replay.
            new = replace(movement, average_cost_after=average)
            left_out[movement.kind, movement.document_id] = new
        else:
            if movement.at_average_cost:
                unit_cost = average
                value = movement.quantity * average
            else:
                unit_cost, value = movement.unit_cost, movement.value
            if on_hand + movement.quantity < 0 and not lenient:
                raise ValuationRefused(_never_there(product, movement, on_hand))
            if not movement.at_average_cost:
                average = _average_after(product, movement, value, average, on_hand, lenient)
            on_hand += movement.quantity
            new = replace(movement, unit_cost=unit_cost, value=value, average_cost_after=average)
            if movement.at_average_cost and new.unit_cost != movement.unit_cost:
                cost_changes.append(
                    CostChange(
                        kind=movement.kind,
                        document_id=movement.document_id,
                        product_id=product.pk,
                        quantity=movement.quantity,
                        old_unit_cost=movement.unit_cost,
                        new_unit_cost=new.unit_cost,
                    )
                )
        costs[new.kind, new.document_id] = new.unit_cost
        if new.valuation() != stored.valuation():
            changed.append(new)
    return Revaluation(product, product.average_cost, average, changed, cost_changes)


def _average_after(product, movement, value, average, on_hand, lenient) -> Decimal:
    """The average once ``movement``, carrying ``value``, has moved (see :func:`replay`)."""
    if on_hand < 0:  # lenient only
        if movement.quantity > 0:
            return abs(value / movement.quantity).quantize(AVERAGE_COST_PLACES, ROUND_HALF_UP)
        return average
    try:
        return moving_average(average, on_hand, movement.quantity, value)
    except ValueError:
        if lenient:
            return average
        raise ValuationRefused(_worth_less(product, movement)) from None


def _never_there(product: Product, movement: Movement, on_hand: Decimal) -> str:
    return gettext(
        "without it, %(movement)s would take %(quantity)s × %(product)s when the books held "
        "%(on_hand)s; those units came from it. Void %(movement)s first, or correct the stock "
        "with an adjustment"
    ) % {
        "movement": movement.label,
        "quantity": plain_quantity(-movement.quantity),
        "product": product.name,
        "on_hand": plain_quantity(on_hand),
    }


def _worth_less(product: Product, movement: Movement) -> str:
    return gettext(
        "without it, %(movement)s would leave the %(product)s on hand worth less than nothing; "
        "correct the stock with an adjustment instead"
    ) % {"movement": movement.label, "product": product.name}


def ledger_of(product_id: int, *, since_pk: int | None = None) -> list[Movement]:
    """A product's movements in ledger order (from ``since_pk`` on, when given)."""
    rows = StockMovement.objects.filter(product_id=product_id)
    if since_pk is not None:
        rows = rows.filter(pk__gte=since_pk)
    return [Movement(*row) for row in rows.order_by("pk").values_list(*MOVEMENT_FIELDS)]


def state_before(product_id: int, pk: int) -> tuple[Decimal, Decimal]:
    """The replay's on-hand quantity and average cost just before movement ``pk``.

    The quantity is every earlier movement's, less the documents before
    ``pk`` whose void comes after it (the replay leaves those out). Each
    movement keeps the average of its place, so the one before tells it.
    """
    earlier = StockMovement.objects.filter(product_id=product_id, pk__lt=pk)
    on_hand = exact_quantity(earlier.aggregate(total=Sum("quantity"))["total"] or ZERO)
    voided_later = {
        (VOIDED_KIND[kind], document_id)
        for kind, document_id in StockMovement.objects.filter(
            product_id=product_id, pk__gt=pk, kind__in=list(VOIDED_KIND)
        ).values_list("kind", "document_id")
    }
    if voided_later:
        for kind, document_id, quantity in earlier.filter(
            kind__in={kind for kind, _ in voided_later},
            document_id__in={document_id for _, document_id in voided_later},
        ).values_list("kind", "document_id", "quantity"):
            if (kind, document_id) in voided_later:
                on_hand -= quantity
    average = earlier.order_by("-pk").values_list("average_cost_after", flat=True).first() or ZERO
    return on_hand, average


def replay_from(product: Product, pk: int | None, **options) -> Revaluation:
    """Replay ``product``'s movements from movement ``pk`` (from the start when ``None``)."""
    if pk is None:
        return replay(product, ledger_of(product.pk), **options)
    on_hand, average = state_before(product.pk, pk)
    return replay(
        product, ledger_of(product.pk, since_pk=pk), on_hand=on_hand, average=average, **options
    )


# Who restates what a later movement's new cost means for their documents:
# the sales app re-costs its lines and its daily cost totals. Registered from
# AppConfig.ready(), so the engine imports no document app.
_restatements: dict[str, Callable[[list[CostChange]], None]] = {}


def register_cost_restatement(kind: str, restate: Callable[[list[CostChange]], None]) -> None:
    _restatements[kind] = restate


def save_revaluation(revaluation: Revaluation) -> None:
    """Write what a replay found: the movements, the product's average, the documents' costs."""
    _save_movements_and_average(revaluation)
    _restate([revaluation])


def _save_movements_and_average(revaluation: Revaluation) -> None:
    # One UPDATE per distinct valuation, not one CASE per row: the sales
    # between two purchases all move at the same average, so a thousand
    # re-costed movements are a handful of statements.
    same_valuation = defaultdict(list)
    for movement in revaluation.changed:
        same_valuation[movement.valuation()].append(movement.pk)
    for (unit_cost, value, average_cost_after), pks in same_valuation.items():
        for batch in batched(pks, 500):
            StockMovement.objects.filter(pk__in=batch).update(
                unit_cost=unit_cost, value=value, average_cost_after=average_cost_after
            )
    product = revaluation.product
    if product.average_cost != revaluation.new_average:
        Product.objects.filter(pk=product.pk).update(average_cost=revaluation.new_average)
        # The stores' units of the product are worth the new average (see StockLevel.stock_value).
        value_changes = StockLevel.objects.filter(product_id=product.pk).revalue_at(
            revaluation.new_average
        )
        StoreStock.objects.add(add_store_stock_changes({}, product.pk, values=value_changes))
        product.average_cost = revaluation.new_average


def _restate(revaluations: list[Revaluation]) -> None:
    """Hand every product's cost changes to the documents' apps, once per kind.

    Once for all products together, so an app updating several rows of its
    own (a day's totals) can lock them all in one order: two voids of
    different products restating the same days then queue instead of deadlocking.
    """
    changes = [change for revaluation in revaluations for change in revaluation.cost_changes]
    for kind in sorted({change.kind for change in changes}):
        restate = _restatements.get(kind)
        if restate is not None:
            restate([change for change in changes if change.kind == kind])


def revalue(products: Iterable[Product], since: dict[int, int | None]) -> list[Revaluation]:
    """Replay and save each of ``products`` (locked by the caller) from ``since[product.pk]``."""
    revaluations = []
    for product in sorted(products, key=lambda p: p.pk):
        revaluation = replay_from(product, since.get(product.pk))
        _save_movements_and_average(revaluation)
        revaluations.append(revaluation)
    _restate(revaluations)
    return revaluations


def _ledgers() -> Iterable[tuple[int, list[Movement]]]:
    """Every product's movements in ledger order, one product at a time, streamed."""
    current, movements = None, []
    rows = StockMovement.objects.order_by("product_id", "pk").values_list(
        "product_id", *MOVEMENT_FIELDS
    )
    for product_id, *fields in rows.iterator(chunk_size=5000):
        if product_id != current and movements:
            yield current, movements
            movements = []
        current = product_id
        movements.append(Movement(*fields))
    if movements:
        yield current, movements


def valuation_differences() -> dict[int, list[str]]:
    """Per product, each way its stored valuation differs from the replay of its ledger.

    The replay is lenient (see :func:`replay`), so data written before
    valuation by replay is checked as the migration valued it.
    """
    averages = dict(Product.objects.values_list("pk", "average_cost"))
    differences: dict[int, list[str]] = {}
    for product_id, movements in _ledgers():
        product = Product(pk=product_id, average_cost=averages[product_id])
        revaluation = replay(product, movements, lenient=True)
        found = [
            f"movement {m.pk} ({m.label}) stored {old.valuation()}, replayed {m.valuation()}"
            for old, m in _pairs_by_pk(movements, revaluation.changed)
        ]
        if revaluation.new_average != product.average_cost:
            found.insert(
                0, f"average cost {product.average_cost}, replayed {revaluation.new_average}"
            )
        if found:
            differences[product_id] = found
    return differences


def _pairs_by_pk(movements: list[Movement], changed: list[Movement]):
    by_pk = {m.pk: m for m in movements}
    return [(by_pk[m.pk], m) for m in changed]


def revalue_from_start(product_id: int) -> Revaluation:
    """Lock ``product_id`` and replay its whole ledger leniently (``verify_stock --fix``)."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product_id)
        revaluation = replay(product, ledger_of(product_id), lenient=True)
        save_revaluation(revaluation)
    return revaluation


def preview_void(kind: str, document_id: int) -> list[Revaluation]:
    """What voiding document ``(kind, document_id)`` would change, product by product.

    Reads only; raises :class:`ValuationRefused` when the void would be refused.
    """
    originals = StockMovement.objects.filter(kind=kind, document_id=document_id).values_list(
        "product_id", "pk"
    )
    since = dict(originals)
    products = Product.objects.in_bulk(list(since))
    return [
        replay_from(products[pid], since[pid], leave_out=frozenset({(kind, document_id)}))
        for pid in sorted(since)
    ]
