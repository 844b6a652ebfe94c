from django.urls import path

from replenishment import views

app_name = "replenishment"

urlpatterns = [
    path("", views.ReplenishmentListView.as_view(), name="list"),
    path("drafts/", views.DraftsCreateView.as_view(), name="drafts"),
    path("rules.csv", views.RulesExportView.as_view(), name="rules-csv"),
    path("rules/import/", views.RulesImportView.as_view(), name="rules-import"),
    path("digest/", views.DigestView.as_view(), name="digest"),
]
