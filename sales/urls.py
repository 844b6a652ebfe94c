from django.urls import path

from sales.views import SaleCreateView, SaleDetailView, SaleListView, SaleVoidView

app_name = "sales"

urlpatterns = [
    path("", SaleListView.as_view(), name="list"),
    path("new/", SaleCreateView.as_view(), name="create"),
    path("<int:pk>/", SaleDetailView.as_view(), name="detail"),
    path("<int:pk>/void/", SaleVoidView.as_view(), name="void"),
]
