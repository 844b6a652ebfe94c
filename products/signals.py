"""Archiving or restoring a product, a supplier or a store changes whether its stock rows
are listed for replenishing (``StockLevel.listed``): kept here, on save."""

from django.db.models.signals import post_save

from people.models import Supplier
from products.models import Product, StockLevel
from stores.models import Store


def _activity_saved(update_fields) -> bool:
    return update_fields is None or "is_active" in update_fields


def product_saved(sender, instance, created, update_fields=None, **kwargs):
    if not created and _activity_saved(update_fields):
        StockLevel.objects.filter(product=instance).refresh_listing()


def supplier_saved(sender, instance, created, update_fields=None, **kwargs):
    if not created and _activity_saved(update_fields):
        StockLevel.objects.filter(
            product__in=Product.objects.filter(supplier=instance).values("pk")
        ).refresh_listing()


def store_saved(sender, instance, created, update_fields=None, **kwargs):
    if not created and _activity_saved(update_fields):
        StockLevel.objects.filter(store=instance).refresh_listing()


def connect() -> None:
    post_save.connect(product_saved, sender=Product, dispatch_uid="stock_listing_product")
    post_save.connect(supplier_saved, sender=Supplier, dispatch_uid="stock_listing_supplier")
    post_save.connect(store_saved, sender=Store, dispatch_uid="stock_listing_store")
