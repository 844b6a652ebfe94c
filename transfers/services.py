"""Transfers between stores: every step is one transaction through the stock engine.

Each step locks the transfer's row first (so two clerks receiving the same
transfer queue, and the second is told it was received), then the engine
locks products and stock rows in its fixed order.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import OperationRefused
from core.text import mid_sentence
from core.transactions import retry_on_deadlock
from products.models import IN_TRANSIT_KINDS, Product, StockMovement
from products.services import (
    InsufficientStock,
    QuantityRefused,
    StockChange,
    check_line_units,
    move_stock,
)
from stores.numbering import next_document_number
from transfers.models import Transfer, TransferLine

Kind = StockMovement.Kind
Status = Transfer.Status


class TransferRefused(OperationRefused):
    """The step does not fit the transfer's state (or its stores); nothing was written."""


@dataclass(frozen=True)
class TransferLineInput:
    product: Product
    quantity: Decimal


def _check_header(from_store, to_store) -> None:
    if from_store.pk == to_store.pk:
        raise TransferRefused(_("a transfer moves goods between two different stores"))
    archived = [store.name for store in (from_store, to_store) if not store.is_active]
    if len(archived) == 1:
        raise TransferRefused(_("%(store)s is archived: restore it first") % {"store": archived[0]})
    if archived:
        raise TransferRefused(
            _("%(store)s and %(other_store)s is archived: restore it first")
            % {"store": archived[0], "other_store": archived[1]}
        )


def _check_lines(lines: list[TransferLineInput]) -> None:
    if not lines:
        raise ValueError(_("A transfer needs at least one line."))
    if any(line.quantity <= 0 for line in lines):
        raise ValueError(_("Every line needs a quantity above zero."))
    check_line_units(lines)


def transfer_create(
    *, from_store, to_store, lines: list[TransferLineInput], user, date=None, reference="", notes=""
) -> Transfer:
    """Record a draft transfer: nothing moves until it is dispatched."""
    _check_header(from_store, to_store)
    _check_lines(lines)
    with transaction.atomic():
        transfer = Transfer.objects.create(
            from_store=from_store,
            to_store=to_store,
            date=date or timezone.localdate(),
            reference=reference,
            notes=notes,
            created_by=user,
        )
        _write_lines(transfer, lines)
    return transfer


def transfer_update(
    *, transfer: Transfer, from_store, to_store, lines: list[TransferLineInput], date, reference="",
    notes="", user=None,
) -> Transfer:  # fmt: skip
    """Change a draft: its header and all its lines."""
    _check_header(from_store, to_store)
    _check_lines(lines)
    with transaction.atomic():
        transfer = _locked(transfer, Status.DRAFT, "changed")
        transfer.from_store, transfer.to_store = from_store, to_store
        transfer.date, transfer.reference, transfer.notes = date, reference, notes
        transfer.save(update_fields=["from_store", "to_store", "date", "reference", "notes"])
        transfer.lines.all().delete()
        _write_lines(transfer, lines)
    return transfer


def transfer_delete(*, transfer: Transfer) -> None:
    """Delete a draft (nothing of it ever moved)."""
    with transaction.atomic():
        _locked(transfer, Status.DRAFT, "deleted").delete()


@retry_on_deadlock
def transfer_dispatch(*, transfer: Transfer, user) -> Transfer:
    """Take the lines out of the source store, at their average cost: now they are in transit.

    Checked as a sale is: every short line is named and nothing is written
    (:class:`~products.services.InsufficientStock`).
    """
    with transaction.atomic():
        transfer = _locked(transfer, Status.DRAFT, "dispatched")
        _check_header(transfer.from_store, transfer.to_store)
        lines = list(transfer.lines.select_related("product"))
        archived = sorted({line.product.name for line in lines if not line.product.is_active})
        if archived:
            raise TransferRefused(
                _("%(products)s is archived: take it off the draft")
                % {"products": ", ".join(archived)}
            )
        movements = move_stock(
            store=transfer.from_store,
            changes=[StockChange(line.product_id, -line.quantity) for line in lines],
            kind=Kind.TRANSFER_OUT,
            user=user,
            document_id=transfer.pk,
            note=f"To {transfer.to_store.name}",
        )
        cost = {movement.product_id: movement.unit_cost for movement in movements}
        for line in lines:
            line.unit_cost = cost[line.product_id]
        TransferLine.objects.bulk_update(lines, ["unit_cost"])
        transfer.status = Status.DISPATCHED
        transfer.dispatched_at, transfer.dispatched_by = timezone.now(), user
        transfer.save(update_fields=["status", "dispatched_at", "dispatched_by"])
        # Last: the store's counter stays locked until the commit (see stores.numbering).
        transfer.number = next_document_number(
            transfer.from_store, "transfer", timezone.localdate(), prefix="TR-"
        )
        Transfer.objects.filter(pk=transfer.pk).update(number=transfer.number)
    return transfer


