from django.contrib import admin

from core.admin import ArchivableAdmin
from stores.forms import StoreForm
from stores.models import Store


@admin.register(Store)
class StoreAdmin(ArchivableAdmin):
    form = StoreForm  # upper-cases the code and checks the name in any case, as the pages do
    list_display = ["name", "code", "phone", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
