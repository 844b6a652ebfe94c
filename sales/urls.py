from django.urls import path

from sales.return_views import SaleReturnCreateView
from sales.views import (
    SaleCreateView,
    SaleDetailView,
    SaleListView,
    SalePdfView,
    SaleReceiptView,
    SaleVoidView,
)

app_name = "sales"

urlpatterns = [
    path("", SaleListView.as_view(), name="list"),
    path("new/", SaleCreateView.as_view(), name="create"),
    path("<int:pk>/", SaleDetailView.as_view(), name="detail"),
    path("<int:pk>/void/", SaleVoidView.as_view(), name="void"),
    path("<int:pk>/return/", SaleReturnCreateView.as_view(), name="return"),
    path("<int:pk>/receipt/", SaleReceiptView.as_view(), name="receipt"),
    path("<int:pk>/pdf/", SalePdfView.as_view(), name="pdf"),
]
