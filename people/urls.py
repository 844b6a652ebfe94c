from django.urls import path

from core.crud import record_urlpatterns
from people.models import Customer, Supplier
from people.views import (
    CustomerDetailView,
    CustomerListView,
    PartySearchView,
    SupplierDetailView,
    SupplierListView,
)

# Included twice by the project's urls.py, as the "suppliers" and "customers" namespaces.
supplier_patterns = [
    *record_urlpatterns("suppliers", Supplier, SupplierListView, SupplierDetailView),
    path("search/", PartySearchView.as_view(model=Supplier), name="search"),
]
customer_patterns = [
    *record_urlpatterns("customers", Customer, CustomerListView, CustomerDetailView),
    path("search/", PartySearchView.as_view(model=Customer), name="search"),
]
