from django.urls import path

from purchases import order_views as views

app_name = "purchase_orders"

urlpatterns = [
    path("", views.PurchaseOrderListView.as_view(), name="list"),
    path("new/", views.PurchaseOrderCreateView.as_view(), name="create"),
    path("<int:pk>/", views.PurchaseOrderDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.PurchaseOrderEditView.as_view(), name="edit"),
    path("<int:pk>/print/", views.PurchaseOrderPrintView.as_view(), name="print"),
    path("<int:pk>/pdf/", views.PurchaseOrderPdfView.as_view(), name="pdf"),
    path("<int:pk>/place/", views.PurchaseOrderPlaceView.as_view(), name="place"),
    path("<int:pk>/receive/", views.PurchaseOrderReceiveView.as_view(), name="receive"),
    path("<int:pk>/cancel/", views.PurchaseOrderCancelView.as_view(), name="cancel"),
    path("<int:pk>/close-short/", views.PurchaseOrderCloseShortView.as_view(), name="close-short"),
    path("<int:pk>/delete/", views.PurchaseOrderDeleteView.as_view(), name="delete"),
]
