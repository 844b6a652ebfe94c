from django.urls import path

from sales import return_views as views

app_name = "returns"

urlpatterns = [
    path("", views.SaleReturnListView.as_view(), name="list"),
    path("lines.csv", views.SaleReturnLineExportView.as_view(), name="lines-csv"),
    path("<int:pk>/", views.SaleReturnDetailView.as_view(), name="detail"),
    path("<int:pk>/print/", views.SaleReturnPrintView.as_view(), name="print"),
    path("<int:pk>/pdf/", views.SaleReturnPdfView.as_view(), name="pdf"),
]
