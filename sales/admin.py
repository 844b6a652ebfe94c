from django.contrib import admin

from core.admin import ReadOnlyAdmin
from sales.models import Sale, SaleLine


class SaleLineInline(admin.TabularInline):
    model = SaleLine
    fields = ["product", "quantity", "unit_price", "unit_cost"]
    readonly_fields = fields
    extra = 0


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "date", "customer", "store", "created_by", "voided_at"]
    list_filter = ["store", ("voided_at", admin.EmptyFieldListFilter), "date"]
    search_fields = ["customer__name", "notes"]
    autocomplete_fields = ["customer", "store"]
    list_select_related = ["customer", "store", "created_by"]
    date_hierarchy = "date"
    inlines = [SaleLineInline]
