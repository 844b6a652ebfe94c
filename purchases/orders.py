"""Purchase orders: ordered from a supplier, counted as on order, received in receipts.

Every step is one transaction. It locks the order's row first (two clerks
receiving the last units of one order queue, and the second sees what the
first received), then the stock engine locks products and stock rows in its
fixed order. What an open order has not yet received is kept in
``StockLevel.on_order`` by :func:`products.services.change_on_order`, always in
the same transaction as the change of the order that explains it.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import OperationRefused
from core.quantities import exact_quantity, format_quantity, plain_quantity
from core.text import mid_sentence
from core.transactions import retry_on_deadlock
from products.models import Product, StockLevel
from products.services import change_on_order, check_line_units
from products.state import rebuild_state
from purchases.models import Purchase, PurchaseLine, PurchaseOrder, PurchaseOrderLine
from purchases.services import PurchaseLineInput, purchase_record
from stores.numbering import next_document_number

Status = PurchaseOrder.Status


class OrderRefused(OperationRefused):
    """The step does not fit the order's state; nothing was written."""


class OverReceipt(OrderRefused):
    """A receipt brings more than is outstanding and was not confirmed; nothing was written."""


@dataclass(frozen=True)
class OrderLineInput:
    product: Product
    quantity: Decimal  # in the product's units, also when entered in packs
    unit_cost: Decimal
    packs: Decimal | None = None
    pack_size: Decimal | None = None


@dataclass(frozen=True)
class ReceiptLineInput:
    order_line: PurchaseOrderLine
    quantity: Decimal
    unit_cost: Decimal | None = None  # None: the order's agreed cost


def _check_lines(lines: list[OrderLineInput]) -> None:
    if not lines:
        raise ValueError(gettext("A purchase order needs at least one line."))
    if any(line.quantity <= 0 for line in lines):
        raise ValueError(gettext("Every line needs a quantity above zero."))
    # Outstanding is counted per line: a product on two lines, one over-received,
    # would stay on order for units that came.
    products = [line.product.pk for line in lines]
    if len(set(products)) != len(products):
        raise OrderRefused(gettext("each product goes on one line of an order"))
    check_line_units(lines)


def order_create(
    *, supplier, store, lines: list[OrderLineInput], user, date=None, expected_date=None,
    reference="", notes="",
) -> PurchaseOrder:  # fmt: skip
    """Record a draft purchase order: nothing is on order until it is placed."""
    _check_lines(lines)
    with transaction.atomic():
        order = PurchaseOrder.objects.create(
            supplier=supplier,
            store=store,
            date=date or timezone.localdate(),
            expected_date=expected_date,
            reference=reference,
            notes=notes,
            created_by=user,
        )
        _write_lines(order, lines)
    return order


def order_update(
    *, order: PurchaseOrder, supplier, store, lines: list[OrderLineInput], date, expected_date=None,
    reference="", notes="", user=None,
) -> PurchaseOrder:  # fmt: skip
    """Change a draft: its header and all its lines."""
    _check_lines(lines)
    with transaction.atomic():
        order = _locked(
            order,
            [Status.DRAFT],
            gettext("%(order)s is %(status)s: only a draft order can be changed"),
        )
        order.supplier, order.store, order.date = supplier, store, date
        order.expected_date, order.reference, order.notes = expected_date, reference, notes
        order.save(
            update_fields=["supplier", "store", "date", "expected_date", "reference", "notes"]
        )
        order.lines.all().delete()
        _write_lines(order, lines)
    return order


def order_delete(*, order: PurchaseOrder) -> None:
    """Delete a draft (it never counted as on order)."""
    with transaction.atomic():
        _locked(
            order,
            [Status.DRAFT],
            gettext("%(order)s is %(status)s: only a draft order can be deleted"),
        ).delete()


