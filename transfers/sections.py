"""What the product and store pages show of transfers (registered in apps.py)."""

from django.db.models import Q
from django.urls import reverse

from products.models import StockLevel
from transfers.models import TransferLine

SHOWN = 20  # lines in transit a page lists; the transfers list has the rest


def _in_transit(condition):
    return (
        TransferLine.objects.filter(condition, transfer__status="dispatched")
        .select_related("transfer__from_store", "transfer__to_store", "product__unit")
        .order_by("transfer__dispatched_at", "pk")
    )


def product_in_transit(product, request) -> dict | None:
    """The product's units in transit (from, to, how many, since), and a Transfer button."""
    if not request.user.has_perm("transfers.view_transfer"):
        return None
    section = {
        "template": "transfers/includes/product_in_transit.html",
        "lines": list(_in_transit(Q(product=product))[:SHOWN]),
    }
    if request.user.has_perm("transfers.add_transfer"):
        # From the store that holds the most of it, if any store holds some.
        fullest = (
            StockLevel.objects.filter(product=product, quantity__gt=0, store__is_active=True)
            .order_by("-quantity", "store_id")
            .values_list("store_id", flat=True)
            .first()
        )
        if fullest is not None:
            section["transfer_url"] = (
                f"{reverse('transfers:create')}?product={product.pk}&from_store={fullest}"
            )
    return section


def store_in_transit(store, request) -> dict | None:
    """Lines in transit out of or into the store."""
    if not request.user.has_perm("transfers.view_transfer"):
        return None
    lines = list(_in_transit(Q(transfer__from_store=store) | Q(transfer__to_store=store))[:SHOWN])
    return {"template": "transfers/includes/store_in_transit.html", "lines": lines, "store": store}
