"""What the product page shows of purchase orders (registered in apps.py)."""

from django.urls import reverse

from purchases.models import PurchaseOrder, PurchaseOrderLine

SHOWN = 20  # open order lines a page lists; the purchase orders list has the rest


def product_on_order(product, request) -> dict | None:
    """The product's open order lines: for which store, how many still to come, and when."""
    if not request.user.has_perm("purchases.view_purchaseorder"):
        return None
    lines = list(
        PurchaseOrderLine.objects.filter(
            product=product, order__status__in=PurchaseOrder.OPEN_STATUSES
        )
        .select_related("order__store", "order__supplier", "product__unit")
        # The soonest first; orders without an expected date last.
        .order_by("order__expected_date", "order__date", "pk")[:SHOWN]
    )
    section = {"template": "purchases/includes/product_on_order.html", "lines": lines}
    if request.user.has_perm("purchases.add_purchaseorder"):
        section["order_url"] = f"{reverse('purchase_orders:create')}?product={product.pk}"
    return section