@retry_on_deadlock
def transfer_receive(
    *, transfer: Transfer, user, received: dict[int, Decimal] | None = None, reason: str = ""
) -> Transfer:
    """Bring the lines into the destination at the cost they left with.

    ``received`` maps a line's id to what arrived (by default what was sent).
    A difference is a transit variance: a movement of its own at the
    destination, with ``reason``, so a shortfall never disappears silently.
    """
    received = received or {}
    with transaction.atomic():
        transfer = _locked(transfer, Status.DISPATCHED, "received")
        # The products before the lines' costs: a void that re-costs this
        # transfer's departure holds them, and the arrival must carry the new cost.
        _lock_products(transfer)
        lines = list(transfer.lines.select_related("product__unit"))
        for line in lines:
            line.received_quantity = Decimal(received.get(line.pk, line.quantity))
            if line.received_quantity < 0:
                raise ValueError(_("A received quantity cannot be negative."))
            if refusal := line.product.unit.refusal(line.received_quantity):
                raise QuantityRefused(
                    _("%(product)s is %(refusal)s")
                    % {"product": line.product.name, "refusal": refusal}
                )
        varied = [line for line in lines if line.variance]
        if varied and not reason.strip():
            raise TransferRefused(
                _("give a reason for the difference between what was sent and what arrived")
            )
        move_stock(
            store=transfer.to_store,
            changes=[StockChange(line.product_id, line.quantity, line.unit_cost) for line in lines],
            kind=Kind.TRANSFER_IN,
            user=user,
            document_id=transfer.pk,
            note=f"From {transfer.from_store.name}",
        )
        if varied:
            move_stock(
                store=transfer.to_store,
                changes=[
                    StockChange(line.product_id, line.variance, line.unit_cost) for line in varied
                ],
                kind=Kind.TRANSIT_VARIANCE,
                user=user,
                document_id=transfer.pk,
                note=reason,
            )
        TransferLine.objects.bulk_update(lines, ["received_quantity"])
        transfer.status = Status.RECEIVED
        transfer.received_at, transfer.received_by = timezone.now(), user
        transfer.variance_reason = reason.strip()[:255] if varied else ""
        transfer.save(update_fields=["status", "received_at", "received_by", "variance_reason"])
    return transfer


@retry_on_deadlock
def transfer_cancel(*, transfer: Transfer, user, reason: str) -> Transfer:
    """Send a transfer in transit back: its units return to the source store."""
    with transaction.atomic():
        transfer = _locked(transfer, Status.DISPATCHED, "cancelled")
        move_stock(
            store=transfer.from_store,
            changes=[
                StockChange(pid, quantity)
                for pid, quantity in transfer.lines.values_list("product_id", "quantity")
            ],
            kind=Kind.TRANSFER_OUT_VOID,
            user=user,
            document_id=transfer.pk,
            note=reason,
        )
        _close(transfer, Status.CANCELLED, user, reason)
    return transfer


@retry_on_deadlock
def transfer_void(*, transfer: Transfer, user, reason: str) -> Transfer:
    """Undo a received transfer: the destination gives back what it received, the source
    gets back what it sent, and the variance is taken back.

    Refused (nothing written) when the destination no longer holds the units.
    Order matters for the revaluations in between: the variance first, then
    the departure, then the arrival, so the replayed books never hold less than nothing.
    """
    with transaction.atomic():
        transfer = _locked(transfer, Status.RECEIVED, "voided")
        # All its products first, in the engine's order: the steps below each
        # lock some of them, and in a different order than another operation would.
        _lock_products(transfer)
        lines = list(transfer.lines.all())
        sent = _per_product((line.product_id, line.quantity) for line in lines)
        variance = _per_product((line.product_id, line.variance) for line in lines)
        try:
            if any(variance.values()):
                move_stock(
                    store=transfer.to_store,
                    changes=[StockChange(pid, -q) for pid, q in variance.items() if q],
                    kind=Kind.TRANSIT_VARIANCE_VOID,
                    user=user,
                    document_id=transfer.pk,
                    note=reason,
                )
            move_stock(
                store=transfer.from_store,
                changes=[StockChange(pid, q) for pid, q in sent.items()],
                kind=Kind.TRANSFER_OUT_VOID,
                user=user,
                document_id=transfer.pk,
                note=reason,
            )
            move_stock(
                store=transfer.to_store,
                changes=[StockChange(pid, -q) for pid, q in sent.items()],
                kind=Kind.TRANSFER_IN_VOID,
                user=user,
                document_id=transfer.pk,
                note=reason,
            )
        except InsufficientStock as error:
            raise TransferRefused(
                _("%(store)s no longer holds what it received (%(shortfalls)s)")
                % {"store": transfer.to_store.name, "shortfalls": error}
            ) from error
        _close(transfer, Status.VOIDED, user, reason)
    return transfer


