from django.urls import path

from dashboard.exports import (
    MovementExportView,
    ProductExportView,
    PurchaseLineExportView,
    PurchaseOrderLineExportView,
    SaleLineExportView,
    TransferLineExportView,
)
from dashboard.reports import (
    SalesByProductView,
    StockAgeingView,
    StockReportView,
    StockValuationView,
)
from dashboard.views import DashboardView

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="index"),
]

# Included by the project's urls.py under /reports/ as the "reports" namespace.
report_patterns = [
    path("stock/", StockReportView.as_view(), name="stock"),
    path("sales-by-product/", SalesByProductView.as_view(), name="sales-by-product"),
    path("valuation/", StockValuationView.as_view(), name="valuation"),
    path("ageing/", StockAgeingView.as_view(), name="ageing"),
    path("products.csv", ProductExportView.as_view(), name="products-csv"),
    path("purchase-lines.csv", PurchaseLineExportView.as_view(), name="purchase-lines-csv"),
    path(
        "purchase-order-lines.csv",
        PurchaseOrderLineExportView.as_view(),
        name="purchase-order-lines-csv",
    ),
    path("sale-lines.csv", SaleLineExportView.as_view(), name="sale-lines-csv"),
    path("transfer-lines.csv", TransferLineExportView.as_view(), name="transfer-lines-csv"),
    path("stock-movements.csv", MovementExportView.as_view(), name="movements-csv"),
]
