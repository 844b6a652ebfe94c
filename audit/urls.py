from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.HistoryListView.as_view(), name="list"),
    path("export/", views.HistoryExportView.as_view(), name="export"),
]
