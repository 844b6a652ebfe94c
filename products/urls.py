from django.urls import path

from core.crud import record_urlpatterns
from products.models import Category, Product
from products.views import (
    CategoryDetailView,
    CategoryListView,
    ProductDetailView,
    ProductListView,
    ProductSearchView,
    StockAdjustView,
)

# Included by the project's urls.py as the "categories" and "products" namespaces.
category_patterns = record_urlpatterns("categories", Category, CategoryListView, CategoryDetailView)
product_patterns = [
    *record_urlpatterns("products", Product, ProductListView, ProductDetailView),
    path("search/", ProductSearchView.as_view(), name="search"),
    path("<int:pk>/adjust/", StockAdjustView.as_view(), name="adjust"),
]
