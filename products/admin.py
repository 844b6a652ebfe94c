from django.contrib import admin

from core.admin import ArchivableAdmin, ReadOnlyAdmin
from products.forms import CategoryForm, ProductForm, TaxRateForm, UnitForm
from products.models import Category, Product, StockLevel, StockMovement, TaxRate, Unit


@admin.register(Category)
class CategoryAdmin(ArchivableAdmin):
    form = CategoryForm  # the same case-insensitive name check as the site's pages
    list_display = ["name", "tax_rate", "is_active", "created_at"]
    list_filter = ["is_active", "tax_rate"]
    search_fields = ["name"]
    list_select_related = ["tax_rate"]


@admin.register(Unit)
class UnitAdmin(ArchivableAdmin):
    form = UnitForm  # the site's checks: case-insensitive names, no places taken from stock held
    list_display = ["name", "symbol", "decimal_places", "is_active"]
    list_filter = ["is_active", "decimal_places"]
    search_fields = ["name", "symbol"]


@admin.register(TaxRate)
class TaxRateAdmin(ArchivableAdmin):
    form = TaxRateForm  # the same case-insensitive name check as the site's pages
    list_display = ["name", "percent", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


class StockLevelInline(admin.TabularInline):
    model = StockLevel
    fields = ["store", "quantity"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(ArchivableAdmin):
    # The site's form upper-cases the SKU before the unique check, so "ab-1"
    # is reported as a duplicate of "AB-1" (not as a violated database constraint).
    form = ProductForm
    list_display = [
        "sku",
        "name",
        "category",
        "supplier",
        "sale_price",
        "tax_rate",
        "reorder_level",
        "is_active",
    ]
    list_filter = ["is_active", "category", "supplier", "unit", "tax_rate"]
    search_fields = ["sku", "name"]
    list_select_related = ["category", "supplier", "unit", "tax_rate"]
    autocomplete_fields = ["category", "supplier"]
    readonly_fields = ["average_cost"]
    inlines = [StockLevelInline]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["product", "store", "quantity"]
    list_filter = ["store"]
    search_fields = ["product__name", "product__sku"]
    list_select_related = ["product", "store"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "product",
        "store",
        "quantity",
        "balance_after",
        "created_by",
    ]
    list_filter = ["kind", "store"]
    search_fields = ["product__name", "product__sku", "note"]
    list_select_related = ["product", "store", "created_by"]
    date_hierarchy = "created_at"
