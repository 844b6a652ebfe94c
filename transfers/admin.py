from django.contrib import admin

from core.admin import ReadOnlyAdmin
from transfers.models import Transfer, TransferLine


class TransferLineInline(admin.TabularInline):
    model = TransferLine
    fields = ["product", "quantity", "received_quantity", "unit_cost"]
    readonly_fields = fields
    extra = 0


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "date", "from_store", "to_store", "status", "created_by"]
    list_filter = ["status", "from_store", "to_store", "date"]
    search_fields = ["reference", "notes"]
    list_select_related = ["from_store", "to_store", "created_by"]
    date_hierarchy = "date"
    inlines = [TransferLineInline]
