from django.contrib import admin

from core.admin import ArchivableAdmin
from people.models import Customer, Supplier


@admin.register(Supplier)
class SupplierAdmin(ArchivableAdmin):
    list_display = ["name", "contact_person", "email", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_person", "email", "phone"]


@admin.register(Customer)
class CustomerAdmin(ArchivableAdmin):
    list_display = ["name", "email", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "email", "phone"]
