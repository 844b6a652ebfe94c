from django.urls import path  # noqa: F401  (the replenishment pages come next)

app_name = "replenishment"

urlpatterns: list = []
