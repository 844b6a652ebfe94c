from django.urls import path

from purchases.views import (
    PurchaseCreateView,
    PurchaseDetailView,
    PurchaseListView,
    PurchaseVoidView,
)

app_name = "purchases"

urlpatterns = [
    path("", PurchaseListView.as_view(), name="list"),
    path("new/", PurchaseCreateView.as_view(), name="create"),
    path("<int:pk>/", PurchaseDetailView.as_view(), name="detail"),
    path("<int:pk>/void/", PurchaseVoidView.as_view(), name="void"),
]
