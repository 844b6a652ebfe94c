from django.contrib import admin

from core.admin import ReadOnlyAdmin
from purchases.models import Purchase, PurchaseLine


class PurchaseLineInline(admin.TabularInline):
    model = PurchaseLine
    fields = ["product", "quantity", "unit_cost"]
    readonly_fields = fields
    extra = 0


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "date", "supplier", "store", "reference", "created_by", "voided_at"]
    list_filter = ["store", ("voided_at", admin.EmptyFieldListFilter), "date"]
    search_fields = ["reference", "supplier__name", "notes"]
    autocomplete_fields = ["supplier", "store"]
    list_select_related = ["supplier", "store", "created_by"]
    date_hierarchy = "date"
    inlines = [PurchaseLineInline]
