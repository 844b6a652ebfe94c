"""Transfers are made through their services, never by writing rows directly."""

from accounts.tests.factories import staff_user
from transfers.services import (
    TransferLineInput,
    transfer_create,
    transfer_dispatch,
    transfer_receive,
)


def make_transfer(*, from_store, to_store, lines, user=None, dispatch=False, receive=False, **kw):
    """A transfer of ``lines`` [(product, quantity)], a draft unless dispatched (and received)."""
    user = user or staff_user()
    transfer = transfer_create(
        from_store=from_store,
        to_store=to_store,
        user=user,
        lines=[TransferLineInput(product, quantity) for product, quantity in lines],
        **kw,
    )
    if dispatch or receive:
        transfer = transfer_dispatch(transfer=transfer, user=user)
    if receive:
        transfer = transfer_receive(transfer=transfer, user=user)
    return transfer
