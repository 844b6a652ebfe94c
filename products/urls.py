from django.urls import path

from core.crud import record_urlpatterns
from products.models import Category, Product, TaxRate, Unit
from products.views import (
    CategoryDetailView,
    CategoryListView,
    ProductDetailView,
    ProductListView,
    ProductSearchView,
    ProductStockRulesView,
    StockAdjustView,
    TaxRateDetailView,
    TaxRateListView,
    UnitDetailView,
    UnitListView,
)

# Included by the project's urls.py as the "categories", "units", "tax_rates" and "products"
# namespaces.
category_patterns = record_urlpatterns("categories", Category, CategoryListView, CategoryDetailView)
unit_patterns = record_urlpatterns("units", Unit, UnitListView, UnitDetailView)
tax_rate_patterns = record_urlpatterns("tax_rates", TaxRate, TaxRateListView, TaxRateDetailView)
product_patterns = [
    *record_urlpatterns("products", Product, ProductListView, ProductDetailView),
    path("search/", ProductSearchView.as_view(), name="search"),
    path("<int:pk>/adjust/", StockAdjustView.as_view(), name="adjust"),
    path("<int:pk>/replenishment/", ProductStockRulesView.as_view(), name="replenishment"),
]
