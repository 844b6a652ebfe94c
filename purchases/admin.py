from django.contrib import admin

from core.admin import ReadOnlyAdmin
from purchases.models import (
    Purchase,
    PurchaseLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
)


class PurchaseLineInline(admin.TabularInline):
    model = PurchaseLine
    fields = ["product", "quantity", "unit_cost"]
    readonly_fields = fields
    extra = 0


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__", "date", "supplier", "store", "order", "reference", "created_by", "voided_at",
    ]  # fmt: skip
    list_filter = ["store", ("voided_at", admin.EmptyFieldListFilter), "date"]
    search_fields = ["reference", "supplier__name", "notes"]
    autocomplete_fields = ["supplier", "store"]
    list_select_related = ["supplier", "store", "created_by", "order"]
    date_hierarchy = "date"
    inlines = [PurchaseLineInline]


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    fields = ["product", "quantity", "packs", "pack_size", "unit_cost", "received_quantity"]
    readonly_fields = fields
    extra = 0


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyAdmin):
    """Orders change only through their services (on order is kept with them)."""

    list_display = [
        "__str__", "date", "supplier", "store", "status", "expected_date", "created_by",
    ]  # fmt: skip
    list_filter = ["status", "store", "date"]
    search_fields = ["reference", "supplier__name", "notes"]
    list_select_related = ["supplier", "store", "created_by"]
    date_hierarchy = "date"
    inlines = [PurchaseOrderLineInline]


class PurchaseReturnLineInline(admin.TabularInline):
    model = PurchaseReturnLine
    fields = ["product", "quantity", "unit_cost", "tax_percent", "tax_amount", "reason"]
    readonly_fields = fields
    extra = 0


@admin.register(PurchaseReturn)
class PurchaseReturnAdmin(ReadOnlyAdmin):
    """Debit notes are recorded by purchases.returns only, never changed."""

    list_display = ["__str__", "date", "supplier", "store", "purchase", "created_by"]
    list_filter = ["store", "date"]
    search_fields = ["supplier__name", "notes"]
    list_select_related = ["supplier", "store", "purchase", "created_by"]
    date_hierarchy = "date"
    inlines = [PurchaseReturnLineInline]
