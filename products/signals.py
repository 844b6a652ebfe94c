"""Archiving or restoring a product, a supplier or a store changes whether its stock rows
are listed for replenishing (``StockLevel.listed``): kept here, on save, in the saving
transaction (``ArchivableModel.archive`` and ``restore`` are atomic).

Only the rows whose listing differs are written, so an ordinary edit (a phone number)
writes none. Their products are locked first, in ascending order as the stock engine
locks them, so a sale or receipt of the same products queues instead of deadlocking
with the rows' update.
"""

from django.db.models import F
from django.db.models.signals import post_save

from people.models import Supplier
from products.models import IN_CHUNK, Product, StockLevel, listed_in_force
from stores.models import Store


def _activity_saved(update_fields) -> bool:
    return update_fields is None or "is_active" in update_fields


def _relist(rows) -> None:
    """Refresh the listing of those of ``rows`` whose listing is stale, product by product
    in ascending order, each product locked first."""
    stale = rows.annotate(in_force=listed_in_force()).exclude(listed=F("in_force"))
    product_ids = sorted(set(stale.values_list("product_id", flat=True)))
    for start in range(0, len(product_ids), IN_CHUNK):
        chunk = product_ids[start : start + IN_CHUNK]
        list(
            Product.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows.filter(product_id__in=chunk).refresh_listing()


def product_saved(sender, instance, created, update_fields=None, **kwargs):
    if not created and _activity_saved(update_fields):
        _relist(StockLevel.objects.filter(product=instance))


def supplier_saved(sender, instance, created, update_fields=None, **kwargs):
    if not created and _activity_saved(update_fields):
        _relist(StockLevel.objects.filter(product__supplier=instance))


def store_saved(sender, instance, created, update_fields=None, **kwargs):
    if not created and _activity_saved(update_fields):
        _relist(StockLevel.objects.filter(store=instance))


def connect() -> None:
    post_save.connect(product_saved, sender=Product, dispatch_uid="stock_listing_product")
    post_save.connect(supplier_saved, sender=Supplier, dispatch_uid="stock_listing_supplier")
    post_save.connect(store_saved, sender=Store, dispatch_uid="stock_listing_store")