@retry_on_deadlock
def order_place(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """Send a draft to the supplier: its quantities now count as on order at its store."""
    with transaction.atomic():
        order = _locked(
            order,
            [Status.DRAFT],
            gettext("%(order)s is %(status)s: only a draft order can be placed"),
        )
        if not order.store.is_active:
            raise OrderRefused(
                gettext("%(store)s is archived: restore it first") % {"store": order.store.name}
            )
        lines = list(order.lines.select_related("product__unit"))
        archived = sorted({line.product.name for line in lines if not line.product.is_active})
        if archived:
            raise OrderRefused(
                gettext("%(products)s is archived: take it off the draft")
                % {"products": ", ".join(archived)}
            )
        check_line_units(lines)  # the product's unit may have changed since the draft
        order.status = Status.ORDERED
        order.ordered_at, order.ordered_by = timezone.now(), user
        order.save(update_fields=["status", "ordered_at", "ordered_by"])
        change_on_order(store=order.store, changes=_per_product(lines, _outstanding))
        # Last: the store's counter stays locked until the commit (see stores.numbering).
        order.number = next_document_number(
            order.store, "purchase_order", timezone.localdate(), prefix="PO-"
        )
        PurchaseOrder.objects.filter(pk=order.pk).update(number=order.number)
    return order


@retry_on_deadlock
def order_receive(
    *, order: PurchaseOrder, user, lines: list[ReceiptLineInput], date=None, reference="",
    notes="", allow_over: bool = False,
) -> Purchase:  # fmt: skip
    """Receive goods against an open order: a purchase (a receipt) that moves them in.

    Each receipt line is at the order's agreed cost unless another is given
    (a price change, kept on the receipt beside the agreed one). Lines of 0
    are left out. More than is outstanding raises :class:`OverReceipt`
    unless ``allow_over``. Then what is on order at the store shrinks by what
    was outstanding and came, and the order is partially received or received.
    """
    lines = [line for line in lines if line.quantity]
    if not lines:
        raise ValueError("A receipt needs at least one line with a quantity.")
    if any(line.quantity < 0 for line in lines):
        raise ValueError("A received quantity cannot be negative.")
    with transaction.atomic():
        order = _locked(
            order,
            PurchaseOrder.OPEN_STATUSES,
            gettext(
                "%(order)s is %(status)s: only an ordered or partially received order can be "
                "received against"
            ),
        )
        order_lines = {line.pk: line for line in order.lines.select_related("product__unit")}
        foreign = [line for line in lines if line.order_line.pk not in order_lines]
        if foreign:
            raise OrderRefused(
                gettext("%(line)s is not a line of %(order)s")
                % {"line": foreign[0].order_line, "order": order}
            )
        received: dict[int, Decimal] = defaultdict(Decimal)
        for line in lines:
            received[line.order_line.pk] += line.quantity
        over = [
            over_receipt_line(line, quantity)
            for pk, quantity in received.items()
            if quantity > (line := order_lines[pk]).remaining
        ]
        if over and not allow_over:
            raise OverReceipt(
                gettext("more than was ordered: %(lines)s") % {"lines": "; ".join(over)}
            )
        before = _per_product(order_lines.values(), _outstanding)
        purchase = purchase_record(
            supplier=order.supplier,
            store=order.store,
            user=user,
            date=date,
            reference=reference,
            notes=notes,
            order=order,
            lines=[
                PurchaseLineInput(
                    product=order_lines[line.order_line.pk].product,
                    quantity=line.quantity,
                    unit_cost=(
                        order_lines[line.order_line.pk].unit_cost
                        if line.unit_cost is None
                        else line.unit_cost
                    ),
                    order_line_id=line.order_line.pk,
                )
                for line in lines
            ],
        )
        for pk, quantity in received.items():
            PurchaseOrderLine.objects.filter(pk=pk).update(
                received_quantity=F("received_quantity") + quantity
            )
            order_lines[pk].received_quantity += quantity
        _settle(order, order_lines.values(), before)
    return purchase


def receipt_voided(*, purchase: Purchase, lines: list[PurchaseLine]) -> None:
    """A receipt of an order was voided: what it received is outstanding again.

    Called by :func:`purchases.services.purchase_void` inside its transaction,
    with the receipt locked. An order still open (or received) counts the
    quantities as on order again; a cancelled or closed-short one stays closed.
    """
    order = PurchaseOrder.objects.select_for_update().get(pk=purchase.order_id)
    order_lines = {line.pk: line for line in order.lines.all()}
    before = _per_product(order_lines.values(), _outstanding)
    for line in lines:
        if line.order_line_id is None:
            continue
        PurchaseOrderLine.objects.filter(pk=line.order_line_id).update(
            received_quantity=F("received_quantity") - line.quantity
        )
        order_lines[line.order_line_id].received_quantity -= line.quantity
    _settle(order, order_lines.values(), before)


@retry_on_deadlock
def order_cancel(*, order: PurchaseOrder, user, reason: str) -> PurchaseOrder:
    """Cancel an order nothing was received against: it stops counting as on order."""
    with transaction.atomic():
        order = _locked(
            order,
            [Status.DRAFT, Status.ORDERED],
            gettext("%(order)s is %(status)s: only a draft or ordered order can be cancelled"),
        )
        if order.receipts.filter(voided_at__isnull=True).exists():
            raise OrderRefused(
                gettext("goods were received against %(order)s: close it short instead")
                % {"order": order}
            )
        return _close(order, Status.CANCELLED, user, reason)


@retry_on_deadlock
def order_close_short(*, order: PurchaseOrder, user, reason: str) -> PurchaseOrder:
    """Close a partially received order: the rest will never come, and stops counting."""
    with transaction.atomic():
        order = _locked(
            order,
            [Status.PARTIAL],
            gettext("%(order)s is %(status)s: only a partially received order can be closed short"),
        )
        return _close(order, Status.CLOSED_SHORT, user, reason)


def _close(order: PurchaseOrder, status: str, user, reason: str) -> PurchaseOrder:
    if not reason.strip():
        raise OrderRefused(gettext("give a reason"))
    lines = list(order.lines.all())
    before = _per_product(lines, _outstanding)
    order.status = status
    order.closed_at, order.closed_by = timezone.now(), user
    order.close_reason = reason.strip()[:255]
    order.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    change_on_order(store=order.store, changes={pid: -q for pid, q in before.items()})
    return order


def _settle(order: PurchaseOrder, lines, before: dict[int, Decimal]) -> None:
    """After received quantities changed: the order's status, and the store's on order."""
    lines = list(lines)
    if order.status in (*PurchaseOrder.OPEN_STATUSES, Status.RECEIVED):
        status = _status_of(lines)
        if status != order.status:
            order.status = status
            order.save(update_fields=["status"])
    after = _per_product(lines, lambda line: _outstanding(line, order.status))
    change_on_order(
        store=order.store,
        changes={pid: after.get(pid, 0) - before.get(pid, 0) for pid in before.keys() | after},
    )


def _status_of(lines) -> str:
    """An order's status by what its lines received (for an order that was sent)."""
    if all(line.received_quantity >= line.quantity for line in lines):
        return Status.RECEIVED
    if any(line.received_quantity > 0 for line in lines):
        return Status.PARTIAL
    return Status.ORDERED


def _outstanding(line: PurchaseOrderLine, status: str | None = None) -> Decimal:
    """What ``line`` counts as on order while its order is in ``status`` (its own by default)."""
    if (status or line.order.status) not in PurchaseOrder.OPEN_STATUSES:
        return Decimal("0")
    return line.remaining


def _per_product(lines, quantity) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.product_id] += quantity(line)
    return dict(totals)


