from django.urls import path

from purchases.views import (
    PurchaseCreateView,
    PurchaseDetailView,
    PurchaseListView,
    PurchaseReturnCreateView,
    PurchaseReturnDetailView,
    PurchaseReturnPdfView,
    PurchaseReturnPrintView,
    PurchaseVoidView,
)

app_name = "purchases"

urlpatterns = [
    path("", PurchaseListView.as_view(), name="list"),
    path("new/", PurchaseCreateView.as_view(), name="create"),
    path("<int:pk>/", PurchaseDetailView.as_view(), name="detail"),
    path("<int:pk>/void/", PurchaseVoidView.as_view(), name="void"),
    path("<int:pk>/return/", PurchaseReturnCreateView.as_view(), name="return"),
    # Debit notes: what went back to suppliers.
    path("returns/<int:pk>/", PurchaseReturnDetailView.as_view(), name="return_detail"),
    path("returns/<int:pk>/print/", PurchaseReturnPrintView.as_view(), name="return_print"),
    path("returns/<int:pk>/pdf/", PurchaseReturnPdfView.as_view(), name="return_pdf"),
]
