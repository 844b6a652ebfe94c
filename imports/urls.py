from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportListView.as_view(), name="list"),
    path("new/", views.ImportCreateView.as_view(), name="create"),
    path("templates/<slug:kind>.csv", views.ImportTemplateView.as_view(), name="template"),
    path("<int:pk>/", views.ImportDetailView.as_view(), name="detail"),
    path("<int:pk>/mapping/", views.ImportMappingView.as_view(), name="mapping"),
    path("<int:pk>/run/", views.ImportApplyView.as_view(), name="run"),
    path("<int:pk>/errors.csv", views.ImportErrorsView.as_view(), name="errors"),
]
