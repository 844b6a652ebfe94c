from django.urls import path  # noqa: F401  (the purchase order pages come next)

app_name = "purchase_orders"

urlpatterns: list = []
