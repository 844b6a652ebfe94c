from django.contrib import admin

from core.admin import ReadOnlyAdmin
from replenishment.models import DigestSubscription, LowStockDigest


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(LowStockDigest)
class LowStockDigestAdmin(ReadOnlyAdmin):
    """A record of what each digest saw; written by ``send_low_stock_digest`` only."""

    list_display = ["sent_at", "new_items", "recipients"]
    date_hierarchy = "sent_at"
