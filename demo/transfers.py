"""A few transfers in each state for the demo, made through the transfer services."""

import random
from decimal import Decimal

from products.models import StockLevel
from transfers.services import (
    TransferLineInput,
    transfer_cancel,
    transfer_create,
    transfer_dispatch,
    transfer_receive,
    transfer_void,
)

# What becomes of each demo transfer, in the order they are made.
PLAN = ["received", "received short", "voided", "cancelled", "dispatched", "dispatched", "draft"]


def seed_transfers(stores: list, user, rng: random.Random) -> int:
    """Transfers between the first stores: drafts, in transit, received (one short),
    cancelled and voided. Returns how many were made (none with fewer than two stores)."""
    if len(stores) < 2:
        return 0
    made = 0
    for number, fate in enumerate(PLAN):
        source, destination = stores[number % 2], stores[(number + 1) % 2]
        lines = _lines(source, rng)
        if not lines:
            continue
        transfer = transfer_create(
            from_store=source,
            to_store=destination,
            lines=lines,
            user=user,
            reference=f"VAN-{number + 1:03d}",
        )
        made += 1
        if fate == "draft":
            continue
        transfer_dispatch(transfer=transfer, user=user)
        if fate == "cancelled":
            transfer_cancel(transfer=transfer, user=user, reason="Sent to the wrong store")
        elif fate.startswith("received") or fate == "voided":
            received = {}
            if fate == "received short":
                line = transfer.lines.order_by("pk").first()
                received[line.pk] = line.quantity - 1
            transfer_receive(
                transfer=transfer,
                user=user,
                received=received,
                reason="One damaged in the van" if received else "",
            )
            if fate == "voided":
                transfer_void(transfer=transfer, user=user, reason="Recorded twice")
    return made


def _lines(store, rng: random.Random) -> list[TransferLineInput]:
    """One or two products the store holds plenty of, a few units each."""
    levels = list(
        StockLevel.objects.filter(store=store, quantity__gte=6, product__is_active=True)
        .select_related("product__unit")
        .order_by("pk")[:40]
    )
    chosen = rng.sample(levels, min(len(levels), rng.choice((1, 2))))
    return [
        TransferLineInput(
            level.product,
            Decimal("2.5") if level.product.unit.decimal_places else Decimal(rng.randint(2, 4)),
        )
        for level in chosen
    ]