def _locked(order: PurchaseOrder, statuses, refusal: str) -> PurchaseOrder:
    """The order, locked, if it is in one of ``statuses``; else ``refusal``, a translated
    text naming the step and the states allowed, with ``%(order)s`` and its ``%(status)s``."""
    # No joins in a locking query (see transfers.services._locked).
    order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    if order.status not in statuses:
        raise OrderRefused(
            refusal % {"order": order, "status": mid_sentence(order.get_status_display())}
        )
    return order


def over_receipt_line(line: PurchaseOrderLine, quantity: Decimal) -> str:
    """ "Flour: 12 kg received, 10 kg outstanding": a line receiving more than is outstanding."""
    unit = line.product.unit
    return gettext("%(product)s: %(received)s received, %(outstanding)s outstanding") % {
        "product": line.product.name,
        "received": format_quantity(quantity, unit),
        "outstanding": format_quantity(line.remaining, unit),
    }


def _write_lines(order: PurchaseOrder, lines: list[OrderLineInput]) -> None:
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            order=order,
            product=line.product,
            quantity=line.quantity,
            unit_cost=line.unit_cost,
            packs=line.packs,
            pack_size=line.pack_size,
        )
        for line in lines
    )


def on_order_differences() -> list[str]:
    """Where the stored on-order or received quantities disagree with the documents.

    Per order line, received = the quantities of its receipts not voided; per
    product and store, on order = ordered − received − cancelled over the open
    orders (``StockLevel.on_order``). Empty when all agree.
    """
    zero = Decimal("0")
    receipts = dict(
        PurchaseLine.objects.filter(order_line__isnull=False, purchase__voided_at__isnull=True)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    stored = dict(
        PurchaseOrderLine.objects.exclude(order__status=Status.DRAFT).values_list(
            "pk", "received_quantity"
        )
    )
    problems = [
        f"Purchase order line {pk}: received {plain_quantity(stored.get(pk, zero))}, "
        f"its receipts {plain_quantity(receipts.get(pk, zero))}"
        for pk in sorted(stored.keys() | receipts.keys())
        if round(stored.get(pk, zero), 3) != round(receipts.get(pk, zero), 3)
    ]
    expected = expected_on_order()
    held = {
        (pid, sid): quantity
        for pid, sid, quantity in StockLevel.objects.exclude(on_order=0).values_list(
            "product_id", "store_id", "on_order"
        )
    }
    problems += [
        f"Product {pid} at store {sid}: {plain_quantity(held.get((pid, sid), zero))} on order, "
        f"its open purchase orders {plain_quantity(expected.get((pid, sid), zero))}"
        for pid, sid in sorted(expected.keys() | held.keys())
        if round(held.get((pid, sid), zero), 3) != round(expected.get((pid, sid), zero), 3)
    ]
    return problems


def expected_on_order() -> dict[tuple[int, int], Decimal]:
    """(product id, store id) -> ordered less received over the open orders' lines."""
    return {
        (row["product_id"], row["order__store_id"]): row["total"]
        for row in PurchaseOrderLine.objects.filter(order__status__in=PurchaseOrder.OPEN_STATUSES)
        .with_outstanding()
        .values("product_id", "order__store_id")
        .annotate(total=Sum("outstanding"))
        .exclude(total=0)
    }


def rebuild_on_order() -> None:
    """Recompute what the orders keep from their receipts (after a restore or an import).

    Each line's received quantity from its receipts not voided, then each
    order's status, then every stock row's on order from the open orders.
    """
    with transaction.atomic():
        receipts = dict(
            PurchaseLine.objects.filter(order_line__isnull=False, purchase__voided_at__isnull=True)
            .values("order_line_id")
            .annotate(total=Sum("quantity"))
            .values_list("order_line_id", "total")
        )
        for line in PurchaseOrderLine.objects.exclude(order__status=Status.DRAFT):
            received = exact_quantity(receipts.get(line.pk, 0))
            if line.received_quantity != received:
                PurchaseOrderLine.objects.filter(pk=line.pk).update(received_quantity=received)
        for order in PurchaseOrder.objects.filter(
            status__in=[*PurchaseOrder.OPEN_STATUSES, Status.RECEIVED]
        ).prefetch_related("lines"):
            status = _status_of(order.lines.all())
            if status != order.status:
                PurchaseOrder.objects.filter(pk=order.pk).update(status=status)
        expected = expected_on_order()
        StockLevel.objects.exclude(on_order=0).update(on_order=0)
        for (pid, sid), quantity in expected.items():
            level, _ = StockLevel.objects.get_or_create(product_id=pid, store_id=sid)
            StockLevel.objects.filter(pk=level.pk).update(on_order=quantity)
        # The products' totals and the new rows' rules, from the rows just written.
        rebuild_state()