def _per_product(pairs) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity in pairs:
        totals[product_id] += quantity
    return dict(totals)


def _refusals() -> dict[str, str]:
    """Per step, why a transfer not in the state it needs is refused: whole sentences,
    for the translators (the state it needs follows from the step)."""
    return {
        "changed": _("%(transfer)s is %(status)s: only a draft transfer can be changed"),
        "deleted": _("%(transfer)s is %(status)s: only a draft transfer can be deleted"),
        "dispatched": _("%(transfer)s is %(status)s: only a draft transfer can be dispatched"),
        "received": _("%(transfer)s is %(status)s: only a in transit transfer can be received"),
        "cancelled": _("%(transfer)s is %(status)s: only a in transit transfer can be cancelled"),
        "voided": _("%(transfer)s is %(status)s: only a received transfer can be voided"),
    }


def _locked(transfer: Transfer, status: str, step: str) -> Transfer:
    """The transfer, locked, if it is in ``status``; else a refusal naming its state.

    ``step`` ("dispatched") names the refusal: see :func:`_refusals`.
    """
    # No joins in a locking query: FOR UPDATE would lock the joined stores' rows
    # too, and a sale's foreign-key check on its store then deadlocks with it.
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != status:
        raise TransferRefused(
            _refusals()[step]
            % {"transfer": transfer, "status": mid_sentence(transfer.get_status_display())}
        )
    return transfer


def _lock_products(transfer: Transfer) -> None:
    list(
        Product.objects.select_for_update()
        .filter(pk__in=transfer.lines.values("product_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _write_lines(transfer: Transfer, lines: list[TransferLineInput]) -> None:
    TransferLine.objects.bulk_create(
        TransferLine(transfer=transfer, product=line.product, quantity=line.quantity)
        for line in lines
    )


def _close(transfer: Transfer, status: str, user, reason: str) -> None:
    transfer.status = status
    transfer.closed_at, transfer.closed_by = timezone.now(), user
    transfer.close_reason = reason[:255]
    transfer.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])


def restate_transfer_costs(changes) -> None:
    """A revaluation re-costed transfers' departures: their lines carry the new cost.

    (Their arrivals follow in the ledger by themselves; see products.valuation.)
    """
    for change in changes:
        TransferLine.objects.filter(
            transfer_id=change.document_id, product_id=change.product_id
        ).update(unit_cost=change.new_unit_cost)


def in_transit_differences() -> list[str]:
    """Per product, units in transit by the documents against the ledger's, described.

    The ledger's: what left in departures, less what arrived, less what went
    back (cancelled or voided), over the transfers not voided. Empty: all agree.
    """
    by_documents = dict(
        TransferLine.objects.filter(transfer__status=Status.DISPATCHED)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    by_ledger = dict(
        StockMovement.objects.filter(kind__in=IN_TRANSIT_KINDS)
        .values("product_id")
        .annotate(total=Sum(-F("quantity")))
        .values_list("product_id", "total")
    )
    zero = Decimal("0")
    quantities = [
        f"Product {pid} in transit: transfers say {by_documents.get(pid, zero):f}, "
        f"the ledger {by_ledger.get(pid, zero):f}"
        for pid in sorted(by_documents.keys() | by_ledger.keys())
        if round(by_documents.get(pid, zero), 3) != round(by_ledger.get(pid, zero), 3)
    ]
    # Each line's cost is its departure's (what the arrival carried, and the
    # value on the road): a line that says otherwise misstates both.
    departure_cost = StockMovement.objects.filter(
        kind=Kind.TRANSFER_OUT,
        document_id=OuterRef("transfer_id"),
        product_id=OuterRef("product_id"),
    ).values("unit_cost")[:1]
    costs = [
        f"Transfer #{transfer_id} line of product {pid}: unit cost {Decimal(cost):.4f}, "
        f"its departure {Decimal(left or 0):.4f}"
        for transfer_id, pid, cost, left in TransferLine.objects.filter(
            transfer__status__in=[Status.DISPATCHED, Status.RECEIVED]
        )
        .annotate(
            left=Subquery(departure_cost, output_field=TransferLine._meta.get_field("unit_cost"))
        )
        .exclude(unit_cost=F("left"))
        .values_list("transfer_id", "product_id", "unit_cost", "left")
    ]
    return quantities + costs
